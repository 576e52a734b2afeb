import * as Type from 'typebox';
import type { SubscriptionSpec } from '../../shared/catalog';

/**
 * The skeleton every type-test catalog shares. The types under test read names and schemas only;
 * subscription settings and service entries are placeholders that pass the runtime's cold-start checks.
 */
const settings = {
  batchSize: 10,
  batchingWindowSeconds: 0,
  parallelizationFactor: 1,
  startingPosition: 'TRIM_HORIZON',
  retry: { maxAttempts: 3, bisectOnError: false },
} as const satisfies Omit<SubscriptionSpec, 'topic'>;

/** A subscription to `topic`. */
export const subscribe = <const T extends string>(topic: T) => ({ topic, ...settings });

/** A table subscription: `topic` materialized into the service's table `table`. */
export const materialize = <const T extends string, const K extends string>(topic: T, table: K) => ({
  ...subscribe(topic),
  materialize: { table },
});

/** A service that is never deployed or run: its entry is a placeholder. */
export const service = <
  const N extends string,
  const S extends readonly ReturnType<typeof subscribe>[],
  const K extends readonly { readonly name: string; readonly item?: Type.TSchema }[],
>(
  name: N,
  subscriptions: S,
  tables: K,
) => ({ name, entry: 'test/fixtures/none.ts', subscriptions, tables });

/** An object schema that refuses unknown properties, as the example's event schemas do. */
export const closed = <P extends Type.TProperties>(properties: P) =>
  Type.Object(properties, { additionalProperties: false });
