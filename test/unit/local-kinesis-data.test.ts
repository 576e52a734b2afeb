import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kinesisDataFiles, recoverKinesisData } from '../../local/emulators/kinesis-data';

describe('recoverKinesisData', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spine-kinesis-data-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('says nothing and changes nothing after a clean stop', () => {
    // Prepare
    const files = kinesisDataFiles(dir);
    writeFileSync(files.data, '{"streams":{}}');
    writeFileSync(files.saves, JSON.stringify({ pid: 7, startedAt: 1, durableUntil: 2, savedAt: 3 }));

    // Act
    const messages = recoverKinesisData(dir, '1s');

    // Assess
    expect(messages).toEqual([]);
    expect(readFileSync(files.data, 'utf8')).toBe('{"streams":{}}');
  });

  it('moves a cut data file aside, so kinesis-mock can start, and says everything in it is lost', () => {
    // Prepare: what an in-place save killed half-way left behind
    const files = kinesisDataFiles(dir);
    writeFileSync(files.data, '{"streams":{"a":[1,2');

    // Act
    const messages = recoverKinesisData(dir, '1s');

    // Assess
    expect(existsSync(files.data)).toBe(false);
    const aside = readdirSync(dir).filter((name) => name.startsWith('kinesis-data.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('every record it held is lost');
  });

  it('drops an unfinished save and reports the kill with what the last save holds', () => {
    // Prepare: killed mid-save; its last complete save holds everything acknowledged before durableUntil
    const files = kinesisDataFiles(dir);
    writeFileSync(files.data, '{"streams":{}}');
    writeFileSync(join(dir, 'kinesis-data.json.41-9.saving'), '{"str');
    writeFileSync(files.running, JSON.stringify({ pid: 41, startedAt: Date.UTC(2026, 0, 1) }));
    const durableUntil = Date.UTC(2026, 0, 1, 10, 0, 0);
    const savedAt = Date.UTC(2026, 0, 1, 10, 0, 1);
    writeFileSync(files.saves, JSON.stringify({ pid: 41, startedAt: 0, durableUntil, savedAt }));

    // Act
    const messages = recoverKinesisData(dir, '1s');

    // Assess
    expect(readdirSync(dir).filter((name) => name.endsWith('.saving'))).toEqual([]);
    expect(existsSync(files.running)).toBe(false);
    expect(readFileSync(files.data, 'utf8')).toBe('{"streams":{}}');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('killed in the middle of a save');
    expect(messages[0]).toContain(new Date(durableUntil).toISOString());
    expect(messages[0]).toContain('saves every 1s');
  });

  it('says a killed run that never finished a save lost what it acknowledged', () => {
    // Prepare: the saves file is the previous run's (another pid)
    const files = kinesisDataFiles(dir);
    writeFileSync(files.running, JSON.stringify({ pid: 42, startedAt: Date.UTC(2026, 0, 1) }));
    writeFileSync(files.saves, JSON.stringify({ pid: 41, startedAt: 0, durableUntil: 1, savedAt: 2 }));

    // Act
    const messages = recoverKinesisData(dir, '1s');

    // Assess
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('before it finished a save');
  });
});
