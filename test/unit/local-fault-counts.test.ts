import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultCounts } from '../../local/faults/counts';

describe('FaultCounts with a file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('replaces the file whole on every count, leaving no temporary file behind', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'spine-counts-'));
    dirs.push(dir);
    const counts = new FaultCounts(join(dir, 'faults.json'));
    counts.add('kinesis.lostResponse.hangup');
    const before = statSync(join(dir, 'faults.json')).ino;
    // Act
    counts.add('kinesis.lostResponse.hangup');
    const after = statSync(join(dir, 'faults.json')).ino;
    counts.add('invocation.death');
    // Assess: the chaos run reads this file from another process while local mode runs or after a kill,
    // so it is replaced by a rename (a new inode), never truncated and rewritten in place.
    expect(after).not.toBe(before);
    expect(JSON.parse(readFileSync(join(dir, 'faults.json'), 'utf8'))).toEqual({
      'kinesis.lostResponse.hangup': 2,
      'invocation.death': 1,
    });
    expect(readdirSync(dir)).toEqual(['faults.json']);
  });
});
