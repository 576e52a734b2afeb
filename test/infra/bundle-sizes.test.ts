import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleSpine } from '../../bench/coldstart/bundles';
import { catalog } from '../../catalog';
import type { Catalog } from '../../shared/catalog';
import { type SchemaRegistryOptions, serviceSchemaScope } from '../../shared/schemas';

/** Issue 13: every Lambda bundle stays under 350 KB with the AWS SDK bundled. */
// One of defineCatalog's reference checks (shared/catalog/validate.ts): present means the checks are bundled.
const CATALOG_CHECK_MESSAGE = 'no event type is declared for this topic';
const LIMIT_BYTES = 350 * 1024;

const out = mkdtempSync(join(tmpdir(), 'spine-bundle-sizes-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Every function SpineStack synthesizes for the example, with the catalog it bundles validators of. */
const functions: { name: string; entry: string; catalog?: Catalog; scope?: SchemaRegistryOptions }[] = [
  { name: 'ingress', entry: 'functions/ingress.ts', catalog },
  ...catalog.services.flatMap((s) => [
    { name: `consumer ${s.name}`, entry: s.entry, catalog, scope: serviceSchemaScope(catalog, s.name) },
    ...(s.queries ? [{ name: `queries ${s.name}`, entry: s.queries.entry }] : []),
  ]),
  ...((catalog.cdcSources ?? []).length > 0 ? [{ name: 'cdc', entry: 'functions/cdc.ts', catalog }] : []),
];

describe('SpineFunction bundles of the example', () => {
  it('are each under 350 KB (minified ESM, AWS SDK included, as SpineFunction bundles them)', async () => {
    // Prepare: one esbuild per function, one at a time (a few seconds each on a shared machine).
    const bytes: Record<string, number> = {};
    const withChecks: string[] = [];
    // Act
    for (const [i, fn] of functions.entries()) {
      const dir = join(out, `fn${i}`);
      mkdirSync(dir, { recursive: true });
      const bundle = await bundleSpine(fn.entry, fn.catalog, dir, fn.scope);
      bytes[fn.name] = statSync(bundle.file).size;
      // The catalog checks ran at synth; a bundle leaves them out (SPINE_BUNDLING's define).
      if (readFileSync(bundle.file, 'utf8').includes(CATALOG_CHECK_MESSAGE)) withChecks.push(fn.name);
    }
    const kb = Object.entries(bytes).map(([name, n]) => `${name} ${(n / 1024).toFixed(1)}`);
    console.log(`bundle KB: ${kb.join(', ')}`);
    // Assess
    expect(Object.keys(bytes).length).toBe(functions.length);
    expect(Object.entries(bytes).filter(([, n]) => n >= LIMIT_BYTES)).toEqual([]);
    expect(withChecks).toEqual([]);
  }, 240_000);
});
