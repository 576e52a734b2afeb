import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/context';
import { runCli } from '../../cli/program';

const ioIn = (cwd: string, lines: string[]): CliIo => ({
  out: (text) => lines.push(text),
  err: (text) => lines.push(text),
  signal: new AbortController().signal,
  interactive: false,
  env: {},
  cwd,
});

/** The installed-package run of the starter is test/e2e/package.test.ts; this is the command alone. */
describe('spine init', () => {
  let temp = '';
  beforeEach(async () => {
    temp = await mkdtemp(join(tmpdir(), 'spine-init-'));
  });
  afterEach(async () => {
    await rm(temp, { recursive: true, force: true });
  });

  it('writes the starter with a package.json that depends on spine and pins the tools Spine is tested with', async () => {
    // Prepare
    const lines: string[] = [];
    const repo = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
    };

    // Act
    const code = await runCli(['init', 'My App', '--spine', 'file:../spine.tgz'], ioIn(temp, lines));

    // Assess
    expect(code, lines.join('\n')).toBe(0);
    const project = join(temp, 'My App');
    expect((await readdir(project)).sort()).toEqual([
      '.gitignore',
      'README.md',
      'catalog.ts',
      'cdk.json',
      'functions',
      'infra',
      'package.json',
      'services',
      'test',
      'tsconfig.json',
    ]);
    const pkg = JSON.parse(await readFile(join(project, 'package.json'), 'utf8')) as {
      name: string;
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.name).toBe('my-app');
    expect(pkg.scripts).toMatchObject({ start: 'spine start', test: 'tsc --noEmit && vitest run' });
    expect(pkg.dependencies.spine).toBe('file:../spine.tgz');
    expect(pkg.devDependencies['aws-cdk-lib']).toBe(repo.devDependencies['aws-cdk-lib']);
    expect(pkg.devDependencies['kinesis-local']).toBe(repo.devDependencies['kinesis-local']);
    // Spine's peers (spine/infra imports them) are the project's to install: the starter pins the
    // versions Spine is tested with, the lower bounds of the peer ranges.
    for (const peer of ['aws-cdk-lib', 'constructs']) {
      expect(repo.peerDependencies[peer]).toBe(`^${repo.devDependencies[peer]}`);
      expect(pkg.devDependencies[peer]).toBe(repo.devDependencies[peer]);
    }
    expect(await readFile(join(project, 'README.md'), 'utf8')).toMatch(/^# my-app\n/);
  });

  it('refuses a directory that already has files, and leaves them alone', async () => {
    // Prepare
    const lines: string[] = [];
    await writeFile(join(temp, 'notes.txt'), 'mine');

    // Act
    const code = await runCli(['init', '.'], ioIn(temp, lines));

    // Assess
    expect(code).toBe(2);
    expect(lines.join('\n')).toMatch(/exists and is not empty/);
    expect(await readdir(temp)).toEqual(['notes.txt']);
  });
});
