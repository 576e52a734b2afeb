import { setTimeout as sleep } from 'node:timers/promises';
import { EmulatorPortTakenError, EmulatorStartError } from '../errors';
import { listensOn } from './listener';
import type { EmulatorProcess } from './process';

/**
 * How long an emulator may take to answer its first call. About 5 s on quiet cores; DynamoDB Local took
 * 42 s at load 25, past the 30 s this used to be. A process that exits fails at once, so the long limit
 * only costs time when an emulator hangs without exiting.
 */
export const STARTUP_TIMEOUT_MS = 90_000;

/**
 * The timeouts of a readiness probe's client. An emulator can accept a connection while it starts and
 * never answer the request on it; with the SDK's default (a warning only) that probe hung `npm start`
 * for good. After 30 s the probe fails and the next one opens a fresh connection: DynamoDB Local's
 * first answer took up to 42 s at load 25, so a shorter limit would abandon answers on their way.
 */
export const PROBE_TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 30_000 } as const;

/** How often a probe in flight is watched for the emulator's exit or a bind failure in its output. */
const WATCH_MS = 250;

/** A startup failure seen while a probe was in flight: it ends the wait, unlike a failed probe. */
class StartupFailedError extends Error {
  constructor(readonly failure: Error) {
    super(failure.message, { cause: failure });
    this.name = 'StartupFailedError';
  }
}

/**
 * Settles with the probe, or rejects once `ms` pass (no probe outlives the startup deadline), or as soon
 * as `failure` names one: a probe an emulator accepted and never answered (up to its 30 s request timeout)
 * no longer hides an exit or a bind failure for that long.
 */
const watched = async (
  probe: () => Promise<unknown>,
  ms: number,
  failure: () => Error | undefined,
): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  let watch: NodeJS.Timeout | undefined;
  const ended = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the probe did not settle within ${ms} ms`)), ms);
    watch = setInterval(() => {
      const error = failure();
      if (error) reject(new StartupFailedError(error));
    }, WATCH_MS);
  });
  try {
    await Promise.race([probe(), ended]);
  } finally {
    clearTimeout(timer);
    clearInterval(watch);
  }
};

/** How much of an emulator's own output a readiness poll reads for a bind failure (its startup fits). */
const STARTUP_TAIL_LINES = 200;

/** What a JVM or Node server prints when its listen fails because the port is held. */
const BIND_FAILURE = /EADDRINUSE|BindException|Address already in use/;

/**
 * Polls `probe` (a real API call such as ListStreams) until it succeeds. Fails early when the process
 * exits, and after `timeoutMs` with the emulator's last output lines and the last probe error; an
 * emulator that never became ready is stopped before the error is thrown, so nothing is left behind.
 * With `port`, the answer must come from the emulator itself (checked where the OS tells, listener.ts):
 * a port held by another process fails as `EmulatorPortTakenError`, as does a bind error in the output
 * this process wrote, whether it exited or runs on.
 */
export const waitUntilReady = async (
  emulator: EmulatorProcess,
  probe: () => Promise<unknown>,
  timeoutMs: number,
  port?: number,
): Promise<void> => {
  try {
    await pollUntilReady(emulator, probe, timeoutMs, port);
    if (port !== undefined && listensOn(emulator.pid, port) === false)
      throw new EmulatorPortTakenError(
        emulator.name,
        port,
        'is answered by another process, not by the emulator',
        emulator.tail(),
      );
  } catch (error) {
    await emulator.stop().catch(() => {});
    throw error;
  }
};

const pollUntilReady = async (
  emulator: EmulatorProcess,
  probe: () => Promise<unknown>,
  timeoutMs: number,
  port: number | undefined,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  const failure = () => startupFailure(emulator, port, lastError);
  while (Date.now() < deadline) {
    const failed = failure();
    if (failed) throw failed;
    try {
      await watched(probe, Math.max(1, deadline - Date.now()), failure);
      return;
    } catch (error) {
      if (error instanceof StartupFailedError) throw error.failure;
      lastError = error;
    }
    await sleep(100);
  }
  throw new EmulatorStartError(
    emulator.name,
    `no answer within ${timeoutMs} ms (last error: ${lastError instanceof Error ? lastError.message : String(lastError)}); log: ${emulator.logFile}`,
    emulator.tail(),
    lastError,
  );
};

/**
 * Why the startup cannot succeed, if it cannot: a bind failure in the output this process wrote (whether
 * it exited or runs on: kinesis-mock binds two ports, and when the second is taken it logs the bind error
 * and runs on without answering on either), or its exit.
 */
const startupFailure = (
  emulator: EmulatorProcess,
  port: number | undefined,
  lastError: unknown,
): Error | undefined => {
  const running = emulator.isRunning();
  if (running && port === undefined) return undefined;
  const output = emulator.tail(STARTUP_TAIL_LINES);
  if (port !== undefined && output.some((line) => BIND_FAILURE.test(line)))
    return new EmulatorPortTakenError(
      emulator.name,
      port,
      running ? 'or another port it binds is held by another process' : 'is held by another process',
      output,
      lastError,
    );
  if (running) return undefined;
  return new EmulatorStartError(
    emulator.name,
    'the process exited during startup',
    output.slice(-15),
    lastError,
  );
};
