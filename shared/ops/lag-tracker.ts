import { mapLimit } from '../async';
import { type Catalog, subscriptions } from '../catalog';
import { compareSequence } from '../consumer';
import type { LogReader, ShardInfo } from './log-reader';
import { livePositions } from './positions';
import { ShardFollower } from './shard-follower';
import type { ShardStatus, Status, SubscriptionStatus } from './status';
import type { CheckpointView, OpsStore } from './store';

export interface LagTrackerDeps {
  readonly catalog: Catalog;
  readonly reader: LogReader;
  readonly store: OpsStore;
  readonly isPaused?: (service: string, topic: string) => Promise<boolean>;
  readonly now?: () => number;
}

export interface LagTrackerOptions {
  /** Records kept per shard: lag counts up to this, then shows "at least". @default 1000 */
  readonly limit?: number;
  /** Calls in flight at once, across Kinesis and DynamoDB. @default 4 */
  readonly concurrency?: number;
  /** Shard lists are re-read this often (and at once when a follower reaches a closed shard's end). @default 30000 */
  readonly shardListMs?: number;
  /**
   * Pages of records read per shard per sample, plus the one that shows whether the tip was reached:
   * a backlog is caught up over several samples. @default 2
   */
  readonly pagesPerSample?: number;
}

/** What one `sample()` cost, in calls. */
export interface SampleCost {
  readonly listShards: number;
  /** Only where a follower has no iterator yet (first read, or it expired) or the reader has no `page`. */
  readonly getShardIterator: number;
  readonly getRecords: number;
  readonly checkpointQueries: number;
  readonly parkedQueries: number;
}

export interface TrackedStatus extends Status {
  /** Shards of each topic as last listed (closed parents included). */
  readonly shards: Readonly<Record<string, readonly ShardInfo[]>>;
  /** Records each topic gained since the previous sample (undefined on the first). */
  readonly arrived: Readonly<Record<string, number>> | undefined;
  readonly cost: SampleCost;
}

/**
 * The live views' lag, light enough to sample every second or two: one follower per shard (not per
 * subscription) reads only what arrived since its last read, and every subscription's lag on that shard
 * is counted from the follower's window against its checkpoint. Shard lists are cached. Per sample
 * that is one GetRecords per open shard (the follower keeps its iterator when the reader has `page`),
 * one checkpoint query per subscription and one parked count per service, `concurrency` at a time,
 * where `collectStatus` scans every shard once per subscription, one call after another. The result
 * is `collectStatus`'s `Status`; `spine status` stays the full, on-demand read.
 */
export class LagTracker {
  private readonly followers = new Map<string, ShardFollower>();
  private shardLists = new Map<string, ShardInfo[]>();
  private listedAt = Number.NEGATIVE_INFINITY;
  private relist = false;
  private sampledAt: number | undefined;
  private readonly limit: number;
  private readonly concurrency: number;

  constructor(
    private readonly deps: LagTrackerDeps,
    private readonly options: LagTrackerOptions = {},
  ) {
    this.limit = options.limit ?? 1_000;
    this.concurrency = options.concurrency ?? 4;
  }

