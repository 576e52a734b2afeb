import type fc from 'fast-check';
import {
  deepNesting,
  hugeArrays,
  invalidUtf8,
  malformed,
  oversized,
  valid,
  wrongTypes,
} from './hostile-body-cases';
import type { CaseContext, Category, HostileCase } from './hostile-kit';
import {
  batchRepeats,
  contentTypes,
  crlfHeaders,
  idempotency,
  pathTraversal,
  pollution,
} from './hostile-wire-cases';

export type { CaseContext, Category, HostileCase } from './hostile-kit';
export { validOrder } from './hostile-kit';

/**
 * How many cases of each category one run sends: 10,120 in all. Requests that write are few (~1,500)
 * because the emulators take ~45 writes/s; refusals cost the ingress ~3 ms each.
 */
export const PLAN: readonly [Category, number, (ctx: CaseContext) => fc.Arbitrary<HostileCase>][] = [
  ['valid', 500, valid],
  ['malformed-json', 1600, malformed],
  ['wrong-types', 2100, wrongTypes],
  ['deep-nesting', 500, deepNesting],
  ['huge-arrays', 200, hugeArrays],
  ['oversized', 80, oversized],
  ['invalid-utf8', 700, invalidUtf8],
  ['crlf-headers', 900, crlfHeaders],
  ['content-type', 900, contentTypes],
  ['path-traversal', 1000, pathTraversal],
  ['pollution', 1040, pollution],
  ['idempotency', 500, idempotency],
  ['idempotency', 100, batchRepeats],
];
