import { readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFile } from '../home';

/**
 * kinesis-mock's files under its data dir. The last three are written by `kinesis-preload.cjs`, which
 * spells the same names (it cannot import this module).
 */
export const kinesisDataFiles = (dataDir: string) => ({
  data: join(dataDir, 'kinesis-data.json'),
  saves: join(dataDir, 'kinesis-saves.json'),
  running: join(dataDir, 'kinesis-running.json'),
});

const savesSchema = z.object({
  pid: z.number().int(),
  startedAt: z.number(),
  durableUntil: z.number(),
  savedAt: z.number(),
});
const runningSchema = z.object({ pid: z.number().int(), startedAt: z.number() });

/** What the last complete save provably holds (see kinesis-preload.cjs); `undefined` before any save. */
export type KinesisSaves = z.infer<typeof savesSchema>;

export const readKinesisSaves = (dataDir: string): KinesisSaves | undefined =>
  readJsonFile(kinesisDataFiles(dataDir).saves, savesSchema);

const at = (ms: number) => new Date(ms).toISOString();

/**
 * Checks kinesis-mock's data dir before a start and repairs what a kill left behind, returning one
 * message per thing the user should know (what was lost, and from when). Costs one JSON parse of the
 * data file, which kinesis-mock is about to load anyway.
 *
 * - Unfinished saves (`*.saving`) are deleted: the data file is still the previous complete save.
 * - A data file that is not one complete JSON document (left by a kill mid-save before saves were
 *   atomic) is moved aside, since kinesis-mock cannot start on it; its streams start empty.
 * - A `kinesis-running.json` left behind means the last kinesis-mock was killed rather than stopped:
 *   what it acknowledged after its last save is gone. Saves run every `persistInterval`.
 */
export const recoverKinesisData = (dataDir: string, persistInterval: string): string[] => {
  const files = kinesisDataFiles(dataDir);
  const messages: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dataDir);
  } catch {
    return messages;
  }
  const unfinished = entries.filter((name) => name.endsWith('.saving'));
  for (const name of unfinished) rmSync(join(dataDir, name), { force: true });

  if (entries.includes('kinesis-data.json') && !isCompleteJson(files.data)) {
    const aside = `${files.data}.corrupt-${at(Date.now()).replace(/[:.]/g, '-')}`;
    renameSync(files.data, aside);
    messages.push(
      `kinesis-mock's data file was not a complete save (a kill mid-save, from before saves were atomic); ` +
        `moved it to ${aside}. Streams start empty: every record it held is lost.`,
    );
  }

  const killed = readJsonFile(files.running, runningSchema);
  if (killed) {
    const saves = readKinesisSaves(dataDir);
    const mid = unfinished.length > 0 ? ' in the middle of a save' : '';
    messages.push(
      saves && saves.pid === killed.pid
        ? `kinesis-mock (pid ${killed.pid}) was killed${mid} instead of stopping cleanly. Its streams are ` +
            `back as of its last complete save (${at(saves.savedAt)}), which holds every record acknowledged ` +
            `before ${at(saves.durableUntil)}; records acknowledged after that may be lost. It saves every ` +
            `${persistInterval}, so that is at most about two save intervals of writes.`
        : `kinesis-mock (pid ${killed.pid}) was killed${mid} before it finished a save (started ` +
            `${at(killed.startedAt)}): records acknowledged by it are lost; streams are back as of the run before.`,
    );
    rmSync(files.running, { force: true });
  }
  return messages;
};

const isCompleteJson = (file: string): boolean => {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
};
