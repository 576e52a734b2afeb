import { Ajv2020 } from 'ajv/dist/2020';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkVersion } from '../../shared/evolution';
import { valuesOf } from './evolution-samples';
import { PAIRS } from './evolution-table';

const ajv = new Ajv2020({ strict: false });

/** Pairs whose schemas stay inside what `valuesOf` generates (no pattern, format, $ref, not). */
const SAMPLEABLE = PAIRS.filter((row) => !/pattern|format|\$ref|not|example/.test(JSON.stringify(row)));
const compatible = SAMPLEABLE.filter((row) => row.backward === 'ok');
const breaking = SAMPLEABLE.filter((row) => row.backward === 'break');

describe('checkVersion under BACKWARD, backed by data', () => {
  it('covers a handful of pairs each way', () => {
    expect(compatible.length).toBeGreaterThanOrEqual(5);
    expect(breaking.length).toBeGreaterThanOrEqual(5);
  });

  it.each(compatible.map((row) => [row.name, row] as const))(
    'compatible: every generated value valid under old is valid under new (%s)',
    (_name, row) => {
      // Prepare
      const validOld = ajv.compile(row.old as object);
      const validNew = ajv.compile(row.new as object);
      expect(
        checkVersion('BACKWARD', [{ version: 1, schema: row.old }], { version: 2, schema: row.new }),
      ).toEqual([]);
      // Act + Assess
      fc.assert(
        fc.property(valuesOf(row.old), (value) => {
          fc.pre(validOld(value));
          expect(validNew(value)).toBe(true);
        }),
        { numRuns: 200, seed: 15 },
      );
    },
  );

  it.each(breaking.map((row) => [row.name, row] as const))(
    'breaking: some generated value valid under old fails new (%s)',
    (_name, row) => {
      // Prepare
      const validOld = ajv.compile(row.old as object);
      const validNew = ajv.compile(row.new as object);
      // Act
      const witness = fc
        .sample(valuesOf(row.old), { numRuns: 1000, seed: 15 })
        .find((value) => validOld(value) && !validNew(value));
      // Assess
      expect(witness, 'no value valid under old and invalid under new was generated').toBeDefined();
    },
  );
});
