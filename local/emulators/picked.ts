import { EmulatorPortTakenError } from '../errors';
import type { LocalLogger } from '../log';
import { freePort } from '../ports';

/** Starts on a port taken by someone else are retried this often, each time on new ports. */
const ATTEMPTS = 3;

/**
 * Runs `start` on `count` ports picked here, and when it fails with `EmulatorPortTakenError` (another
 * process bound one of them between the pick and the emulator's own bind), on new ones, up to
 * `ATTEMPTS` times. Only for ports nobody configured: a configured port is never moved.
 */
export const onPickedPorts = async <T>(
  count: number,
  start: (ports: readonly number[]) => Promise<T>,
  log: LocalLogger,
): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freePort(ports));
    try {
      return await start(ports);
    } catch (error) {
      if (!(error instanceof EmulatorPortTakenError) || attempt >= ATTEMPTS) throw error;
      // With kinesis-mock the taken port may be the other of its two picks (its bind error names it).
      log.warn(
        `${error.emulator}: port ${error.port} was taken before it bound it, or another port picked for it; retrying on new ports`,
        {
          error: error.message,
          attempt,
        },
      );
    }
  }
};
