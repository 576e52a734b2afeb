import type { OpsContext } from '../../cli/context';
import { collectStatus } from '../../shared/ops';
import type { LiveSample, SubscriptionView, TopicView } from '../api-types';
import type { LagHistory } from './history';
import { measureRates } from './rates';

export type SampleListener = (sample: LiveSample) => void;

/** Counting lag stops here per shard (one GetRecords call); the view shows `>=` past it. */
const LAG_LIMIT = 1_000;
/** Topic rates are measured every this many samples. */
const RATE_EVERY = 5;

export const subscriptionKey = (service: string, topic: string) => `${service}<-${topic}`;

/**
 * Samples `spine status` (shared/ops `collectStatus`, the CLI's own code) plus shard counts and
 * events/s, every `intervalMs`, but only while a page listens: an unwatched console reads nothing.
 * Each sample is kept in the lag history and pushed to every listener.
 */
export class LiveSampler {
  private readonly listeners = new Set<SampleListener>();
  private latestSample: LiveSample | undefined;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  private lastAt: number | undefined;
  private samples = 0;
  private rates: Map<string, number> | undefined;

  constructor(
    private readonly ctx: Pick<OpsContext, 'catalog' | 'reader' | 'store' | 'control' | 'target'>,
    private readonly history: LagHistory,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

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
    const { catalog, reader } = this.ctx;
    // One status at a time, shard after shard, as `spine status`: the emulator (or the shards' 5
    // reads/s) is shared with live delivery, and a sample is better late than in its way.
    const status = await collectStatus(
      { catalog, reader, store: this.ctx.store, isPaused: this.ctx.control.isPaused },
      { limit: LAG_LIMIT },
    );
    const shardsByTopic = new Map<string, string[]>();
    for (const topic of catalog.topics)
      shardsByTopic.set(
        topic.name,
        (await reader.shards(topic.name)).filter((s) => !s.endingSequenceNumber).map((s) => s.shardId),
      );
    const now = status.at;
    // Events/s over the last RATE_EVERY samples: the same accuracy at a fifth of the reads.
    this.samples += 1;
    if (this.lastAt === undefined) this.lastAt = now;
    else if (this.samples % RATE_EVERY === 0) {
      this.rates = await measureRates(reader, shardsByTopic, this.lastAt, now);
      this.lastAt = now;
    }
    const rates = this.rates;
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
      const rate = rates?.get(t.name);
      return {
        name: t.name,
        ...(t.description && { description: t.description }),
        shards: shardsByTopic.get(t.name)?.length ?? 0,
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
    return { at: now, target: this.ctx.target, topics, subscriptions, parked: status.parked, sparklines };
  }
}