  /** Reads what is new and returns every subscription's lag, parked counts and the sample's cost. */
  async sample(): Promise<TrackedStatus> {
    const { catalog, reader, store } = this.deps;
    const cost = {
      listShards: 0,
      getShardIterator: 0,
      getRecords: 0,
      checkpointQueries: 0,
      parkedQueries: 0,
    };
    const now = () => this.deps.now?.() ?? Date.now();
    const subs = subscriptions(catalog);
    if (this.relist || now() - this.listedAt >= (this.options.shardListMs ?? 30_000)) {
      const topics = catalog.topics.map((t) => t.name);
      const lists = await mapLimit(topics, this.concurrency, (t) => reader.shards(t));
      cost.listShards += topics.length;
      this.shardLists = new Map(topics.map((t, i) => [t, lists[i] ?? []]));
      this.listedAt = now();
      this.relist = false;
    }
    const positions = await mapLimit(subs, this.concurrency, ({ service, subscription }) => {
      cost.checkpointQueries += 1;
      return livePositions(store, service.name, subscription.topic, subscription.parallelizationFactor > 1);
    });
    const arrived: Record<string, number> = {};
    const since = this.sampledAt ?? Number.POSITIVE_INFINITY;
    const shardKeys = [...this.shardLists].flatMap(([topic, list]) => list.map((info) => ({ topic, info })));
    await mapLimit(shardKeys, this.concurrency, async ({ topic, info }) => {
      const lives = subs.flatMap((s, i) =>
        s.subscription.topic === topic ? [positions[i]?.live.get(info.shardId)] : [],
      );
      const follower = this.follower(topic, info, lives);
      const read = await follower.read(reader, info, this.options.pagesPerSample ?? 2, since);
      cost.getShardIterator += read.getShardIterator;
      cost.getRecords += read.getRecords;
      arrived[topic] = (arrived[topic] ?? 0) + read.arrived;
      if (read.closed) this.relist = true;
    });
    const at = now();
    const result: SubscriptionStatus[] = subs.map(({ service, subscription }, i) => {
      const { checkpoints, live } = positions[i] ?? { checkpoints: [], live: new Map() };
      const shards = (this.shardLists.get(subscription.topic) ?? []).map((info): ShardStatus => {
        const window = this.followers.get(`${subscription.topic}/${info.shardId}`)?.window;
        const position: (CheckpointView & { keys?: number }) | undefined = live.get(info.shardId);
        const lag = window?.lag(position?.sequenceNumber, at) ?? {
          shardId: info.shardId,
          events: 0,
          capped: true,
          lagMs: 0,
        };
        return {
          ...lag,
          ...(position?.sequenceNumber && { checkpoint: position.sequenceNumber }),
          ...(position?.arrivedAt !== undefined && { checkpointArrivedAt: position.arrivedAt }),
          ...(position?.failure && { lastError: position.failure }),
          ...(position?.keys !== undefined && { keys: position.keys }),
        };
      });
      return {
        service: service.name,
        topic: subscription.topic,
        checkpoints: subscription.parallelizationFactor > 1 ? 'key' : 'shard',
        shards,
        sessions: [...new Set(checkpoints.flatMap((c) => (c.scope ? [c.scope] : [])))].sort(),
      };
    });
    const paused = await mapLimit(result, this.concurrency, async (s) =>
      this.deps.isPaused ? await this.deps.isPaused(s.service, s.topic) : undefined,
    );
    const services = [...new Set(subs.map((s) => s.service.name))];
    const counts = await mapLimit(services, this.concurrency, (name) => store.parkedCount(name));
    cost.parkedQueries += services.length;
    const first = this.sampledAt === undefined;
    this.sampledAt = at;
    return {
      at,
      subscriptions: result.map((s, i) => (paused[i] === undefined ? s : { ...s, paused: paused[i] })),
      parked: Object.fromEntries(services.map((name, i) => [name, counts[i] ?? 0])),
      shards: Object.fromEntries(this.shardLists),
      arrived: first ? undefined : arrived,
      cost,
    };
  }

  /**
   * The shard's follower, made on first sight: it starts after the lowest checkpoint of the topic's
   * subscriptions on the shard (from the oldest record if one has none), so the first sample reads
   * only what some subscription has yet to apply.
   */
  private follower(topic: string, info: ShardInfo, lives: readonly (CheckpointView | undefined)[]) {
    const id = `${topic}/${info.shardId}`;
    const known = this.followers.get(id);
    if (known) return known;
    const seqs = lives.map((l) => l?.sequenceNumber);
    const base = seqs.some((s) => s === undefined)
      ? undefined
      : seqs.reduce<string | undefined>(
          (low, s) => (low === undefined || (s !== undefined && compareSequence(s, low) < 0) ? s : low),
          undefined,
        );
    const made = new ShardFollower(topic, info.shardId, base, this.limit);
    this.followers.set(id, made);
    return made;
  }
}
