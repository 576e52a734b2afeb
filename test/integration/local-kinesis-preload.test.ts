import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * kinesis-preload.cjs in a plain Node process standing in for kinesis-mock: it saves the way
 * kinesis-mock does (fs.createWriteStream on the data file, write, end), so the tests can kill it at a
 * chosen point instead of hoping to hit one.
 */
const PRELOAD = resolve('local/emulators/kinesis-preload.cjs');

const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );

const waitForLine = (child: ChildProcess, line: string) =>
  new Promise<void>((done, fail) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(line)) done();
    });
    child.once('exit', () => fail(new Error(`exited before printing ${line}: ${out}`)));
  });

describe('kinesis-preload', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spine-preload-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the last complete save when the process is SIGKILLed in the middle of the next', async () => {
    // Prepare: one complete save, then a second one that stops half-way and waits to be killed
    const script = `
      const fs = require('node:fs');
      const file = require('node:path').join(process.env.PERSIST_PATH, 'kinesis-data.json');
      const first = fs.createWriteStream(file, { flags: 'w' });
      first.end('{"save":1}');
      first.on('finish', () => {
        const second = fs.createWriteStream(file, { flags: 'w' });
        second.write('{"save":2,"cut":"', () => console.log('mid-save'));
      });
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--require', PRELOAD, '-e', script], {
      env: { PATH: process.env.PATH, SHOULD_PERSIST_DATA: 'true', PERSIST_PATH: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await waitForLine(child, 'mid-save');

    // Act
    const exited = exitOf(child);
    child.kill('SIGKILL');
    await exited;

    // Assess: the data file is the first save; the cut one is only in a temporary file
    expect(readFileSync(join(dir, 'kinesis-data.json'), 'utf8')).toBe('{"save":1}');
    const names = readdirSync(dir);
    expect(names.filter((n) => n.endsWith('.saving'))).toHaveLength(1);
    expect(names).toContain('kinesis-running.json');
    const saves = JSON.parse(readFileSync(join(dir, 'kinesis-saves.json'), 'utf8')) as Record<string, number>;
    expect(saves.pid).toBe(child.pid);
    expect(saves.durableUntil).toBe(saves.startedAt);
  });

  it('turns EOF on stdin (the runtime died) into SIGTERM', async () => {
    // Prepare
    const script = `process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); });
      setInterval(() => {}, 1000); console.log('up');`;
    const child = spawn(process.execPath, ['--require', PRELOAD, '-e', script], {
      env: { PATH: process.env.PATH, SPINE_LEASH: 'stdin' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    await waitForLine(child, 'up');
    const sawSigterm = waitForLine(child, 'got SIGTERM');

    // Act
    const exited = exitOf(child);
    child.stdin?.destroy();

    // Assess
    await sawSigterm;
    expect(await exited).toEqual({ code: 0, signal: null });
  });

  it('SIGKILLs itself when its shutdown does not finish after EOF', async () => {
    // Prepare: a process whose SIGTERM handler never exits, as a hung kinesis-mock shutdown
    const script = `process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('up');`;
    const child = spawn(process.execPath, ['--require', PRELOAD, '-e', script], {
      env: { PATH: process.env.PATH, SPINE_LEASH: 'stdin' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    await waitForLine(child, 'up');

    // Act
    const exited = exitOf(child);
    child.stdin?.destroy();

    // Assess
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
  });
});
