import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program';
import { ROOT } from '../fixtures/ops/catalog';

const dirs: string[] = [];
let files = 0;

const order = (amount: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'object',
  additionalProperties: false,
  required: ['orderId', 'amount'],
  properties: { orderId: { type: 'string' }, amount, ...extra },
});
const v1 = order({ type: 'number', minimum: 0 });

/** A project root holding a catalog with one event type `Order`; each call writes a new catalog module. */
const project = () => {
  const root = mkdtempSync(join(tmpdir(), 'spine-schema-test-'));
  dirs.push(root);
  // An ES module project like this one, so tsx loads the catalog module as ESM.
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  const write = (versions: Record<number, unknown>, compatibility?: string) => {
    const file = `catalog-${++files}.ts`;
    writeFileSync(
      join(root, file),
      `import { defineCatalog } from ${JSON.stringify(join(ROOT, 'shared/catalog/index.ts'))};
export const catalog = defineCatalog({
  topics: [{ name: 'orders', shards: 1, retentionHours: 24 }],
  producers: [{ name: 'shop' }],
  eventTypes: [{ type: 'Order', topic: 'orders', writer: 'shop', keyField: 'orderId',
    versions: ${JSON.stringify(versions)}${compatibility ? `, compatibility: '${compatibility}'` : ''} }],
  services: [],
});
`,
    );
    return file;
  };
  const cli = async (catalog: string, ...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['--root', root, '--catalog', catalog, 'schema', ...args], {
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      signal: new AbortController().signal,
      interactive: false,
      env: {},
      cwd: root,
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const lockText = () => readFileSync(join(root, 'schemas.lock.json'), 'utf8');
  return { root, write, cli, lockText };
};

describe('spine schema lock and check', () => {
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('locks every version with its canonical form and sha256, and then checks clean', async () => {
    // Prepare
    const p = project();
    const catalog = p.write({ 1: v1 });
    // Act
    const lock = await p.cli(catalog, 'lock');
    const check = await p.cli(catalog, 'check');
    // Assess
    expect(lock.code).toBe(0);
    const written = JSON.parse(p.lockText());
    expect(written.eventTypes.Order.compatibility).toBe('BACKWARD');
    expect(written.eventTypes.Order.versions['1'].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(written.eventTypes.Order.versions['1'].schema)).toEqual([
      'additionalProperties',
      'properties',
      'required',
      'type',
    ]);
    expect(check).toMatchObject({
      code: 0,
      out: 'schemas.lock.json: ok (1 event types, 1 versions; all locked)',
    });
  });

  it('fails on an edited locked version, naming the type and version', async () => {
    // Prepare
    const p = project();
    await p.cli(p.write({ 1: v1 }), 'lock');
    const edited = p.write({ 1: order({ type: 'number', minimum: 1 }) });
    // Act
    const check = await p.cli(edited, 'check');
    // Assess
    expect(check.code).toBe(1);
    expect(check.err).toMatch(
      /^schemas\.lock\.json: Order v1: locked version edited \(sha256 [0-9a-f]{12} → [0-9a-f]{12}\); publish the change as v2 instead$/m,
    );
  });

  it('passes a compatible new version', async () => {
    // Prepare: a closed object gains an optional property, which every v1 event still satisfies.
    const p = project();
    await p.cli(p.write({ 1: v1 }), 'lock');
    const next = p.write({ 1: v1, 2: order({ type: 'number', minimum: 0 }, { note: { type: 'string' } }) });
    // Act
    const check = await p.cli(next, 'check');
    // Assess
    expect(check).toMatchObject({
      code: 0,
      out: 'schemas.lock.json: ok (1 event types, 2 versions; new and compatible: Order v2)',
    });
  });

  it('fails on a breaking new version with a compiler-style line', async () => {
    // Prepare
    const p = project();
    await p.cli(p.write({ 1: v1 }), 'lock');
    const next = p.write({ 1: v1, 2: order({ type: 'integer', minimum: 0 }) });
    // Act
    const check = await p.cli(next, 'check');
    // Assess
    expect(check.code).toBe(1);
    expect(check.err.split('\n')).toEqual([
      'schemas.lock.json: Order v1 → v2 (BACKWARD): /properties/amount/type: type narrowed from number to integer',
      'spine schema check: 1 problem',
    ]);
  });

  it("judges a new version by the type's declared mode", async () => {
    // Prepare: the same compatible-under-BACKWARD change, under FORWARD (v1 readers see an unknown field).
    const p = project();
    await p.cli(p.write({ 1: v1 }, 'FORWARD'), 'lock');
    const next = p.write(
      { 1: v1, 2: order({ type: 'number', minimum: 0 }, { note: { type: 'string' } }) },
      'FORWARD',
    );
    // Act
    const check = await p.cli(next, 'check');
    // Assess
    expect(check.code).toBe(1);
    expect(check.err).toContain(
      'schemas.lock.json: Order v1 → v2 (FORWARD): /properties/note: property "note" added; the old schema closed the object (additionalProperties: false)',
    );
  });

  it('fails on a removed locked version', async () => {
    // Prepare
    const p = project();
    await p.cli(p.write({ 1: v1, 2: v1 }), 'lock');
    // Act
    const check = await p.cli(p.write({ 1: v1 }), 'check');
    // Assess
    expect(check.code).toBe(1);
    expect(check.err).toContain('schemas.lock.json: Order v2: locked version removed from the catalog');
  });

  it('refuses to lock a breaking version, unless forced', async () => {
    // Prepare
    const p = project();
    await p.cli(p.write({ 1: v1 }), 'lock');
    const before = p.lockText();
    const breaking = p.write({ 1: v1, 2: order({ type: 'string' }) });
    // Act
    const refused = await p.cli(breaking, 'lock');
    const unchanged = p.lockText();
    const forced = await p.cli(breaking, 'lock', '--force');
    // Assess
    expect(refused.code).toBe(1);
    expect(unchanged).toBe(before);
    expect(forced.code).toBe(0);
    expect(Object.keys(JSON.parse(p.lockText()).eventTypes.Order.versions)).toEqual(['1', '2']);
  });

  it('exits 1 through the real bin (what `npm run schema:check` runs) on an edited locked version', async () => {
    // Prepare
    const p = project();
    await p.cli(p.write({ 1: v1 }), 'lock');
    const edited = p.write({ 1: order({ type: 'integer' }) });
    // Act
    const run = spawnSync(
      process.execPath,
      ['cli/bin.mjs', '--root', p.root, '--catalog', edited, 'schema', 'check'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('schemas.lock.json: Order v1: locked version edited');
  });
});
