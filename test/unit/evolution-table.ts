/**
 * The compatibility table: schema pairs (old → new) and version chains with the verdict each mode must
 * give. `ok` = the new version is compatible, `break` = it is refused. Verdicts follow set semantics:
 * BACKWARD holds when every value valid under old is valid under new, FORWARD the other way round.
 */
export type Verdict = 'ok' | 'break';

export interface PairRow {
  readonly name: string;
  readonly old: unknown;
  readonly new: unknown;
  readonly backward: Verdict;
  readonly forward: Verdict;
  readonly full: Verdict;
  /** A rule the breaking direction(s) must report. */
  readonly rule?: string;
  /** Where that rule must point (JSON Pointer into the new schema). */
  readonly path?: string;
}

type Props = Record<string, unknown>;
/** A closed object (as the example catalog writes them). */
const closed = (properties: Props, required: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});
/** An object open to additional properties (the JSON Schema default). */
const open = (properties: Props, required: string[] = []) => ({ type: 'object', required, properties });
const str = { type: 'string' };
const x = (schema: unknown) => closed({ x: schema }, ['x']);

const row = (
  name: string,
  old: unknown,
  next: unknown,
  verdicts: `${Verdict} ${Verdict} ${Verdict}`,
  rule?: string,
  path?: string,
): PairRow => {
  const [backward, forward, full] = verdicts.split(' ') as [Verdict, Verdict, Verdict];
  return { name, old, new: next, backward, forward, full, ...(rule && { rule }), ...(path && { path }) };
};

const money = { type: 'number', minimum: 0 };
const tree = (leaf: unknown, note = 'a tree') => ({
  description: note,
  type: 'object',
  additionalProperties: false,
  required: ['value'],
  properties: { value: leaf, children: { type: 'array', items: { $ref: '#' } } },
});

