import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KinesisEmulator, silentLogger, startKinesis } from '../../../local';

/** Kinesis lite as local mode starts it: its own process, journaling to `dataDir`, behind the relay. */
export interface LiteProcess {
  readonly endpoint: string;
  readonly dataDir: string;
  readonly emulator: KinesisEmulator;
  /** Stops the process; the data dir stays for a restart unless `remove`. */
  stop(options?: { readonly remove?: boolean }): Promise<void>;
}

/** Starts Kinesis lite persisting to `dataDir` (a new temp dir when absent). */
export const startLiteProcess = async (dataDir?: string): Promise<LiteProcess> => {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'spine-lite-'));
  const emulator = await startKinesis({
    emulator: 'lite',
    dataDir: join(dir, 'kinesis'),
    port: 0,
    homeMarker: `--spine-test=${dir}`,
    logFile: join(dir, 'kinesis.log'),
    log: silentLogger,
    timeoutMs: 90_000,
  });
  return {
    endpoint: `http://127.0.0.1:${emulator.port}`,
    dataDir: dir,
    emulator,
    stop: async (options = { remove: true }) => {
      await emulator.stop();
      if (options.remove) rmSync(dir, { recursive: true, force: true });
    },
  };
};
