import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { standaloneValidatorsModule } from '../../scripts/standalone-validators';
import type { Catalog } from '../../shared/catalog';
import { schemasHash } from '../../shared/schemas';

/** The SDK's default credential chain, replaced in bundles by `ENV_CREDENTIALS`. */
export const CREDENTIAL_PROVIDER = '@aws-sdk/credential-provider-node';
export const ENV_CREDENTIALS = './shared/aws/env-credentials.ts';

/**
 * How every Spine function is bundled; the cold-start bench (`bench/coldstart`) builds with the same
 * settings, so what it measures is what `SpineFunction` ships.
 */
export const SPINE_BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // Bundle the AWS SDK too: the versions pinned in package-lock.json are the ones tested, and one
  // trimmed ESM bundle loads faster than the runtime's untrimmed CommonJS copy.
  externalModules: [],
  // Credentials from the environment only, as Lambda provides them: the SDK's default chain (SSO,
  // INI, process, web identity, IMDS and their STS/SSO clients) is about 90 KB nobody uses on Lambda.
  // Path relative to the project root, where the bundler runs.
  esbuildArgs: { [`--alias:${CREDENTIAL_PROVIDER}`]: ENV_CREDENTIALS },
  // Some bundled CommonJS dependencies call `require` for Node built-ins, which ESM lacks.
  banner:
    "import { createRequire as __spineCreateRequire } from 'node:module'; const require = __spineCreateRequire(import.meta.url);",
} as const satisfies BundlingOptions;

/** NODE_OPTIONS of a Spine function. */
export const SPINE_NODE_OPTIONS = '--enable-source-maps';

const importPath = (from: string, to: string): string => {
  const path = relative(from, to).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
};

/**
 * Writes, under `<projectRoot>/.spine/bundles/`, the catalog's validators as Ajv standalone code and a
 * wrapper entry that imports them before `entry`, and returns the wrapper's path: bundle that instead
 * of `entry`. The function then validates without Ajv at cold start; the registry refuses the
 * validators if `entry` runs with a catalog whose schemas differ (`StaleValidatorsError`). Regenerated
 * at every synth, so a changed catalog never ships with old validators.
 */
export const standaloneEntry = (entry: string, projectRoot: string, catalog: Catalog): string => {
  const schemas = join(projectRoot, 'shared/schemas/index.ts');
  const id = createHash('sha256').update(entry).update(schemasHash(catalog)).digest('hex').slice(0, 16);
  const dir = join(projectRoot, '.spine', 'bundles', id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'validators.mjs'), standaloneValidatorsModule(catalog, importPath(dir, schemas)));
  const wrapper = join(dir, 'entry.mjs');
  writeFileSync(
    wrapper,
    [
      '// Generated at synth by infra/constructs/spine-bundling.ts; do not edit.',
      "import './validators.mjs';",
      `export { handler } from ${JSON.stringify(importPath(dirname(wrapper), entry))};`,
      '',
    ].join('\n'),
  );
  return wrapper;
};
