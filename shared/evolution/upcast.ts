import type { Upcaster, Upcasters } from '../catalog';
import { EvolutionError } from './errors';

/**
 * A pure function that turns `data` of version N into data of version N + 1 of the same event type
 * (fill a new field's default, rename one, split one); declared per event type in the catalog.
 */
export type { Upcaster, Upcasters };

/** Checks converted data against the schema of `version`; returns why it fails, or undefined. */
export type VersionValidator = (version: number, data: unknown) => string | undefined;

/** Data converted to the wanted version, and the versions it passed through. */
export interface Upcast {
  readonly version: number;
  readonly data: unknown;
  /** Versions converted from, in order; empty when the data already had the wanted version. */
  readonly steps: readonly number[];
}

/** Versions in `from .. to - 1` that have no upcaster: what a type must declare for a latest-only consumer. */
export const missingUpcasters = (upcasters: Upcasters, from: number, to: number): number[] => {
  const missing: number[] = [];
  for (let v = from; v < to; v++) if (typeof upcasters[v] !== 'function') missing.push(v);
  return missing;
};

/**
 * Converts data of version `from` into version `to` by chaining the declared upcasters, v → v+1 at a
 * time. With `validate`, each step's output is checked against its version's schema, so a wrong
 * upcaster fails here, naming its step, rather than inside a handler.
 *
 * @throws EvolutionError UPCAST_MISSING when a step has no upcaster (or `from > to`: there is no
 *   downcasting), UPCAST_FAILED when an upcaster throws or its output fails validation.
 *
 * @example
 * const upcasters = { 1: (d) => ({ ...(d as object), currency: 'EUR' }) };
 * upcast('OrderRequested', upcasters, 1, 2, { orderId: 'o-1' });
 * // { version: 2, data: { orderId: 'o-1', currency: 'EUR' }, steps: [1] }
 */
export const upcast = (
  type: string,
  upcasters: Upcasters,
  from: number,
  to: number,
  data: unknown,
  validate?: VersionValidator,
): Upcast => {
  if (from > to)
    throw new EvolutionError(
      'UPCAST_MISSING',
      `${type} v${from} is newer than v${to}; events are never downcast`,
    );
  const missing = missingUpcasters(upcasters, from, to);
  if (missing.length > 0)
    throw new EvolutionError(
      'UPCAST_MISSING',
      `${type} has no upcaster from ${missing.map((v) => `v${v}`).join(', ')}; declare one per step to reach v${to}`,
    );
  let current = data;
  const steps: number[] = [];
  for (let v = from; v < to; v++) {
    const step = upcasters[v];
    if (!step) throw new EvolutionError('UPCAST_MISSING', `${type} has no upcaster from v${v}`);
    try {
      current = step(current);
    } catch (cause) {
      throw new EvolutionError('UPCAST_FAILED', `${type} upcaster v${v} → v${v + 1} threw`, { cause });
    }
    const problem = validate?.(v + 1, current);
    if (problem !== undefined)
      throw new EvolutionError(
        'UPCAST_FAILED',
        `${type} upcaster v${v} → v${v + 1} produced data v${v + 1} rejects: ${problem}`,
      );
    steps.push(v);
  }
  return { version: to, data: current, steps };
};
