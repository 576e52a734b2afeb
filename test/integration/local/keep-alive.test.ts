import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { IDLE_SOCKET_MS } from '../../../local/net';

const REPO = resolve(import.meta.dirname, '../../..');
const SERVER = 'test/fixtures/local/stalling-server.ts';
/** Longer than the short idle timeout below, far shorter than IDLE_SOCKET_MS. */
const STALL_MS = 12_000;
const SHORT_IDLE_MS = 10_000;

type Child = ChildProcessByStdio<Writable, Readable, null>;
const children: Child[] = [];
afterAll(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Resolves with the child's stdout once it contains `text`. */
const output = (child: Child, text: string): Promise<string> =>
  new Promise((done, fail) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (!seen.includes(text)) return;
      child.stdout.off('data', onData);
      done(seen);
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => fail(new Error(`stalling server exited (${code}) before "${text}"`)));
  });

/**
 * One request, then a second on the same idle keep-alive socket (fetch reuses it: the server's hint
 * less 1 s has not passed) sent while the server's event loop stalls past `idle` from the first answer.
 */
const requestDuringStall = async (idle: 'spine' | number) => {
  const child: Child = spawn(process.execPath, ['--import', 'tsx', SERVER, String(idle)], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const port = /listening (\d+)/.exec(await output(child, 'listening'))?.[1];
  const url = `http://127.0.0.1:${port}/`;
  const first = await (await fetch(url, { method: 'POST', body: 'first' })).text();
  const stalling = output(child, 'stalling');
  child.stdin.write(`${STALL_MS}\n`);
  await stalling;
  try {
    const second = await (await fetch(url, { method: 'POST', body: 'second' })).text();
    return { first, second, error: undefined };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    return {
      first,
      second: undefined,
      error: (cause && 'code' in cause && String(cause.code)) || String(error),
    };
  }
};

// Both cases run at once (each in its own child), so the file costs one stall, not two.
describe.concurrent('keepIdleSockets (local HTTP servers)', () => {
  it('reproduces the reset it prevents: a stall past the idle timeout resets a request the server never read', async () => {
    // Act
    const short = await requestDuringStall(SHORT_IDLE_MS);

    // Assess: the expired idle timer ran before the server read the waiting request.
    expect(short.first).toBe('1');
    expect(short.error).toBe('ECONNRESET');
  });

  it('keeps the reused socket through the same stall, so the request is answered', async () => {
    // Act
    const spine = await requestDuringStall('spine');

    // Assess: answered on the first connection, so the socket really was reused.
    expect(IDLE_SOCKET_MS).toBeGreaterThan(STALL_MS);
    expect(spine).toEqual({ first: '1', second: '1', error: undefined });
  });
});
