import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../fixtures/ops/catalog';

const home = mkdtempSync(join(tmpdir(), 'spine-bin-test-'));
const spine = (...args: string[]) =>
  spawnSync(process.execPath, ['cli/bin.mjs', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, SPINE_HOME: home },
  });

describe('the spine bin (cli/bin.mjs, what `npx spine` runs)', () => {
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('prints help listing every command, and help per command', () => {
    // Act
    const help = spine('--help');
    const parked = spine('parked', '--help');
    // Assess
    expect(help.status).toBe(0);
    for (const command of ['status', 'tail', 'publish', 'replay', 'pause', 'resume', 'parked'])
      expect(help.stdout).toContain(`${command} `);
    expect(parked.stdout).toMatch(/list[\s\S]*show[\s\S]*redrive[\s\S]*discard/);
  });

  it('says how to start local mode when there is no backbone, with exit code 3', () => {
    // Act
    const status = spine('status');
    // Assess
    expect(status.status).toBe(3);
    expect(status.stderr).toMatch(
      /no local backbone: .*endpoints\.json is missing; start it with `npm start` \(or pass --stack NAME\) \[NOT_CONFIGURED\]/,
    );
  });

  it('rejects an unknown option with exit code 2 and the usage', () => {
    const bad = spine('status', '--frobnicate');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown option '--frobnicate'/);
  });
});
