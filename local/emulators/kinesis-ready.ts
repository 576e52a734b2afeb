import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { localClientConfig } from './client';
import type { EmulatorProcess } from './process';
import { PROBE_TIMEOUTS, STARTUP_TIMEOUT_MS, waitUntilReady } from './wait';

/**
 * Waits until the Kinesis emulator `emulator` answers ListStreams on `port` (kinesis-mock or Kinesis
 * lite). The probe's client is destroyed after: an open keep-alive connection would stall
 * kinesis-mock's shutdown.
 */
export const waitForKinesis = async (
  emulator: EmulatorProcess,
  port: number,
  timeoutMs = STARTUP_TIMEOUT_MS,
): Promise<void> => {
  const client = new KinesisClient({
    ...localClientConfig(`http://127.0.0.1:${port}`, PROBE_TIMEOUTS),
    maxAttempts: 1,
  });
  try {
    await waitUntilReady(emulator, () => client.send(new ListStreamsCommand({ Limit: 1 })), timeoutMs, port);
  } finally {
    client.destroy();
  }
};
