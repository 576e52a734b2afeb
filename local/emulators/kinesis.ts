import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FaultSchedule, startFaultRelay } from '../faults';
import type { LocalLogger } from '../log';
import type { StreamActivity } from '../net';
import { readKinesisSaves, recoverKinesisData } from './kinesis-data';
import { spawnKinesisLite } from './kinesis-lite-process';
import { waitForKinesis } from './kinesis-ready';
import { LEASH_ENV } from './leash';
import { onPickedPorts } from './picked';
import type { EmulatorProcess } from './process';
import { spawnEmulator } from './process';
import { startTcpProxy } from './proxy';

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

/**
 * Which program serves Kinesis in local mode. `lite` (kinesis-lite/, the default): Spine's own emulator,
 * journaled before each answer (a kill loses no acknowledged record), a few ms of CPU per call.
 * `kinesis-mock`: the npm `kinesis-local` build of kinesis-mock, saving its whole state every second.
 * Both are held to one contract suite (test/integration/memory-kinesis-contract.test.ts).
 */
export type KinesisEmulatorName = 'lite' | 'kinesis-mock';
export const KINESIS_EMULATORS: readonly KinesisEmulatorName[] = ['lite', 'kinesis-mock'];
export const DEFAULT_KINESIS_EMULATOR: KinesisEmulatorName = 'lite';
/** The env var that picks the emulator when the backbone option does not. */
export const KINESIS_EMULATOR_ENV = 'SPINE_KINESIS_EMULATOR';

/** The emulator named by `SPINE_KINESIS_EMULATOR`, the default when unset; throws on any other value. */
export const kinesisEmulatorFromEnv = (env: NodeJS.ProcessEnv = process.env): KinesisEmulatorName => {
  const value = env[KINESIS_EMULATOR_ENV];
  if (value === undefined || value === '') return DEFAULT_KINESIS_EMULATOR;
  const found = KINESIS_EMULATORS.find((name) => name === value);
  if (!found)
    throw new RangeError(`${KINESIS_EMULATOR_ENV}=${value}: expected one of ${KINESIS_EMULATORS.join(', ')}`);
  return found;
};

export interface KinesisStartOptions {
  /** @default DEFAULT_KINESIS_EMULATOR */
  readonly emulator?: KinesisEmulatorName;
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
  await waitForKinesis(emulator, plainPort, options.timeoutMs);
  return { emulator, plainPort };
};

/** The relay clients use, in front of an emulator on `plainPort`: fault relay or plain TCP relay. */
const startRelay = async (options: KinesisStartOptions, emulator: EmulatorProcess, plainPort: number) => {
  try {
    return options.faults
      ? await startFaultRelay(options.port, plainPort, options.faults, options.activity)
      : await startTcpProxy(options.port, plainPort, options.activity);
  } catch (error) {
    await emulator.stop().catch(() => {});
    throw error;
  }
};

/**
 * Kinesis lite behind the same relay as kinesis-mock (it tells pollers of writes, and injects faults
 * when asked). Every answer was journaled first, so a stop may SIGKILL after the usual grace.
 */
const startKinesisLite = async (options: KinesisStartOptions, persist: boolean): Promise<KinesisEmulator> => {
  const { emulator, plainPort } = await onPickedPorts(
    1,
    async ([port]) => {
      if (port === undefined) throw new RangeError('Kinesis lite needs a port');
      return { emulator: await spawnKinesisLite(options, persist, port), plainPort: port };
    },
    options.log,
  );
  const proxy = await startRelay(options, emulator, plainPort);
  return {
    process: emulator,
    port: proxy.port,
    stop: async () => {
      await proxy.close();
      await emulator.stop();
    },
  };
};

export const startKinesis = async (options: KinesisStartOptions): Promise<KinesisEmulator> => {
  mkdirSync(options.dataDir, { recursive: true });
  const persist = options.persist ?? true;
  if ((options.emulator ?? DEFAULT_KINESIS_EMULATOR) === 'lite') return startKinesisLite(options, persist);
  if (persist)
    for (const message of recoverKinesisData(options.dataDir, PERSIST_INTERVAL)) options.log.warn(message);
  // Its ports are internal (clients use the relay's), so a port taken before it bound is picked again.
  const { emulator, plainPort } = await onPickedPorts(
    2,
    (ports) => spawnKinesisMock(options, persist, ports),
    options.log,
  );
  const proxy = await startRelay(options, emulator, plainPort);
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
