import { type Catalog, subscriptions } from '../catalog';
import { compareSequence } from '../consumer';
import type { LogReader, ShardInfo, ShardStart } from './log-reader';
import { livePositions } from './positions';
import { ShardWindow } from './shard-window';
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

const mapLimit = async <T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>) => {
  const out: R[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
};

interface Follower {
  readonly window: ShardWindow;
  /** A closed shard read to its end: nothing more to read, ever. */
  ended: boolean;
  /** Where the next read starts (`LogReader.page`'s `next`), kept between samples. */
  next?: string;
}

interface ReadCost {
  readonly getShardIterator: number;
  readonly getRecords: number;
  readonly records: number;
}

const startAfter = (sequenceNumber: string | undefined): ShardStart =>
  sequenceNumber === undefined ? { type: 'TRIM_HORIZON' } : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber };

/**
 * The live views' lag, light enough to sample every second or two: one follower per shard (not per
 * subscription) reads only what arrived since its last read, and every subscription's lag on that shard
 * is counted from the follower's window against its checkpoint. Shard lists are cached. Per sample
 * that is one shard read per open shard plus one checkpoint query per subscription and one parked
 * count per service, `concurrency` at a time, where `collectStatus` reads every shard once per
 * subscription, one call after another. Same numbers as `collectStatus` (`Status`), without sessions
 * detail beyond their names; `spine status` stays the full, on-demand read.
 */
export class LagTracker {
  private readonly followers = new Map<string, Follower>();
  private shardLists = new Map<string, ShardInfo[]>();
  private listedAt = Number.NEGATIVE_INFINITY;
  private relist = false;
  private sampled = false;
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
    const shardKeys = [...this.shardLists].flatMap(([topic, list]) => list.map((info) => ({ topic, info })));
    await mapLimit(shardKeys, this.concurrency, async ({ topic, info }) => {
      const lives = subs.flatMap((s, i) =>
        s.subscription.topic === topic ? [positions[i]?.live.get(info.shardId)] : [],
      );
      const follower = this.follower(topic, info, lives);
      if (follower.ended) return;
      const read = await this.readNew(follower, topic, info);
      cost.getShardIterator += read.getShardIterator;
      cost.getRecords += read.getRecords;
      arrived[topic] = (arrived[topic] ?? 0) + read.records;
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
    const first = !this.sampled;
    this.sampled = true;
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
    const made: Follower = { window: new ShardWindow(info.shardId, base, this.limit), ended: false };
    this.followers.set(id, made);
    return made;
  }

  /** Reads what arrived after what the follower saw: up to `pagesPerSample` pages. */
  private async readNew(follower: Follower, topic: string, info: ShardInfo): Promise<ReadCost> {
    const read = this.deps.reader.page
      ? await this.readPages(follower, topic, info.shardId)
      : await this.readGenerator(follower, topic, info.shardId);
    follower.window.atTip = read.atTip;
    if (read.atTip && (info.endingSequenceNumber !== undefined || read.closed)) {
      follower.ended = info.endingSequenceNumber !== undefined;
      this.relist = true;
    }
    return read;
  }

  /** With `LogReader.page`: the follower keeps its shard iterator, so a read is one GetRecords call. */
  private async readPages(follower: Follower, topic: string, shardId: string) {
    const cost = { getShardIterator: 0, getRecords: 0, records: 0, atTip: false, closed: false };
    const budget = this.options.pagesPerSample ?? 2;
    for (let pages = 0; pages < budget && !cost.atTip; pages++) {
      const resume = follower.next;
      if (!resume) cost.getShardIterator += 1;
      cost.getRecords += 1;
      const page = await this.deps.reader
        .page?.(topic, shardId, resume ? { next: resume } : startAfter(follower.window.resumeAfter))
        .catch((error: unknown) => {
          // An iterator expires after 5 minutes unwatched (or with the emulator): start again after
          // the last record seen. A read from a position that fails is a failed sample.
          if (!resume) throw error;
          return undefined;
        });
      follower.next = page?.next;
      if (!page) continue;
      follower.window.append(page.records);
      cost.records += page.records.length;
      cost.atTip = page.atTip;
      cost.closed = page.atTip && page.next === undefined;
    }
    return cost;
  }

  /** Without `LogReader.page`: a `read` from after the last record seen, to the tip or the budget. */
  private async readGenerator(follower: Follower, topic: string, shardId: string) {
    const budget = this.options.pagesPerSample ?? 2;
    const cost = { getShardIterator: 1, getRecords: 0, records: 0, atTip: true, closed: false };
    for await (const page of this.deps.reader.read(topic, shardId, startAfter(follower.window.resumeAfter))) {
      follower.window.append(page);
      cost.getRecords += 1;
      cost.records += page.length;
      // One page past the budget: only a read that comes back empty shows the tip was reached.
      if (cost.getRecords > budget) {
        cost.atTip = false;
        break;
      }
    }
    // Reaching the tip takes one more GetRecords call, the one that comes back empty.
    if (cost.atTip) cost.getRecords += 1;
    return cost;
  }
}
