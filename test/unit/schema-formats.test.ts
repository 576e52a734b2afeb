import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { type StandaloneFormat, standaloneFormats } from '../../shared/schemas';

// ajv-formats' own table, the one Ajv uses at runtime (its typings union every format kind).
const { fullFormats }: { fullFormats: Readonly<Record<string, StandaloneFormat>> } = createRequire(
  import.meta.url,
)('ajv-formats/dist/formats');

const VALUES = [
  '2024-02-29T12:00:00Z',
  '2023-02-29T12:00:00Z',
  '2024-13-01T00:00:00Z',
  '2024-00-10T00:00:00Z',
  '2024-04-31T00:00:00Z',
  '2024-01-01t00:00:00z',
  '2024-01-01 00:00:00+01:00',
  '2024-01-01T00:00:00',
  '2024-01-01T24:00:00Z',
  '2024-01-01T23:59:60Z',
  '2024-01-01T23:59:60+01:00',
  '2024-01-01T22:59:60-01:00',
  '2024-01-01T00:59:60+01:00',
  '2024-01-01T12:00:00.123456+05:30',
  '2024-01-01T12:00:00+0530',
  '2024-01-01T12:00:00+24:00',
  '2024-01-01T12:00:00+05:60',
  '2024-01-01',
  'T12:00:00Z',
  '',
  '2024-01-01TT12:00:00Z',
  '1900-02-29T00:00:00Z',
  '2000-02-29T00:00:00Z',
  '2024-1-01T00:00:00Z',
  '2024-01-01T12:60:00Z',
  'x2024-01-01T00:00:00Z',
  '2024-01-01T00:00:00Zx',
  '2024-01-01T00:00:61Z',
];

describe('standaloneFormats', () => {
  it('validates and compares date-time exactly as ajv-formats (full) does', () => {
    // Prepare
    const reference = fullFormats['date-time'];
    const ours = standaloneFormats['date-time'];
    if (typeof reference?.validate !== 'function')
      throw new Error('ajv-formats date-time is no function format');
    const { validate, compare } = reference;
    // Act
    const pairs = VALUES.flatMap((a) => VALUES.map((b) => [a, b] as const));
    const validateDiffs = VALUES.filter((v) => ours?.validate(v) !== validate(v));
    const compareDiffs = pairs.filter(([a, b]) => ours?.compare(a, b) !== compare(a, b));
    // Assess
    expect(VALUES.filter((v) => validate(v) === true).length).toBeGreaterThan(5);
    expect(validateDiffs).toEqual([]);
    expect(compareDiffs).toEqual([]);
  });
});
