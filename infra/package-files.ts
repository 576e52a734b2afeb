import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// This module is either `<spine>/infra/package-files.ts` (a checkout of the repo, run through tsx) or
// bundled into a file directly under `<spine>/dist/` (the installed package): both sit one level
// below Spine's own root, which is not the user's project root once Spine is a dependency.
const here = fileURLToPath(import.meta.url);
const compiled = !/\.[cm]?ts$/.test(here);

/** The folder holding Spine's own `package.json`: the repo checkout, or `node_modules/spine`. */
export const SPINE_ROOT = resolve(dirname(here), '..');

/**
 * Spine modules that generated Lambda entries import by path: as source in a checkout, as the
 * build's internal entries (`scripts/build.ts`) in the package. They must be the very files the
 * public entries share, or the validators provided by the generated module land in a second copy of
 * the schema registry that the handler never reads.
 */
const FILES = {
  schemas: ['shared/schemas/index.ts', 'dist/internal-schemas.js'],
  stackTraces: ['shared/stack-traces/index.ts', 'dist/internal-stack-traces.js'],
  envCredentials: ['shared/aws/env-credentials.ts', 'dist/internal-env-credentials.js'],
  noEventStreams: ['shared/aws/no-event-streams.ts', 'dist/internal-no-event-streams.js'],
  nodeSha256: ['shared/aws/node-sha256.ts', 'dist/internal-node-sha256.js'],
  noEndpointDiscovery: ['shared/aws/no-endpoint-discovery.ts', 'dist/internal-no-endpoint-discovery.js'],
  http1Only: ['shared/aws/http1-only.ts', 'dist/internal-http1-only.js'],
} as const satisfies Record<string, readonly [string, string]>;

/** Absolute path of one of Spine's own modules that generated code imports. */
export const spineFile = (name: keyof typeof FILES): string =>
  join(SPINE_ROOT, FILES[name][compiled ? 1 : 0]);
