import { describe, expect, it } from 'vitest';
import {
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  checkVersion,
  diffSchemas,
} from '../../shared/evolution';
import { CHAINS, PAIRS, type PairRow, type Verdict } from './evolution-table';

/** For a pair (one earlier version), a `_TRANSITIVE` mode checks the same single pair as its plain mode. */
const expectedForPair = (row: PairRow, mode: CompatibilityMode): Verdict => {
  if (mode === 'NONE') return 'ok';
  if (mode.startsWith('BACKWARD')) return row.backward;
  if (mode.startsWith('FORWARD')) return row.forward;
  return row.full;
};

const verdictOf = (mode: CompatibilityMode, versions: readonly unknown[]) => {
  const all = versions.map((schema, i) => ({ version: i + 1, schema }));
  const last = all.at(-1);
  if (!last) throw new Error('a chain needs a version');
  const found = checkVersion(mode, all.slice(0, -1), last);
  return { verdict: (found.length === 0 ? 'ok' : 'break') satisfies Verdict, found };
};

describe('checkVersion: the compatibility table', () => {
  it('has at least 30 cases per mode, compatible and breaking', () => {
    // Assess
    for (const mode of COMPATIBILITY_MODES) {
      const verdicts = [
        ...PAIRS.map((row) => expectedForPair(row, mode)),
        ...CHAINS.map((c) => c.verdicts[mode]),
      ];
      expect(verdicts.length).toBeGreaterThanOrEqual(30);
      if (mode !== 'NONE') {
        expect(verdicts.filter((v) => v === 'ok').length).toBeGreaterThanOrEqual(10);
        expect(verdicts.filter((v) => v === 'break').length).toBeGreaterThanOrEqual(10);
      }
    }
  });

  for (const mode of COMPATIBILITY_MODES)
    describe(mode, () => {
      it.each(PAIRS.map((row) => [row.name, row] as const))('pair: %s', (_name, row) => {
        // Prepare
        const expected = expectedForPair(row, mode);
        // Act
        const { verdict, found } = verdictOf(mode, [row.old, row.new]);
        // Assess
        expect(verdict, JSON.stringify(found)).toBe(expected);
      });

      it.each(CHAINS.map((c) => [c.name, c] as const))('chain: %s', (_name, c) => {
        // Act
        const { verdict, found } = verdictOf(mode, c.versions);
        // Assess
        expect(verdict, JSON.stringify(found)).toBe(c.verdicts[mode]);
      });
    });
});

describe('checkVersion', () => {
  it('names both versions and the mode in each incompatibility, against every earlier version when transitive', () => {
    // Prepare
    const v = (maxLength: number) => ({ type: 'string', maxLength });
    const earlier = [
      { version: 1, schema: v(20) },
      { version: 2, schema: v(30) },
    ];
    // Act
    const found = checkVersion('BACKWARD_TRANSITIVE', earlier, { version: 3, schema: v(10) });
    // Assess
    expect(found.map(({ from, to, mode, path, rule }) => ({ from, to, mode, path, rule }))).toEqual([
      { from: 1, to: 3, mode: 'BACKWARD_TRANSITIVE', path: '/maxLength', rule: 'bound-tightened' },
      { from: 2, to: 3, mode: 'BACKWARD_TRANSITIVE', path: '/maxLength', rule: 'bound-tightened' },
    ]);
  });
});

describe('diffSchemas', () => {
  it.each(PAIRS.filter((row) => row.rule).map((row) => [row.name, row] as const))(
    'names the rule and where it applies: %s',
    (_name, row) => {
      // Act
      const changes = diffSchemas(row.old, row.new);
      // Assess
      const matching = changes.filter((c) => c.rule === row.rule);
      expect(matching.length, JSON.stringify(changes)).toBeGreaterThan(0);
      if (row.path) expect(matching.map((c) => c.path)).toContain(row.path);
    },
  );

  it('says what changed old → new, in the words the CLI prints', () => {
    // Prepare
    const amount = (type: string) => ({ type: 'object', properties: { amount: { type } } });
    // Act
    const changes = diffSchemas(amount('number'), amount('integer'));
    // Assess
    expect(changes).toEqual([
      {
        path: '/properties/amount/type',
        rule: 'type-narrowed',
        narrows: true,
        widens: false,
        message: 'type narrowed from number to integer',
      },
    ]);
  });

  it('reports one merged bound change when minimum becomes exclusiveMinimum', () => {
    // Act
    const changes = diffSchemas({ type: 'number', minimum: 0 }, { type: 'number', exclusiveMinimum: 0 });
    // Assess
    expect(changes.map((c) => c.message)).toEqual([
      'lower bound tightened from minimum 0 to exclusiveMinimum 0',
    ]);
  });

  it('terminates on mutually recursive $defs and finds the change inside them', () => {
    // Prepare
    const schema = (leaf: string) => ({
      $defs: {
        a: { type: 'object', properties: { b: { $ref: '#/$defs/b' }, leaf: { type: leaf } } },
        b: { type: 'object', properties: { a: { $ref: '#/$defs/a' } } },
      },
      $ref: '#/$defs/a',
    });
    // Act
    const changes = diffSchemas(schema('number'), schema('integer'));
    // Assess
    expect(changes.map((c) => [c.path, c.rule])).toEqual([
      ['/$defs/a/properties/leaf/type', 'type-narrowed'],
    ]);
  });
});
