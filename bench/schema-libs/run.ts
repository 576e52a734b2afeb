import { join } from 'node:path';
import { build } from 'esbuild';
import { catalog } from '../../catalog';
import { ROOT } from '../local/backbone';

/**
 * Bundle cost of a schema library on a Lambda's runtime path: each entry is bundled the way
 * `infra/constructs/spine-function.ts` bundles functions (ESM, node22, minified, every dependency
 * bundled) and its minified size printed. An entry prints its JSON Schemas, so nothing is tree-shaken
 * away that Ajv would need. Run: `npx tsx bench/schema-libs/run.ts`.
 */
const TWO_FIELDS = {
  'plain JSON Schema literal': `
    const s = { type: 'object', additionalProperties: false, required: ['orderId', 'quantity'],
      properties: { orderId: { type: 'string', minLength: 1 }, quantity: { type: 'integer', minimum: 1 } } };
    console.log(JSON.stringify(s));`,
  'typebox (default import, the README style)': `
    import Type from 'typebox';
    const s = Type.Object({ orderId: Type.String({ minLength: 1 }), quantity: Type.Integer({ minimum: 1 }) },
      { additionalProperties: false });
    console.log(JSON.stringify(s));`,
  'typebox (import * as Type)': `
    import * as Type from 'typebox';
    const s = Type.Object({ orderId: Type.String({ minLength: 1 }), quantity: Type.Integer({ minimum: 1 }) },
      { additionalProperties: false });
    console.log(JSON.stringify(s));`,
  'zod classic, declaration only': `
    import { z } from 'zod';
    const s = z.strictObject({ orderId: z.string().min(1), quantity: z.int().min(1) });
    console.log(s.parse({ orderId: 'a', quantity: 1 }));`,
  'zod classic (import * as z) + z.toJSONSchema': `
    import * as z from 'zod';
    const s = z.strictObject({ orderId: z.string().min(1), quantity: z.int().min(1) });
    console.log(JSON.stringify(z.toJSONSchema(s)));`,
  'zod classic + z.toJSONSchema': `
    import { z } from 'zod';
    const s = z.strictObject({ orderId: z.string().min(1), quantity: z.int().min(1) });
    console.log(JSON.stringify(z.toJSONSchema(s)));`,
  'zod/mini, declaration only': `
    import * as z from 'zod/mini';
    const s = z.strictObject({ orderId: z.string().check(z.minLength(1)), quantity: z.int().check(z.gte(1)) });
    console.log(s.parse({ orderId: 'a', quantity: 1 }));`,
  'zod/mini + z.toJSONSchema': `
    import * as z from 'zod/mini';
    const s = z.strictObject({ orderId: z.string().check(z.minLength(1)), quantity: z.int().check(z.gte(1)) });
    console.log(JSON.stringify(z.toJSONSchema(s)));`,
};

const CATALOG = {
  'typebox (import * as Type): the example catalog schemas': {
    code: `import { schemas } from './example/schemas'; console.log(JSON.stringify(schemas));`,
  },
  'zod/mini + z.toJSONSchema: the example catalog schemas': {
    code: `import { jsonSchemas } from './bench/schema-libs/zod-schemas'; console.log(JSON.stringify(jsonSchemas));`,
  },
  'zod classic (import * as z) + z.toJSONSchema: the example catalog schemas': {
    code: `import { jsonSchemas } from './bench/schema-libs/zod-schemas'; console.log(JSON.stringify(jsonSchemas));`,
    alias: { 'zod/mini': 'zod' },
  },
};

const bytes = async (
  contents: string,
  alias: Record<string, string> = {},
  entry?: string,
): Promise<number> => {
  const out = await build({
    ...(entry
      ? { entryPoints: [join(ROOT, entry)], outdir: '/out' }
      : { stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: 'entry.ts' } }),
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    mainFields: ['module', 'main'],
    alias,
    logLevel: 'error',
  });
  return out.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
};

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

for (const [name, code] of Object.entries(TWO_FIELDS))
  console.log(`${kb(await bytes(code)).padStart(9)}  ${name}`);
for (const [name, { code, ...rest }] of Object.entries(CATALOG))
  console.log(`${kb(await bytes(code, 'alias' in rest ? rest.alias : {})).padStart(9)}  ${name}`);
for (const service of catalog.services)
  console.log(`${kb(await bytes('', {}, service.entry)).padStart(9)}  whole Lambda: ${service.entry}`);
