import type { LagHistoryView } from '../api-types';

interface Sample {
  readonly at: number;
  readonly shards: ReadonlyMap<string, number>;
}

/**
 * Lag samples per subscription, the newest `capacity` kept (at a 2 s interval, 300 samples are the
 * last 10 minutes): memory is bounded whatever runs for how long. Pure, so it is unit-tested alone.
 */
export class LagHistory {
  private readonly samples = new Map<string, Sample[]>();

  constructor(private readonly capacity = 300) {}

  /** Records one sample of a subscription: lag in events per shard at `at`. */
  add(subscription: string, at: number, shards: Readonly<Record<string, number>>): void {
    const list = this.samples.get(subscription) ?? [];
    list.push({ at, shards: new Map(Object.entries(shards)) });
    if (list.length > this.capacity) list.splice(0, list.length - this.capacity);
    this.samples.set(subscription, list);
  }

  /** Total lag per sample, oldest first: the overview's sparkline. */
  totals(subscription: string): number[] {
    return (this.samples.get(subscription) ?? []).map((s) =>
      [...s.shards.values()].reduce((a, b) => a + b, 0),
    );
  }

  /**
   * One series per shard ever seen, aligned on the sample times; a shard missing from a sample (not
   * yet created, or closed by a reshard) is `null` there, which the chart draws as a gap.
   */
  view(subscription: string): LagHistoryView {
    const list = this.samples.get(subscription) ?? [];
    const ids = [...new Set(list.flatMap((s) => [...s.shards.keys()]))].sort();
    return {
      at: list.map((s) => s.at),
      shards: Object.fromEntries(ids.map((id) => [id, list.map((s) => s.shards.get(id) ?? null)])),
    };
  }
}
