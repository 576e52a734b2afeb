import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../catalog';
import { SPINE_BUNDLING } from '../../infra/constructs/spine-bundling';
import { standaloneValidatorsModule } from '../../scripts/standalone-validators';
import { defineCatalog, type JsonSchema, serviceEventTypes } from '../../shared/catalog';
import {
  createAjv,
  createSchemaRegistry,
  isStaleValidatorsError,
  itemValidatorKey,
  provideStandaloneValidators,
  type SchemaRegistryOptions,
  type StandaloneError,
  type StandaloneValidate,
  type StandaloneValidators,
  serviceSchemaScope,
  validatorKey,
} from '../../shared/schemas';

const ROOT = join(import.meta.dirname, '../..');
const DIR = join(ROOT, '.spine', 'test', `standalone-${process.pid}`);
const SEED = 1313;
const PER_SCHEMA = 120;

// A value meant to match the schema (it may not: the differential cares only that both sides agree).
const valid = (schema: JsonSchema): fc.Arbitrary<unknown> => {
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  if ('const' in s) return fc.constant(s.const);
  const num = (key: string): number | undefined => (typeof s[key] === 'number' ? Number(s[key]) : undefined);
  switch (s.type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, JsonSchema>;
      const required = Array.isArray(s.required) ? s.required.map(String) : [];
      return fc.record(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, valid(v)])), {
        requiredKeys: required.filter((k) => k in props),
      });
    }
    case 'array':
      return fc.array(valid((s.items ?? {}) as JsonSchema), {
        minLength: num('minItems') ?? 0,
        maxLength: Math.min(num('maxItems') ?? 3, 3),
      });
    case 'integer':
      return fc.integer({ min: num('minimum') ?? -1e6, max: num('maximum') ?? 1e6 });
    case 'number':
      return fc.double({
        min: num('minimum') ?? num('exclusiveMinimum') ?? -1e6,
        max: num('maximum') ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'string':
      if (s.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      if (s.format === 'email') return fc.emailAddress();
      if (typeof s.pattern === 'string') return fc.stringMatching(new RegExp(s.pattern, 'u'));
      return fc.string({ minLength: num('minLength') ?? 0, maxLength: Math.min(num('maxLength') ?? 12, 12) });
    default:
      return fc.jsonValue();
  }
};

// One change that a schema usually rejects: a field removed, added, retyped, or pushed past a limit.
const changeOne = (value: unknown, n: number, junk: unknown, long: string): unknown => {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [junk, long, -1, null][n % 4];
  const copy: Record<string, unknown> = { ...value };
  const keys = Object.keys(copy);
  const key = keys[n % Math.max(keys.length, 1)];
  switch (n % 6) {
    case 0:
      if (key) delete copy[key];
      return copy;
    case 1:
      return { ...copy, unexpected: junk };
    case 2:
      return key ? { ...copy, [key]: junk } : junk;
    case 3:
      return key ? { ...copy, [key]: long } : long;
    case 4:
      return key ? { ...copy, [key]: -n - 0.5 } : -1;
    default:
      return key ? { ...copy, [key]: [copy[key], copy[key]] } : [];
  }
};

// The change, at the top or (one time in three, where there is one) inside a nested object or array,
// so nested schemas (an order's items, a state item's history entries) are mutated too.
const changeAt = (value: unknown, n: number, junk: unknown, long: string): unknown => {
  if (value && typeof value === 'object' && n % 3 === 0) {
    const entries = Object.entries(value).filter(([, child]) => child && typeof child === 'object');
    const [key, child] = entries[Math.floor(n / 3) % Math.max(entries.length, 1)] ?? [];
    if (key !== undefined) {
      const changed = changeAt(child, Math.floor(n / 3), junk, long);
      if (Array.isArray(value)) return value.map((item, i) => (String(i) === key ? changed : item));
      return { ...value, [key]: changed };
    }
  }
  return changeOne(value, n, junk, long);
};

const mutate = (value: unknown, rnd: fc.Arbitrary<number>): fc.Arbitrary<unknown> =>
  fc
    .tuple(rnd, fc.jsonValue(), fc.string({ maxLength: 300 }))
    .map(([n, junk, long]) => changeAt(structuredClone(value), n, junk, long));

// Whether the first error points inside a nested object or array (`/items/0/quantity`).
const deep = (errors: readonly StandaloneError[] | null | undefined): boolean =>
  (errors?.[0]?.instancePath.split('/').length ?? 0) > 2;

// What Spine reports of an error (generated validators leave `schemaPath` out), in Ajv's key order.
const reported = (errors: readonly StandaloneError[] | null | undefined): string =>
  JSON.stringify(
    errors?.map(({ instancePath, keyword, params, message }) => ({ instancePath, keyword, params, message })),
  );

const payloads = (schema: JsonSchema, seed: number): unknown[] => {
  const good = fc.sample(valid(schema), { seed, numRuns: PER_SCHEMA / 2 });
  const bad = good.flatMap((v, i) => fc.sample(mutate(v, fc.nat()), { seed: seed + i, numRuns: 1 }));
  return [...good, ...bad];
};

// Bundled as SpineFunction bundles it (Ajv's runtime `require`s become bundled code), with the
// schemas module left to this test's own copy, so that the generated code provides to it.
const generate = async (name: string, scope: SchemaRegistryOptions): Promise<StandaloneValidators> => {
  const file = join(DIR, `${name}.mjs`);
  writeFileSync(file, standaloneValidatorsModule(catalog, join(ROOT, 'shared/schemas/index.ts'), scope));
  const bundled = join(DIR, `${name}.bundled.mjs`);
  await build({
    entryPoints: [file],
    outfile: bundled,
    bundle: true,
    platform: 'node',
    format: SPINE_BUNDLING.format,
    target: SPINE_BUNDLING.target,
    banner: { js: SPINE_BUNDLING.banner },
    plugins: [
      {
        name: 'schemas-external',
        setup: (b) =>
          b.onResolve({ filter: /shared\/schemas\/index\.ts$/ }, (args) => ({
            path: args.path,
            external: true,
          })),
      },
    ],
    logLevel: 'error',
  });
  return import(bundled);
};

let generated: StandaloneValidators;
/** Item validators of every service of the example with item schemas, keyed `service/table`. */
const items: Record<string, StandaloneValidate> = {};

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  for (const service of catalog.services) {
    const module = await generate(`items-${service.name}`, { types: [], service: service.name });
    Object.assign(items, module.validators);
  }
  // Imported last: the registry uses the module imported last.
  generated = await generate('validators', {});
});