//                 name                                                   old → new                                          B    F    FULL
export const PAIRS: readonly PairRow[] = [
  row('identical schemas', x(str), x(str), 'ok ok ok'),
  row(
    'only a description changed',
    x({ ...str, description: 'a' }),
    x({ ...str, description: 'b' }),
    'ok ok ok',
  ),
  row(
    'type number → integer',
    x({ type: 'number' }),
    x({ type: 'integer' }),
    'break ok break',
    'type-narrowed',
    '/properties/x/type',
  ),
  row(
    'type integer → number',
    x({ type: 'integer' }),
    x({ type: 'number' }),
    'ok break break',
    'type-widened',
    '/properties/x/type',
  ),
  row('type string → number', x(str), x({ type: 'number' }), 'break break break', 'type-changed'),
  row('type string → string|null', x(str), x({ type: ['string', 'null'] }), 'ok break break', 'type-widened'),
  row(
    'type string|null → string',
    x({ type: ['string', 'null'] }),
    x(str),
    'break ok break',
    'type-narrowed',
  ),
  row('type removed', x(str), x({}), 'ok break break', 'type-widened'),
  row(
    'integer with minimum → number with the same minimum',
    x({ type: 'integer', minimum: 1 }),
    x({ type: 'number', minimum: 1 }),
    'ok break break',
    'type-widened',
  ),
  row(
    'optional property becomes required',
    closed({ a: str, b: str }, ['a']),
    closed({ a: str, b: str }, ['a', 'b']),
    'break ok break',
    'required-added',
    '/required',
  ),
  row(
    'required property becomes optional',
    closed({ a: str, b: str }, ['a', 'b']),
    closed({ a: str, b: str }, ['a']),
    'ok break break',
    'required-removed',
    '/required',
  ),
  row(
    'optional property added to a closed object',
    closed({ a: str }, ['a']),
    closed({ a: str, b: str }, ['a']),
    'ok break break',
    'property-added',
    '/properties/b',
  ),
  row(
    'optional property removed from a closed object',
    closed({ a: str, b: str }, ['a']),
    closed({ a: str }, ['a']),
    'break ok break',
    'property-removed',
    '/properties/b',
  ),
  row(
    'typed property added to an open object',
    open({ a: str }, ['a']),
    open({ a: str, b: str }, ['a']),
    'break ok break',
    'property-added',
    '/properties/b',
  ),
  row(
    'property removed from an open object',
    open({ a: str, b: str }, ['a']),
    open({ a: str }, ['a']),
    'ok break break',
    'property-removed',
  ),
  row(
    'unconstrained property added to an open object',
    open({ a: str }, ['a']),
    open({ a: str, b: {} }, ['a']),
    'ok ok ok',
  ),
  row(
    'enum value added',
    x({ enum: ['A', 'B'] }),
    x({ enum: ['A', 'B', 'C'] }),
    'ok break break',
    'enum-value-added',
    '/properties/x/enum',
  ),
  row(
    'enum value removed',
    x({ enum: ['A', 'B', 'C'] }),
    x({ enum: ['A', 'B'] }),
    'break ok break',
    'enum-value-removed',
    '/properties/x/enum',
  ),
  row('enum reordered', x({ enum: ['A', 'B'] }), x({ enum: ['B', 'A'] }), 'ok ok ok'),
  row('enum added to a string', x(str), x({ type: 'string', enum: ['A'] }), 'break ok break', 'enum-added'),
  row(
    'enum removed from a string',
    x({ type: 'string', enum: ['A'] }),
    x(str),
    'ok break break',
    'enum-removed',
  ),
  row(
    'type made explicit next to an enum',
    x({ enum: ['A', 'B'] }),
    x({ type: 'string', enum: ['A', 'B'] }),
    'ok ok ok',
  ),
  row('const changed', x({ const: 'v1' }), x({ const: 'v2' }), 'break break break', 'const-changed'),
  row(
    'const → enum containing it',
    x({ const: 'A' }),
    x({ enum: ['A', 'B'] }),
    'ok break break',
    'enum-value-added',
  ),
  row(
    'additionalProperties opened',
    closed({ a: str }, ['a']),
    open({ a: str }, ['a']),
    'ok break break',
    'additional-properties-opened',
    '/additionalProperties',
  ),
  row(
    'additionalProperties closed',
    open({ a: str }, ['a']),
    closed({ a: str }, ['a']),
    'break ok break',
    'additional-properties-closed',
    '/additionalProperties',
  ),
  row(
    'additionalProperties schema widened',
    { type: 'object', additionalProperties: { type: 'integer' } },
    { type: 'object', additionalProperties: { type: 'number' } },
    'ok break break',
    'type-widened',
    '/additionalProperties/type',
  ),
  row(
    'minimum raised',
    x({ type: 'number', minimum: 0 }),
    x({ type: 'number', minimum: 10 }),
    'break ok break',
    'bound-tightened',
    '/properties/x/minimum',
  ),
  row(
    'maximum raised',
    x({ type: 'number', maximum: 10 }),
    x({ type: 'number', maximum: 20 }),
    'ok break break',
    'bound-relaxed',
    '/properties/x/maximum',
  ),
  row(
    'minimum → exclusiveMinimum at the same value',
    x({ type: 'number', minimum: 0 }),
    x({ type: 'number', exclusiveMinimum: 0 }),
    'break ok break',
    'bound-tightened',
    '/properties/x/exclusiveMinimum',
  ),
  row(
    'exclusiveMinimum → minimum at the same value',
    x({ type: 'number', exclusiveMinimum: 0 }),
    x({ type: 'number', minimum: 0 }),
    'ok break break',
    'bound-relaxed',
  ),
  row(
    'exclusiveMaximum lowered',
    x({ type: 'number', exclusiveMaximum: 100 }),
    x({ type: 'number', exclusiveMaximum: 50 }),
    'break ok break',
    'bound-tightened',
  ),
  row(
    'maxLength lowered',
    x({ type: 'string', maxLength: 64 }),
    x({ type: 'string', maxLength: 32 }),
    'break ok break',
    'bound-tightened',
    '/properties/x/maxLength',
  ),
  row(
    'minLength lowered',
    x({ type: 'string', minLength: 3 }),
    x({ type: 'string', minLength: 1 }),
    'ok break break',
    'bound-relaxed',
  ),
  row('minLength 0 added (no bound at all)', x(str), x({ type: 'string', minLength: 0 }), 'ok ok ok'),
  row(
    'minItems added',
    x({ type: 'array', items: str }),
    x({ type: 'array', items: str, minItems: 1 }),
    'break ok break',
    'bound-tightened',
    '/properties/x/minItems',
  ),
  row(
    'maxItems removed',
    x({ type: 'array', items: str, maxItems: 5 }),
    x({ type: 'array', items: str }),
    'ok break break',
    'bound-relaxed',
  ),
  row(
    'pattern changed',
    x({ type: 'string', pattern: '^[A-Z]{3}$' }),
    x({ type: 'string', pattern: '^[A-Z]{2,3}$' }),
    'break break break',
    'pattern-changed',
    '/properties/x/pattern',
  ),
  row('pattern added', x(str), x({ type: 'string', pattern: '^a' }), 'break ok break', 'pattern-added'),
  row('pattern removed', x({ type: 'string', pattern: '^a' }), x(str), 'ok break break', 'pattern-removed'),
  row('format added', x(str), x({ type: 'string', format: 'email' }), 'break ok break', 'format-added'),
  row(
    'multipleOf 2 → 4',
    x({ type: 'integer', multipleOf: 2 }),
    x({ type: 'integer', multipleOf: 4 }),
    'break ok break',
    'multiple-of-changed',
  ),
  row(
    'multipleOf 4 → 2',
    x({ type: 'integer', multipleOf: 4 }),
    x({ type: 'integer', multipleOf: 2 }),
    'ok break break',
    'multiple-of-changed',
  ),
  row(
    'uniqueItems added',
    x({ type: 'array', items: str }),
    x({ type: 'array', items: str, uniqueItems: true }),
    'break ok break',
    'unique-items-added',
  ),
  row(
    'nested: type changed three objects deep',
    closed({ customer: closed({ address: closed({ zip: { type: 'integer' } }) }) }),
    closed({ customer: closed({ address: closed({ zip: str }) }) }),
    'break break break',
    'type-changed',
    '/properties/customer/properties/address/properties/zip/type',
  ),
  row(
    'nested: optional property added to a closed inner object',
    closed({ customer: closed({ id: str }, ['id']) }),
    closed({ customer: closed({ id: str, name: str }, ['id']) }),
    'ok break break',
    'property-added',
    '/properties/customer/properties/name',
  ),
  row(
    'nested: property of array items becomes required',
    x({ type: 'array', items: closed({ sku: str, qty: { type: 'integer' } }, ['sku']) }),
    x({ type: 'array', items: closed({ sku: str, qty: { type: 'integer' } }, ['sku', 'qty']) }),
    'break ok break',
    'required-added',
    '/properties/x/items/required',
  ),
  row(
    'nested: property of array items no longer required',
    x({ type: 'array', items: closed({ sku: str }, ['sku']) }),
    x({ type: 'array', items: closed({ sku: str }, []) }),
    'ok break break',
    'required-removed',
  ),
  row(
    'array items integer → number',
    x({ type: 'array', items: { type: 'integer' } }),
    x({ type: 'array', items: { type: 'number' } }),
    'ok break break',
    'type-widened',
    '/properties/x/items/type',
  ),
  row(
    'prefixItems element number → integer',
    x({ type: 'array', prefixItems: [str, { type: 'number' }] }),
    x({ type: 'array', prefixItems: [str, { type: 'integer' }] }),
    'break ok break',
    'type-narrowed',
    '/properties/x/prefixItems/1/type',
  ),
  row(
    'closed tuple grows by one element',
    x({ type: 'array', prefixItems: [str], items: false }),
    x({ type: 'array', prefixItems: [str, { type: 'number' }], items: false }),
    'ok break break',
    'schema-opened',
    '/properties/x/prefixItems/1',
  ),
  row(
    '$ref target in $defs narrowed',
    { $defs: { money }, ...x({ $ref: '#/$defs/money' }) },
    { $defs: { money: { type: 'integer', minimum: 0 } }, ...x({ $ref: '#/$defs/money' }) },
    'break ok break',
    'type-narrowed',
    '/$defs/money/type',
  ),
  row(
    'inline schema moved into $defs behind a $ref',
    x(money),
    { $defs: { money }, ...x({ $ref: '#/$defs/money' }) },
    'ok ok ok',
  ),
  row(
    '$ref to a schema elsewhere (not followed)',
    x(str),
    x({ $ref: 'https://example.com/s.json' }),
    'break break break',
    'ref-unresolved',
  ),
  row(
    'recursive schema: leaf narrowed',
    tree({ type: 'number' }),
    tree({ type: 'integer' }),
    'break ok break',
    'type-narrowed',
    '/properties/value/type',
  ),
  row('recursive schema: only a description changed', tree(str, 'v1'), tree(str, 'v2'), 'ok ok ok'),
  row(
    'unmodelled keyword (not) changed',
    x({ type: 'string', not: { const: 'a' } }),
    x({ type: 'string', not: { const: 'b' } }),
    'break break break',
    'cannot-prove',
    '/properties/x/not',
  ),
  row(
    'unmodelled keyword unchanged next to an enum value added',
    x({ enum: ['A', 'B'], not: { const: 'C' } }),
    x({ enum: ['A', 'B', 'D'], not: { const: 'C' } }),
    'ok break break',
    'enum-value-added',
  ),
  row(
    'patternProperties present and the object changed',
    { type: 'object', patternProperties: { '^s_': str } },
    { type: 'object', patternProperties: { '^s_': str }, properties: { a: str } },
    'break break break',
    'cannot-prove',
  ),
  row(
    // Conservative: the pattern bounds the length to 7..64, but the checker does not prove that a
    // pattern implies length bounds, so the removed maxLength counts as a widening.
    'example OrderRequested v1 → v2 (paymentToken gets a pattern, loses its length bounds)',
    x({ type: 'string', minLength: 1, maxLength: 64 }),
    x({ type: 'string', pattern: '^tok_[a-z0-9_]{3,60}$' }),
    'break break break',
    'pattern-added',
  ),
];

