import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmulatorStopError } from '../errors';
import type { LocalLogger } from '../log';

/** SIGTERM first; kinesis-mock persists its data on a clean shutdown, DynamoDB Local closes SQLite. */
const GRACE_MS = 3_000;
const KILL_WAIT_MS = 2_000;

/** How an emulator process ended: exit code, or the signal that killed it. */
export interface EmulatorExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * A running emulator: a detached child (its own process group) whose output goes to a log file, on a
 * leash (see leash.ts) so it stops when the runtime dies.
 */
export interface EmulatorProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  isRunning(): boolean;
  /** Settles when the process has exited, for whatever reason (our stop, a kill, a crash). */
  readonly exited: Promise<EmulatorExit>;
  /** The last lines this process wrote (not earlier runs appending to the same log), for error messages. */
  tail(lines?: number): string[];
  /** SIGTERM the group, wait the grace period, SIGKILL, and verify the process is gone. */
  stop(options?: StopOptions): Promise<void>;
}

/** How long a stop may wait for a clean exit before SIGKILL. */
export interface StopOptions {
  /**
   * The longest wait for a clean exit after SIGTERM. Past the usual grace, the wait goes on only
   * while `safeToKill` says a kill would lose something. @default GRACE_MS (3 s)
   */
  readonly graceMs?: number;
  /** Whether a SIGKILL now loses nothing (e.g. a complete save holds every acknowledged write). */
  readonly safeToKill?: () => boolean;
}

export interface SpawnOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly logFile: string;
  readonly log: LocalLogger;
}

/** The size of `file` now, 0 when it does not exist. */
const sizeOf = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

/**
 * Last `lines` lines of a file, reading at most its last 16 KiB and nothing before byte `from` (what an
 * earlier run appended to the same log is not this run's output).
 */
export const tailFile = (file: string, lines = 15, from = 0): string[] => {
  try {
    const size = statSync(file).size;
    const start = Math.max(from, size - 16_384, 0);
    const length = size - start;
    if (length <= 0) return [];
    const buffer = Buffer.alloc(length);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buffer, 0, length, start);
    } finally {
      closeSync(fd);
    }
    return buffer
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-lines);
  } catch {
    return [];
  }
};

const signalGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
};

const waitUntilGone = async (
  isRunning: () => boolean,
  ms: number,
  stopEarly = () => false,
): Promise<boolean> => {
  const deadline = Date.now() + ms;
  while (isRunning() && Date.now() < deadline && !stopEarly()) await sleep(50);
  return !isRunning();
};

/**
 * Stops a process group: SIGTERM, a grace period, then SIGKILL, and checks that the leader is gone.
 * Works for our own children and for orphans of an earlier run (`isRunning` tells them apart). With
 * `options.graceMs` above the usual 3 s, a process still shutting down is killed at 3 s only if
 * `safeToKill` says so: a kill during kinesis-mock's final save on a loaded machine is the likely way
 * two fresh-clone suites side by side lost a stream's last acknowledged record (see kinesis.ts).
 */
export const stopGroup = async (
  name: string,
  pid: number,
  isRunning: () => boolean,
  log: LocalLogger,
  options: StopOptions = {},
) => {
  if (!isRunning()) return;
  const termAt = Date.now();
  signalGroup(pid, 'SIGTERM');
  if (await waitUntilGone(isRunning, GRACE_MS)) return;
  const grace = Math.max(options.graceMs ?? GRACE_MS, GRACE_MS);
  const safe = options.safeToKill ?? (() => true);
  if (!safe() && (await waitUntilGone(isRunning, termAt + grace - Date.now(), safe))) return;
  const loses = safe() ? '' : ' (what it wrote since its last save may be lost)';
  log.warn(`${name} still running ${Date.now() - termAt} ms after SIGTERM; sending SIGKILL${loses}`, { pid });
  signalGroup(pid, 'SIGKILL');
  if (!(await waitUntilGone(isRunning, KILL_WAIT_MS))) throw new EmulatorStopError(name, pid);
};

/**
 * Starts an emulator detached (own process group, so one signal reaches everything it forks) with its
 * output appended to `logFile` rather than piped, so its last words survive the runtime. Its stdin is
 * the leash (leash.ts): the command must stop itself at EOF, which comes when the runtime dies.
 */
export const spawnEmulator = (options: SpawnOptions): EmulatorProcess => {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const logStart = sizeOf(options.logFile);
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['pipe', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  // Never written: holding the write end open is the whole point. EPIPE once the emulator is gone is moot.
  child.stdin?.on('error', () => {});
  // A spawn error (ENOENT) arrives as an event; the readiness check reports it with the output.
  child.on('error', (error) =>
    options.log.error(`${options.name} failed to spawn`, { error: String(error) }),
  );
  const isRunning = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  const pid = child.pid ?? -1;
  const exited = new Promise<EmulatorExit>((resolve) => {
    if (child.pid === undefined) resolve({ code: null, signal: null });
    child.once('exit', (code, signal) => {
      // The leader is gone; anything left in its group (the leash watcher of leash.ts) goes with it.
      if (pid > 0) signalGroup(pid, 'SIGKILL');
      resolve({ code, signal });
    });
  });
  return {
    name: options.name,
    pid,
    logFile: options.logFile,
    isRunning,
    exited,
    tail: (lines) => tailFile(options.logFile, lines, logStart),
    stop: (stopOptions) => stopGroup(options.name, pid, isRunning, options.log, stopOptions),
  };
};
