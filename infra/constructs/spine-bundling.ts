import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { standaloneValidatorsModule } from '../../scripts/standalone-validators';
import type { Catalog } from '../../shared/catalog';
import { type SchemaRegistryOptions, schemasHash } from '../../shared/schemas';
import { spineFile } from '../package-files';

/** The SDK's default credential chain, replaced in bundles by `ENV_CREDENTIALS`. */
export const CREDENTIAL_PROVIDER = '@aws-sdk/credential-provider-node';
/** Absolute: Spine's copy, wherever the project that bundles lives (the repo, or one that installed Spine). */
export const ENV_CREDENTIALS = spineFile('envCredentials');

/**
 * Modules replaced in every Lambda bundle by Spine's smaller stand-ins (absolute paths, as
 * `ENV_CREDENTIALS`); each file says what it leaves out and why. Unbundled code (local mode, tests)
 * keeps the originals. Sizes measured with esbuild's metafile on the example's functions:
 * - the default credential chain (~90 KB): credentials from the environment only, as Lambda gives them;
 * - the SDK's event-stream codec (~19 KB): no function sends an event-stream operation;
 * - the SDK's checksum module (3.8 KB): SHA-256 from Node's crypto, without a JavaScript fallback;
 * - the DynamoDB client's endpoint-discovery cache, with mnemonist's LRU under it (~8 KB before a `Map`
 *   stood in for the LRU, 1.2 KB after): no command of the pinned SDK runs endpoint discovery;
 * - the HTTP/2 handler (~6.7 KB) the Kinesis client's config names: Spine gives every client its HTTP/1.1 one.
 * A stand-in that lacks a name some bundled module imports fails the esbuild run, not the function.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  [CREDENTIAL_PROVIDER]: ENV_CREDENTIALS,
  '@smithy/core/event-streams': spineFile('noEventStreams'),
  '@smithy/core/checksum': spineFile('nodeSha256'),
  '@aws-sdk/middleware-endpoint-discovery': spineFile('noEndpointDiscovery'),
  '@smithy/node-http-handler': spineFile('http1Only'),
};

/**
 * How every Spine function is bundled; the cold-start bench (`bench/coldstart`) builds with the same
 * settings, so what it measures is what `SpineFunction` ships.
 */
/** The build-time constant that tells `defineCatalog` its catalog was checked at synth. */
export const CATALOG_CHECKED_AT_SYNTH = 'process.env.SPINE_CATALOG_CHECKED';

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
  // Smaller stand-ins for SDK parts Lambda never runs (credential chain, event streams...).
  esbuildArgs: Object.fromEntries(
    Object.entries(BUNDLE_ALIASES).map(([from, to]) => [`--alias:${from}`, to]),
  ),
  // `defineCatalog` skips the catalog checks in a bundle: synth ran them on the same source (see there).
  define: { [CATALOG_CHECKED_AT_SYNTH]: '"at-synth"' },
  // Some bundled CommonJS dependencies call `require` for Node built-ins, which ESM lacks.
  banner:
    "import { createRequire as __spineCreateRequire } from 'node:module'; const require = __spineCreateRequire(import.meta.url);",
} as const satisfies BundlingOptions;

const importPath = (from: string, to: string): string => {
  const path = relative(from, to).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
};

/**
 * Writes, under `<projectRoot>/.spine/bundles/`, a wrapper entry for `entry` and returns its path: bundle
 * that instead of `entry`. Before the entry's own code runs, the wrapper installs lazy source-map lookups
 * (stack traces point at the TypeScript, the map is read only when a stack is formatted) and, given the
 * catalog of a function that validates events, provides its validators (of `scope` only, when given)
 * as Ajv standalone code compiled now, so cold start creates no Ajv; the registry refuses them if `entry` runs with a catalog whose
 * schemas differ (`StaleValidatorsError`). Rewritten at every synth.
 */
export const spineEntry = (
  entry: string,
  projectRoot: string,
  catalog?: Catalog,
  scope?: SchemaRegistryOptions,
): string => {
  const hash = createHash('sha256').update(entry);
  if (catalog) hash.update(schemasHash(catalog));
  if (scope) hash.update(JSON.stringify(scope));
  const dir = join(projectRoot, '.spine', 'bundles', hash.digest('hex').slice(0, 16));
  mkdirSync(dir, { recursive: true });
  const generated = '// Generated at synth by infra/constructs/spine-bundling.ts; do not edit.';
  const traces = spineFile('stackTraces');
  writeFileSync(
    join(dir, 'stack-traces.mjs'),
    `${generated}\nimport { installLazySourceMaps } from ${JSON.stringify(importPath(dir, traces))};\ninstallLazySourceMaps(import.meta.url);\n`,
  );
  const schemas = spineFile('schemas');
  if (catalog)
    writeFileSync(
      join(dir, 'validators.mjs'),
      standaloneValidatorsModule(catalog, importPath(dir, schemas), scope),
    );
  const wrapper = join(dir, 'entry.mjs');
  writeFileSync(
    wrapper,
    [
      generated,
      "import './stack-traces.mjs';",
      ...(catalog ? ["import './validators.mjs';"] : []),
      `export { handler } from ${JSON.stringify(importPath(dirname(wrapper), entry))};`,
      '',
    ].join('\n'),
  );
  return wrapper;
};
