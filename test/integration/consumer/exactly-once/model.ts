import { type Catalog, defineCatalog } from '../../../../shared/catalog';
import type { EventHandler } from '../../../../shared/consumer';

/** One run's names: every stream and table is prefixed, so runs share the emulators without sharing state. */
export interface RunNames {
  readonly counts: string;
  readonly milestones: string;
  readonly tables: {
    readonly checkpoints: string;
    readonly parking: string;
    readonly outbox: string;
    readonly totals: string;
    readonly audit: string;
  };
}

export const runNames = (run: string): RunNames => ({
  counts: `${run}-counts`,
  milestones: `${run}-milestones`,
  tables: {
    checkpoints: `${run}-checkpoints`,
    parking: `${run}-parking`,
    outbox: `${run}-outbox`,
    totals: `${run}-totals`,
    audit: `${run}-audit`,
  },
});

/**
 * Shards of each stream at the start. At parallelization 1 each shard is one sequential lane, and a lane
 * applies about 8 events/s on the loaded 2-core machine (one state read per event), so the shard count
 * sets the run's pace.
 */
export interface Shards {
  readonly counts: number;
  readonly milestones: number;
}

export interface Budget {
  /** The runtime's attempts per event before it parks the event (the catalog's `retry.maxAttempts`). */
  readonly maxAttempts: number;
  /** -1 as infra sets it (only retention limits age). */
  readonly maxRecordAgeSeconds: number;
  /**
   * The mapping's own MaximumRetryAttempts. Unset: as infra deploys it (-1, the runtime owns every
   * give-up). A number: AWS's give-up after that many retries, to show what it drops.
   */
  readonly mappingRetries?: number;
  /** The mapping's BisectBatchOnFunctionError (`retry.bisectOnError`), as the example sets it. @default false */
  readonly bisectOnError?: boolean;
}

/** Never reached by the property tests; the most a 24 h topic takes without a record age (catalog give-up check). */
export const UNLIMITED: Budget = { maxAttempts: 2_220, maxRecordAgeSeconds: -1 };

/**
 * Two services on two topics: `counter` adds `Counted` to a per-key count and total (typed `add`, no
 * read) and emits a `MilestoneReached` on every third event of a key; `auditor` applies every milestone
 * to a per-key tally downstream (read-modify-write). So an effect is checked at both ends of an emit,
 * through both kinds of handler.
 */
export const catalogFor = (
  names: RunNames,
  shards: Shards,
  parallelizationFactor: number,
  budget: Budget,
): Catalog => {
  const subscription = {
    batchSize: 100,
    batchingWindowSeconds: 0,
    parallelizationFactor,
    startingPosition: 'TRIM_HORIZON' as const,
    retry: {
      maxAttempts: budget.maxAttempts,
      maxRecordAgeSeconds: budget.maxRecordAgeSeconds,
      bisectOnError: budget.bisectOnError ?? false,
    },
  };
  return defineCatalog({
    topics: [
      { name: names.counts, shards: shards.counts, retentionHours: 24 },
      { name: names.milestones, shards: shards.milestones, retentionHours: 24 },
    ],
    producers: [{ name: 'tester' }],
    eventTypes: [
      {
        type: 'Counted',
        topic: names.counts,
        writer: 'tester',
        keyField: 'counter',
        versions: {
          1: {
            type: 'object',
            required: ['counter', 'by', 'index', 'sum'],
            properties: {
              counter: { type: 'string' },
              by: { type: 'integer' },
              index: { type: 'integer' },
              // The key's running total through this event: the milestone is decided without a read.
              sum: { type: 'integer' },
            },
          },
        },
      },
      {
        type: 'MilestoneReached',
        topic: names.milestones,
        writer: 'counter',
        keyField: 'counter',
        versions: {
          1: {
            type: 'object',
            required: ['counter', 'total', 'count'],
            properties: {
              counter: { type: 'string' },
              total: { type: 'integer' },
              count: { type: 'integer' },
            },
          },
        },
      },
    ],
    services: [
      {
        name: 'counter',
        entry: 'test/fixtures/counter-service.ts',
        subscriptions: [{ topic: names.counts, ...subscription }],
        tables: [{ name: 'totals' }],
      },
      {
        name: 'auditor',
        entry: 'test/fixtures/counter-service.ts',
        subscriptions: [{ topic: names.milestones, ...subscription }],
        tables: [{ name: 'audit' }],
      },
    ],
  });
};

const num = (item: Record<string, unknown> | undefined, field: string, fallback = 0): number =>
  Number(item?.[field] ?? fallback);

/**
 * Additive, with no read: a counter `add` and an `append` of the event's index (typed state ops). A
 * second application shows in `count` directly (the checker compares it with the key's distinct
 * events), and `indices` is the order of application: exactly 0, 1, 2, ... when every event applied
 * once and in order. The milestone is decided from the event (its index and running sum).
 */
export const counterHandler: EventHandler = (event, ctx) => {
  const { counter, by, index, sum } = event.data as {
    counter: string;
    by: number;
    index: number;
    sum: number;
  };
  ctx.update('totals', counter, { add: { count: 1, total: by }, append: { indices: [index] } });
  if ((index + 1) % 3 === 0) ctx.emit('MilestoneReached', { counter, total: sum, count: index + 1 });
};

/** Tallies milestones per key downstream; a milestone whose count is not the next third is out of order. */
export const auditorHandler: EventHandler = async (event, ctx) => {
  const { counter, total, count } = event.data as { counter: string; total: number; count: number };
  const item = await ctx.get('audit', counter);
  const inOrder = count === num(item, 'lastCount') + 3;
  ctx.put('audit', {
    pk: counter,
    milestones: num(item, 'milestones') + 1,
    sum: num(item, 'sum') + total,
    lastCount: count,
    outOfOrder: num(item, 'outOfOrder') + (inOrder ? 0 : 1),
  });
};

/** What one clean pass leaves per key: the truth the faulty run is compared with. */
export interface Expected {
  count: number;
  total: number;
  milestones: number;
  milestoneSum: number;
}

export const expectEvent = (expected: Map<string, Expected>, counter: string, by: number): void => {
  const e = expected.get(counter) ?? { count: 0, total: 0, milestones: 0, milestoneSum: 0 };
  e.count += 1;
  e.total += by;
  if (e.count % 3 === 0) {
    e.milestones += 1;
    e.milestoneSum += e.total;
  }
  expected.set(counter, e);
};
