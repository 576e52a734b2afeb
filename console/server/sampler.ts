import type { OpsContext } from '../../cli/context';
import { LagTracker } from '../../shared/ops';
import type { LiveSample, SubscriptionView, TopicView } from '../api-types';
import type { LagHistory } from './history';

export type SampleListener = (sample: LiveSample) => void;

/** Records kept per shard: lag counts up to this, and the view shows `>=` past it. */
const LAG_LIMIT = 1_000;
/** Events/s is averaged over this many samples' arrivals. */
const RATE_SAMPLES = 5;
/** Kinesis and DynamoDB calls a sample keeps in flight at once. */
const CONCURRENCY = 4;

export const subscriptionKey = (service: string, topic: string) => `${service}<-${topic}`;

/**
 * Samples lag, parked counts, shard counts and events/s every `intervalMs` through shared/ops
 * `LagTracker` (one follower per shard reading only what is new, shared by the shard's subscriptions),
 * but only while a page listens: an unwatched console reads nothing. The whole `spine status`
 * (`collectStatus`, one scan per subscription and shard, one call after another) took 30-70 s per
 * sample against the example's local backbone on a loaded machine, longer than the live views could
 * wait; it stays available on demand at /api/status. Each sample is kept in the lag history and
 * pushed to every listener.
 */
export class LiveSampler {
  private readonly listeners = new Set<SampleListener>();
  private latestSample: LiveSample | undefined;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly tracker: LagTracker;
  private readonly arrivals: { from: number; to: number; counts: Readonly<Record<string, number>> }[] = [];
  private previousAt: number | undefined;

  constructor(
    private readonly ctx: Pick<OpsContext, 'catalog' | 'reader' | 'store' | 'control' | 'target'>,
    private readonly history: LagHistory,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    const { catalog, reader, store, control } = ctx;
    this.tracker = new LagTracker(
      { catalog, reader, store, isPaused: control.isPaused },
      { limit: LAG_LIMIT, concurrency: CONCURRENCY },
    );
  }

  get latest(): LiveSample | undefined {
    return this.latestSample;
  }

  /** Adds a listener (starting the sampling loop if it is the first); returns its removal. */
  listen(listener: SampleListener): () => void {
    this.listeners.add(listener);
    if (this.latestSample) listener(this.latestSample);
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
    return () => this.listeners.delete(listener);
  }

  /** Takes the next sample now (after pause, resume, redrive), instead of at the next tick. */
  poke(): void {
    this.wake?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.poke();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.closed && this.listeners.size > 0) {
      try {
        const sample = await this.sample();
        this.latestSample = sample;
        for (const listener of this.listeners) listener(sample);
      } catch (error) {
        this.onError(error);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.intervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async sample(): Promise<LiveSample> {
    const { catalog } = this.ctx;
    const status = await this.tracker.sample();
    const now = status.at;
    if (status.arrived && this.previousAt !== undefined)
      this.arrivals.push({ from: this.previousAt, to: now, counts: status.arrived });
    this.arrivals.splice(0, Math.max(0, this.arrivals.length - RATE_SAMPLES));
    this.previousAt = now;
    const rates = this.rates();
    const subscriptions: SubscriptionView[] = status.subscriptions.map((s) => {
      const byShard = Object.fromEntries(s.shards.map((sh) => [sh.shardId, sh.events]));
      this.history.add(subscriptionKey(s.service, s.topic), now, byShard);
      return {
        service: s.service,
        topic: s.topic,
        ...(s.paused !== undefined && { paused: s.paused }),
        checkpoints: s.checkpoints,
        shards: s.shards,
        lag: s.shards.reduce((sum, sh) => sum + sh.events, 0),
      };
    });
    const topics: TopicView[] = catalog.topics.map((t) => {
      const rate = rates.get(t.name);
      return {
        name: t.name,
        ...(t.description && { description: t.description }),
        shards: (status.shards[t.name] ?? []).filter((s) => !s.endingSequenceNumber).length,
        capacity: t.shards,
        retentionHours: t.retentionHours,
        ...(rate !== undefined && { eventsPerSecond: Math.round(rate * 10) / 10 }),
      };
    });
    const sparklines = Object.fromEntries(
      subscriptions.map((s) => {
        const key = subscriptionKey(s.service, s.topic);
        return [key, this.history.totals(key)];
      }),
    );
    return {
      at: now,
      target: this.ctx.target,
      topics,
      subscriptions,
      parked: status.parked,
      sparklines,
      cost: status.cost,
    };
  }

  /** Events/s per topic: records that arrived over the kept samples, over the time they span. */
  private rates(): Map<string, number> {
    const rates = new Map<string, number>();
    const first = this.arrivals[0];
    const last = this.arrivals.at(-1);
    if (!first || !last) return rates;
    const seconds = Math.max(0.001, (last.to - first.from) / 1000);
    for (const { counts } of this.arrivals)
      for (const [topic, n] of Object.entries(counts)) rates.set(topic, (rates.get(topic) ?? 0) + n);
    for (const topic of this.ctx.catalog.topics.map((t) => t.name))
      rates.set(topic, (rates.get(topic) ?? 0) / seconds);
    return rates;
  }
}