/** Counts of one differential run: payloads compared, accepted, with nested errors, and every disagreement. */
interface Tally {
  compared: number;
  accepted: number;
  nested: number;
  readonly differences: string[];
}
const newTally = (): Tally => ({ compared: 0, accepted: 0, nested: 0, differences: [] });

/** Runs `data` through Ajv's runtime validator and the standalone one, and counts the outcome in `tally`. */
const compare = (
  tally: Tally,
  label: string,
  runtime: StandaloneValidate,
  standalone: StandaloneValidate | undefined,
  data: unknown,
): void => {
  const a = runtime(data);
  const b = standalone ? standalone(data) : undefined;
  tally.compared += 1;
  if (a) tally.accepted += 1;
  if (deep(runtime.errors)) tally.nested += 1;
  const same = a === b && reported(runtime.errors) === reported(standalone?.errors);
  if (!same) tally.differences.push(`${label}: ${JSON.stringify(data)}`);
};

afterAll(() => {
  // The generated module provided its validators to this process's registry module: withdraw them, so
  // files sharing the process (the unit project runs unisolated) compile with Ajv as before.
  provideStandaloneValidators(undefined);
  rmSync(DIR, { recursive: true, force: true });
});

describe('standalone validators', () => {
  it('accept, reject and report exactly as Ajv compiling at runtime, over generated payloads', () => {
    // Prepare
    const ajv = createAjv();
    const tally = newTally();
    // Act
    catalog.eventTypes.forEach((spec, t) => {
      for (const [raw, schema] of Object.entries(spec.versions)) {
        const runtime = ajv.compile(schema);
        const standalone = generated.validators[validatorKey(spec.type, Number(raw))];
        for (const data of payloads(schema, SEED + t * 100 + Number(raw)))
          compare(tally, `${spec.type}@${raw}`, runtime, standalone, data);
      }
    });
    const { compared, accepted, nested, differences } = tally;
    // Assess
    expect(compared).toBeGreaterThanOrEqual(1000);
    expect(accepted).toBeGreaterThan(compared / 5);
    expect(compared - accepted).toBeGreaterThan(compared / 5);
    expect(nested).toBeGreaterThan(compared / 50);
    expect(differences).toEqual([]);
  });

  it("keep none of Ajv's error literals nor its unread bookkeeping, in every service's module", () => {
    // Act
    const sources = catalog.services.map((service) =>
      standaloneValidatorsModule(catalog, 'spine-schemas', serviceSchemaScope(catalog, service.name)),
    );
    const all = standaloneValidatorsModule(catalog, 'spine-schemas');
    // Assess
    for (const source of [...sources, all]) {
      expect(source).not.toMatch(/schemaPath/);
      expect(source).not.toMatch(/\.evaluated|dynamicAnchors/);
      expect(source).toMatch(/return \$spineFail\(validate\d+,/);
    }
    expect(sources.some((source) => /= \$spineError\(/.test(source))).toBe(true);
  });

  it('of state items accept, reject and report exactly as Ajv compiling at runtime', () => {
    // Prepare
    const ajv = createAjv();
    const tables = catalog.services.flatMap((s) =>
      s.tables.flatMap((t) => (t.item ? [{ key: itemValidatorKey(s.name, t.name), schema: t.item }] : [])),
    );
    const tally = newTally();
    // Act
    tables.forEach(({ key, schema }, t) => {
      const runtime = ajv.compile(schema);
      for (const data of payloads(schema, SEED + 7000 + t * 100))
        compare(tally, key, runtime, items[key], data);
    });
    const { compared, accepted, nested, differences } = tally;
    // Assess
    expect(tables.length).toBeGreaterThanOrEqual(6);
    expect(Object.keys(items).sort()).toEqual(tables.map((x) => x.key).sort());
    expect(compared).toBeGreaterThanOrEqual(6 * PER_SCHEMA);
    expect(accepted).toBeGreaterThan(compared / 5);
    expect(compared - accepted).toBeGreaterThan(compared / 5);
    expect(nested).toBeGreaterThan(compared / 50);
    expect(differences).toEqual([]);
  });

  it('of state items are what itemChecks uses, and a stale or missing one is refused', () => {
    // Prepare
    const stored = {
      pk: 'o-1',
      orderId: 'o-1',
      customerId: 'u-1',
      status: 'NOT-A-STATUS',
      carrier: 'x',
      trackingId: 't-1',
      homeAmount: 3,
      homeCurrency: 'EUR',
      shippedAt: '2026-11-28T00:00:00.000Z',
    };
    provideStandaloneValidators({ hash: generated.hash, validators: { ...generated.validators, ...items } });
    // Act
    const checked = createSchemaRegistry(catalog, { types: [], service: 'shipping' }).validateItem(
      'shipping',
      'shipments',
      stored,
    );
    provideStandaloneValidators(generated);
    let refused: unknown;
    try {
      createSchemaRegistry(catalog, { types: [], service: 'shipping' });
    } catch (error) {
      refused = error;
    }
    // Assess
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.errors[0]?.path).toBe('/status');
    expect(isStaleValidatorsError(refused)).toBe(true);
    expect(String((refused as Error).message)).toMatch(/no validator for shipping\/shipments/);
  });

  it('are what the registry validates with once a generated module is loaded', () => {
    // Prepare
    const registry = createSchemaRegistry(catalog);
    const spec = catalog.eventTypes.find((e) => e.type === 'OrderRequested');
    // Act
    const result = registry.validate('OrderRequested', 1, { orderId: 'o-1' });
    // Assess
    expect(spec).toBeDefined();
    expect(result.ok).toBe(false);
    expect(generated.validators[validatorKey('OrderRequested', 1)]?.errors?.[0]?.keyword).toBe('required');
  });

  it('are refused at cold start when the catalog schemas changed since they were generated', () => {
    // Prepare
    const changed = defineCatalog({
      topics: catalog.topics,
      producers: catalog.producers,
      services: catalog.services,
      ...(catalog.cdcSources ? { cdcSources: catalog.cdcSources } : {}),
      eventTypes: catalog.eventTypes.map((e, i) =>
        i === 0 ? { ...e, versions: { ...e.versions, 1: { ...e.versions[1], description: 'edited' } } } : e,
      ),
    });
    // Act
    const act = () => createSchemaRegistry(changed);
    // Assess
    expect(act).toThrow(/stale.*npx cdk synth/);
    try {
      act();
    } catch (error) {
      expect(isStaleValidatorsError(error)).toBe(true);
    }
  });

  it('of a service cover its types only, and a registry whose types they lack refuses them', () => {
    // Prepare
    const types = serviceEventTypes(catalog, 'notifications');
    const source = standaloneValidatorsModule(catalog, 'spine-schemas', { types });
    const keys = [...source.matchAll(/^ {2}"([^"]+)": v\d+,$/gm)].map((m) => m[1]);
    const subset = Object.fromEntries(
      Object.entries(generated.validators).filter(([key]) => keys.includes(key)),
    );
    provideStandaloneValidators({ hash: generated.hash, validators: subset });
    // Act
    let refused: unknown;
    try {
      createSchemaRegistry(catalog, { types: serviceEventTypes(catalog, 'orders') });
    } catch (error) {
      refused = error;
    }
    const scoped = createSchemaRegistry(catalog, { types });
    provideStandaloneValidators(generated);
    // Assess
    expect(keys).toEqual(['OrderShipped@1', 'OrderDelivered@1', 'UserSignedUp@1', 'UserDeleted@1']);
    expect(scoped.validate('UserDeleted', 1, {}).ok).toBe(false);
    expect(isStaleValidatorsError(refused)).toBe(true);
    expect(String((refused as Error).message)).toMatch(/no validator for OrderRequested@1, OrderRequested@2/);
  });
});
