import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Catalog } from '../shared/catalog';
import { OpsError } from '../shared/ops';

const isCatalog = (value: unknown): value is Catalog =>
  typeof value === 'object' &&
  value !== null &&
  ['topics', 'eventTypes', 'services', 'producers'].every((k) =>
    Array.isArray((value as Record<string, unknown>)[k]),
  );

/**
 * Imports the catalog module (`--catalog`, `SPINE_CATALOG`, default `<root>/catalog.ts`) and returns
 * its `catalog` export, already validated by `defineCatalog` when the module built it.
 */
export const loadCatalog = async (root: string, path: string | undefined): Promise<Catalog> => {
  const file = resolve(root, path ?? 'catalog.ts');
  if (!existsSync(file))
    throw new OpsError(
      'NOT_CONFIGURED',
      `no catalog at ${file}; pass --catalog PATH or run from the project root`,
    );
  const module: Record<string, unknown> = await import(pathToFileURL(file).href);
  if (!isCatalog(module.catalog))
    throw new OpsError('NOT_CONFIGURED', `${file} has no \`catalog\` export built by defineCatalog`);
  return module.catalog;
};
