import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { type FaultSchedule, startFaultRelay } from '../faults';
import type { LocalLogger } from '../log';
import type { StreamActivity } from '../net';
import { localClientConfig } from './client';
import { readKinesisSaves, recoverKinesisData } from './kinesis-data';
import { LEASH_ENV } from './leash';
import { onPickedPorts } from './picked';
import type { EmulatorProcess } from './process';
import { spawnEmulator } from './process';
import { startTcpProxy } from './proxy';
import { PROBE_TIMEOUTS, STARTUP_TIMEOUT_MS, waitUntilReady } from './wait';

/**
 * How often kinesis-mock snapshots its whole state to `<dataDir>/kinesis-data.json` (default 5 s).
 * A clean stop loses nothing: SIGTERM writes a final snapshot (see proxy.ts for why that works), and so
 * does the death of the runtime (the leash, leash.ts). Data-loss window: if kinesis-mock itself is
 * SIGKILLed (or the machine dies), records acknowledged since its last save are gone, about one to two
 * intervals; 1 s keeps that small at the cost of rewriting the whole file every second. A kill mid-save
 * costs nothing more: saves are atomic (kinesis-preload.cjs).
 */
export const PERSIST_INTERVAL = '1s';
/**
 * How long a clean stop waits for kinesis-mock's final save before SIGKILL, when no earlier save holds
 * every acknowledged write. The usual 3 s grace was too short for two fresh-clone suites side by side
 * (load ~15): both lost the last record written before a stop and start (local-backbone.test.ts), and
 * one found the reloaded stream not ACTIVE; a kill mid-final-save explains both (not caught in the act:
 * the test's logger is silent). 7 s plus the 2 s SIGKILL wait stays inside local-signals' 10 s bound.
 */
const STOP_GRACE_MS = 7_000;

/** Loaded into kinesis-mock: atomic saves and the leash. Plain CommonJS, next to this file. */
const PRELOAD = join(dirname(fileURLToPath(import.meta.url)), 'kinesis-preload.cjs');

export interface KinesisStartOptions {
  readonly dataDir: string;
  /** Port clients use (the relay). kinesis-mock itself listens on free internal ports. */
  readonly port: number;
  /** Marker put on the command line so a later start can recognise an orphan of this data dir. */
  readonly homeMarker: string;
  readonly logFile: string;
  readonly log: LocalLogger;
  /** Called as soon as the process exists, so its pid is on record before the (slow) readiness wait. */
  readonly onSpawn?: (emulator: EmulatorProcess) => void;
  readonly timeoutMs?: number;
  /** Persist to `dataDir` every `PERSIST_INTERVAL` (local mode) or not at all (tests). @default true */
  readonly persist?: boolean;
  /** Test-only (SPINE_FAULTS): clients reach kinesis-mock through the HTTP fault relay instead of the TCP relay. */
  readonly faults?: FaultSchedule;
  /** Told of each write and reshard kinesis-mock answered through the relay. */
  readonly activity?: StreamActivity;
}

export interface KinesisEmulator {
  readonly process: EmulatorProcess;
  readonly port: number;
  stop(): Promise<void>;
}

/** Spawns kinesis-mock on its two internal ports and waits until it answers on the plain one. */
const spawnKinesisMock = async (
  options: KinesisStartOptions,
  persist: boolean,
  [plainPort, tlsPort]: readonly number[],
): Promise<{ emulator: EmulatorProcess; plainPort: number }> => {
  if (plainPort === undefined || tlsPort === undefined) throw new RangeError('kinesis-mock needs two ports');
  const pkgDir = dirname(createRequire(import.meta.url).resolve('kinesis-local/package.json'));
  const emulator = spawnEmulator({
    name: 'kinesis-mock',
    command: process.execPath,
    args: ['--require', PRELOAD, join(pkgDir, 'main.js'), options.homeMarker],
    env: {
      ...LEASH_ENV,
      PATH: process.env.PATH,
      KINESIS_MOCK_PLAIN_PORT: String(plainPort),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      KINESIS_MOCK_CERT_PATH: join(pkgDir, 'server.json'),
      SHOULD_PERSIST_DATA: String(persist),
      LOAD_DATA_IF_EXISTS: 'true',
      PERSIST_PATH: options.dataDir,
      PERSIST_INTERVAL,
      // The defaults (10 on-demand streams, 50 shards) are far below what a catalog may declare.
      ON_DEMAND_STREAM_COUNT_LIMIT: '1000',
      SHARD_LIMIT: '10000',
      LOG_LEVEL: 'WARN',
    },
    logFile: options.logFile,
    log: options.log,
  });
  options.onSpawn?.(emulator);
  const client = new KinesisClient({
    ...localClientConfig(`http://127.0.0.1:${plainPort}`, PROBE_TIMEOUTS),
    maxAttempts: 1,
  });
  try {
    await waitUntilReady(
      emulator,
      () => client.send(new ListStreamsCommand({ Limit: 1 })),
      options.timeoutMs ?? STARTUP_TIMEOUT_MS,
      plainPort,
    );
  } finally {
    // An open keep-alive connection would stall kinesis-mock's shutdown.
    client.destroy();
  }
  return { emulator, plainPort };
};

export const startKinesis = async (options: KinesisStartOptions): Promise<KinesisEmulator> => {
  mkdirSync(options.dataDir, { recursive: true });
  const persist = options.persist ?? true;
  if (persist)
    for (const message of recoverKinesisData(options.dataDir, PERSIST_INTERVAL)) options.log.warn(message);
  // Its ports are internal (clients use the relay's), so a port taken before it bound is picked again.
  const { emulator, plainPort } = await onPickedPorts(
    2,
    (ports) => spawnKinesisMock(options, persist, ports),
    options.log,
  );
  let proxy: { readonly port: number; close(): Promise<void> };
  try {
    proxy = options.faults
      ? await startFaultRelay(options.port, plainPort, options.faults, options.activity)
      : await startTcpProxy(options.port, plainPort, options.activity);
  } catch (error) {
    await emulator.stop().catch(() => {});
    throw error;
  }
  return {
    process: emulator,
    port: proxy.port,
    stop: async () => {
      await proxy.close();
      // Nothing is acknowledged after the relay closed; a save that holds everything before this
      // moment makes a kill harmless. Until one exists, kinesis-mock's own final save is the only
      // copy of the last writes, so its shutdown gets up to STOP_GRACE_MS instead of being killed.
      const closedAt = Date.now();
      const saved = () => {
        const saves = readKinesisSaves(options.dataDir);
        return saves !== undefined && saves.pid === emulator.pid && saves.durableUntil >= closedAt;
      };
      await emulator.stop(persist ? { graceMs: STOP_GRACE_MS, safeToKill: saved } : {});
    },
  };
};
