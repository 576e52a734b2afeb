import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../local/emulators/kinesis-lite/journal';
import type { JournalEntry } from '../../local/emulators/kinesis-lite/journal-entry';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const put = (i: number): JournalEntry => ({
  o: 'put',
  s: 'orders',
  t: 1_700_000_000_000 + i,
  // ~40 KB a line, so lines straddle the reader's 8 MiB chunks; the é makes some straddle mid-character.
  r: [['shardId-000000000000', String(49_000_000 + i), `k-${i}`, `é${'x'.repeat(40_000)}${i}`]],
});

describe('Kinesis lite journal: reading at start', () => {
  it('replays a journal larger than one read chunk line for line, and cuts only the torn end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spine-journal-'));
    dirs.push(dir);
    const file = join(dir, 'journal.ndjson');
    const entries = Array.from({ length: 500 }, (_, i) => put(i));
    const whole = entries.map((e) => `${JSON.stringify(e)}\n`).join('');
    const torn = JSON.stringify(put(500)).slice(0, 1234);
    writeFileSync(file, whole + torn);
    expect(Buffer.byteLength(whole)).toBeGreaterThan(2 * 8 * 1024 * 1024);

    const { journal, replay } = Journal.open(file);
    journal.close();

    expect(replay.entries).toEqual(entries);
    expect(replay.tornBytes).toBe(Buffer.byteLength(torn));
    expect(readFileSync(file, 'utf8')).toBe(whole);
  });

  it('names the line of a complete entry it cannot read, and replays nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spine-journal-'));
    dirs.push(dir);
    const file = join(dir, 'journal.ndjson');
    writeFileSync(file, `${JSON.stringify(put(0))}\n\n{"o":"nope"}\n`);
    expect(() => Journal.open(file)).toThrow(/journal\.ndjson:3 is not a journal entry/);
  });
});
