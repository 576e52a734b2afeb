import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleSpine } from '../../bench/coldstart/bundles';

const out = mkdtempSync(join(tmpdir(), 'spine-stack-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('installLazySourceMaps', () => {
  it('makes a logged error stack of a SpineFunction bundle point at TypeScript lines, without --enable-source-maps', async () => {
    // Prepare: bundled as SpineFunction bundles (minified ESM, linked map, generated entry).
    const bundle = await bundleSpine('test/fixtures/stack-traces/entry.ts', undefined, out);
    // Act
    const run = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        'const m = await import(process.argv[1]); await m.handler();',
        bundle.file,
      ],
      { cwd: out, env: { ...process.env, NODE_OPTIONS: '', POWERTOOLS_LOG_LEVEL: 'INFO' }, encoding: 'utf8' },
    );
    const output = `${run.stdout}\n${run.stderr}`;
    // Assess
    const line = output.split('\n').find((l) => l.includes('handler failed')) ?? '{}';
    const logged: { error?: { stack?: string } } = JSON.parse(line);
    const stack = logged.error?.stack ?? '';
    expect(stack).toContain('test/fixtures/stack-traces/entry.ts:7:');
    expect(stack).toContain('test/fixtures/stack-traces/entry.ts:12:');
    expect(stack).not.toContain('index.mjs:');
  }, 60_000);
});
