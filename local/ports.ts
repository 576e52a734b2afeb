import { createServer } from 'node:net';
import { PortInUseError, type PortRole } from './errors';

const listenOnce = (port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    // No host: the dual-stack wildcard, so a port held on any interface counts as taken.
    server.listen({ port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });

/**
 * Where picked ports come from: below every common ephemeral range (Linux 32768-60999, macOS and
 * Windows 49152-65535). A port the kernel hands out for `listen(0)` is an ephemeral one, and it stays
 * unprotected from its release until the emulator binds it (seconds, for a JVM on a busy machine): any
 * outgoing connection, or another suite's `listen(0)`, may take it meanwhile. Two fresh-clone suites
 * side by side lost runs that way (kinesis-mock found its port held by another suite's DynamoDB Local).
 * A random port from this range is never some connection's local port, and two pickers rarely meet.
 */
export const PICK_RANGE = { low: 20_000, high: 32_000 } as const;
const PICK_TRIES = 50;

const isTaken = (error: unknown): boolean => {
  const code = (error as { code?: unknown }).code;
  return code === 'EADDRINUSE' || code === 'EACCES';
};

/**
 * A port that is free now, picked at random from `PICK_RANGE` and not in `avoid`. It is released before
 * the caller binds it, so a start on it can still find it taken: `onPickedPorts` (emulators/picked.ts)
 * then picks again.
 */
export const freePort = async (avoid: readonly number[] = []): Promise<number> => {
  const span = PICK_RANGE.high - PICK_RANGE.low;
  for (let i = 0; i < PICK_TRIES; i++) {
    const candidate = PICK_RANGE.low + Math.floor(Math.random() * span);
    if (avoid.includes(candidate)) continue;
    try {
      return await listenOnce(candidate);
    } catch (error) {
      if (!isTaken(error)) throw error;
    }
  }
  return listenOnce(0);
};

const PATIENCE_POLL_MS = 100;

/**
 * Checks that a configured `port` is free and returns it; 0 picks one (see `freePort`). With
 * `patienceMs`, a port in use is tried again until it frees or the time is up: for a start after a run
 * that did not stop cleanly, whose emulators may still be releasing their ports. A process that is
 * exiting keeps its sockets after its command line is gone (Linux tears its memory down first), so no
 * process check can see it, only the port.
 */
export const reservePort = async (role: PortRole, port: number, patienceMs = 0): Promise<number> => {
  if (port === 0) return freePort();
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      return await listenOnce(port);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
      if (Date.now() >= deadline) throw new PortInUseError(role, port, error);
    }
    await new Promise((resolve) => setTimeout(resolve, PATIENCE_POLL_MS));
  }
};