export interface ChainRow {
  readonly name: string;
  readonly versions: readonly unknown[];
  /** Verdict on the last version, per mode. */
  readonly verdicts: Readonly<Record<string, Verdict>>;
}

const chain = (name: string, versions: unknown[], v: string): ChainRow => {
  const [B, BT, F, FT, FULL, FULLT, NONE] = v.split(' ') as Verdict[];
  return {
    name,
    versions,
    verdicts: {
      BACKWARD: B ?? 'ok',
      BACKWARD_TRANSITIVE: BT ?? 'ok',
      FORWARD: F ?? 'ok',
      FORWARD_TRANSITIVE: FT ?? 'ok',
      FULL: FULL ?? 'ok',
      FULL_TRANSITIVE: FULLT ?? 'ok',
      NONE: NONE ?? 'ok',
    },
  };
};

//                                                                       B     B_T   F     F_T   FULL  FULL_T NONE
export const CHAINS: readonly ChainRow[] = [
  chain('one version: nothing to check', [x(str)], 'ok ok ok ok ok ok ok'),
  chain(
    'type changed in v2 (a NONE-era change), v3 only rewords',
    [x({ type: 'integer' }), x(str), x({ ...str, description: 'd' })],
    'ok break ok break ok break ok',
  ),
  chain(
    'one optional property per version on a closed object',
    [closed({ a: str }, ['a']), closed({ a: str, b: str }, ['a']), closed({ a: str, b: str, c: str }, ['a'])],
    'ok ok break break break break ok',
  ),
  chain(
    'enum grows each version',
    [x({ enum: ['A'] }), x({ enum: ['A', 'B'] }), x({ enum: ['A', 'B', 'C'] })],
    'ok ok break break break break ok',
  ),
  chain(
    'enum shrinks each version',
    [x({ enum: ['A', 'B', 'C'] }), x({ enum: ['A', 'B'] }), x({ enum: ['A'] })],
    'break break ok ok break break ok',
  ),
  chain(
    'maxLength 10 → 20 → 15',
    [
      x({ type: 'string', maxLength: 10 }),
      x({ type: 'string', maxLength: 20 }),
      x({ type: 'string', maxLength: 15 }),
    ],
    'break break ok break break break ok',
  ),
  chain(
    'maxLength 20 → 10 → 15',
    [
      x({ type: 'string', maxLength: 20 }),
      x({ type: 'string', maxLength: 10 }),
      x({ type: 'string', maxLength: 15 }),
    ],
    'ok break break break break break ok',
  ),
  chain(
    'required added in v2, v3 unchanged',
    [closed({ a: str }, []), closed({ a: str }, ['a']), closed({ a: str }, ['a'])],
    'ok break ok ok ok break ok',
  ),
  chain(
    'four versions differing only in descriptions',
    [1, 2, 3, 4].map((n) => x({ ...str, description: `v${n}` })),
    'ok ok ok ok ok ok ok',
  ),
  chain(
    'number → integer in v3, v1 and v2 equal',
    [x({ type: 'number' }), x({ type: 'number' }), x({ type: 'integer' })],
    'break break ok ok break break ok',
  ),
  chain(
    'integer in v1, number in v2, integer again in v3',
    [x({ type: 'integer' }), x({ type: 'number' }), x({ type: 'integer' })],
    'break break ok ok break break ok',
  ),
  chain(
    '$defs type widened in v2 then back in v3',
    [
      { $defs: { m: { type: 'integer' } }, ...x({ $ref: '#/$defs/m' }) },
      { $defs: { m: { type: 'number' } }, ...x({ $ref: '#/$defs/m' }) },
      { $defs: { m: { type: 'integer' } }, ...x({ $ref: '#/$defs/m' }) },
    ],
    'break break ok ok break break ok',
  ),
];
