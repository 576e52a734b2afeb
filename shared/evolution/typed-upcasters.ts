import type { JsonSchema, SchemaData, Upcaster, Upcasters } from '../catalog';

type Tuple<N extends number, T extends unknown[] = []> = T['length'] extends N
  ? T
  : Tuple<N, [...T, unknown]>;
/** `N + 1` for small non-negative integer literals. */
type Next<N extends number> = [...Tuple<N>, unknown]['length'];

/**
 * One upcaster per version that has a successor: from the data of version N (its schema's static type)
 * to the data of version N + 1. Plain JSON Schema versions give `unknown` on either side.
 * The keys map over `keyof V` itself (homomorphic), not `keyof V & number`: only then does the compiler
 * type each step's parameter from `V` while it still infers `V` at a `defineUpcasters` call; with the
 * intersection every step's parameter was an implicit `any`, so no step was checked at all.
 */
export type UpcasterSteps<V extends { readonly [version: number]: JsonSchema }> = {
  readonly [N in keyof V as N extends number ? (Next<N> extends keyof V ? N : never) : never]: (
    data: SchemaData<V[N]>,
  ) => N extends number ? (Next<N> extends keyof V ? SchemaData<V[Next<N>]> : never) : never;
};

/**
 * The runtime calls step N only with data Ajv validated against version N's schema, and checks the
 * step's output against version N + 1 before a handler sees it: the parameter type each step was
 * written with holds, so the typed step is stored as the catalog's `(data: unknown) => unknown`.
 */
// biome-ignore lint/complexity/noBannedTypes: `typeof x === 'function'` narrows to Function, the cast's only input.
const trusted = (step: Function): Upcaster => step as Upcaster;

/**
 * Types an event type's upcasters by its versions' schemas, for the catalog's `upcasters`: each step
 * takes version N's data and must return version N + 1's, checked by the compiler; a step for a
 * version without a successor is an error. Declaring upcasters makes `defineService` handlers of the
 * type receive only its latest version.
 *
 * @example
 * const versions = { 1: orderPlacedV1, 2: orderPlacedV2 } as const;
 * { type: 'OrderPlaced', versions, upcasters: defineUpcasters(versions, {
 *     1: ({ amount, ...rest }) => ({ ...rest, amountCents: Math.round(amount * 100), currency: 'EUR' }),
 *   }) }
 */
export const defineUpcasters = <const V extends { readonly [version: number]: JsonSchema }>(
  _versions: V,
  steps: UpcasterSteps<V>,
): Upcasters => {
  const out: Record<number, Upcaster> = {};
  const entries: [string, unknown][] = Object.entries(steps);
  for (const [from, step] of entries) if (typeof step === 'function') out[Number(from)] = trusted(step);
  return out;
};
