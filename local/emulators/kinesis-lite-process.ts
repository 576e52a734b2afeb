import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LocalLogger } from '../log';
import { waitForKinesis } from './kinesis-ready';
import { LEASH_ENV } from './leash';
import type { EmulatorProcess } from './process';
import { spawnEmulator } from './process';

export interface KinesisLiteSpawnOptions {
  readonly dataDir: string;
  readonly homeMarker: string;
  readonly logFile: string;
  readonly log: LocalLogger;
  readonly onSpawn?: (emulator: EmulatorProcess) => void;
  readonly timeoutMs?: number;
}

/**
 * How to run `kinesis-lite/main.ts`: from the sources (tests, `npm start`) through tsx's loader, or
 * the bundled `dist/kinesis-lite.js` next to `dist/local.js` (scripts/build.ts builds both).
 */
const entryArgs = (): string[] => {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return [join(dirname(here), 'kinesis-lite.js')];
  const tsx = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'loader.mjs');
  return ['--import', pathToFileURL(tsx).href, join(dirname(here), 'kinesis-lite', 'main.ts')];
};

/**
 * Spawns Kinesis lite (kinesis-lite/) on `port` with its journal in `dataDir` (persist) or in memory
 * only, and waits until it answers. Its own process, on the leash, pid on record, like kinesis-mock:
 * a crash of either side is then what it would be with kinesis-mock, and its CPU is its own.
 */
export const spawnKinesisLite = async (
  options: KinesisLiteSpawnOptions,
  persist: boolean,
  port: number,
): Promise<EmulatorProcess> => {
  const emulator = spawnEmulator({
    name: 'kinesis-lite',
    command: process.execPath,
    args: [
      ...entryArgs(),
      '--port',
      String(port),
      ...(persist ? ['--data-dir', options.dataDir] : []),
      options.homeMarker,
    ],
    env: { ...LEASH_ENV, PATH: process.env.PATH },
    logFile: options.logFile,
    log: options.log,
  });
  options.onSpawn?.(emulator);
  await waitForKinesis(emulator, port, options.timeoutMs);
  return emulator;
};
