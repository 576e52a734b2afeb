/**
 * The JSON the console server sends and the page reads. Types only: the page bundle imports this file
 * with `import type`, so nothing of the server reaches the browser.
 */

export interface ShardLagView {
  readonly shardId: string;
  readonly events: number;
  readonly capped: boolean;
  readonly lagMs: number;
  readonly checkpoint?: string;
  readonly checkpointArrivedAt?: number;
  readonly lastError?: { sequenceNumber: string; attempts: number; error: string };
}

export interface SubscriptionView {
  readonly service: string;
  readonly topic: string;
  readonly paused?: boolean;
  readonly checkpoints: 'shard' | 'key';
  readonly shards: readonly ShardLagView[];
  /** Sum of `events` over the shards. */
  readonly lag: number;
}

export interface TopicView {
  readonly name: string;
  readonly description?: string;
  /** Open shards (closed parents of a reshard are left out). */
  readonly shards: number;
  readonly capacity: 'on-demand' | number;
  readonly retentionHours: number;
  /** Records per second over the last sample window, or undefined before the second sample. */
  readonly eventsPerSecond?: number;
}

/** One sample of the live view, pushed on `/api/live` (event `sample`). */
export interface LiveSample {
  readonly at: number;
  readonly target: string;
  readonly topics: readonly TopicView[];
  readonly subscriptions: readonly SubscriptionView[];
  readonly parked: Readonly<Record<string, number>>;
  /** Total lag per subscription (`service<-topic`) over the kept samples, oldest first. */
  readonly sparklines: Readonly<Record<string, readonly number[]>>;
  /** What this sample cost in calls. */
  readonly cost: {
    readonly listShards: number;
    readonly getShardIterator: number;
    readonly getRecords: number;
    readonly checkpointQueries: number;
    readonly parkedQueries: number;
  };
}

/** Lag per shard over time for one subscription: `at` and one series per shard, the same length. */
export interface LagHistoryView {
  readonly at: readonly number[];
  readonly shards: Readonly<Record<string, readonly (number | null)[]>>;
}

export interface DecodedEvent {
  readonly topic: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly arrivedAt: number;
  /** The CloudEvents envelope as stored, when it decodes. */
  readonly envelope?: {
    readonly id: string;
    readonly source: string;
    readonly type: string;
    readonly time: string;
    readonly dataversion: number;
    readonly partitionkey: string;
    readonly correlationid?: string;
    readonly causationid?: string;
    readonly subject?: string;
    readonly extensions?: Readonly<Record<string, string | number | boolean>>;
    readonly data: unknown;
  };
  /** Why the record does not decode (its raw bytes are then in `raw`). */
  readonly undecodable?: string;
  readonly raw?: string;
}

export interface EventSearchView {
  readonly events: readonly DecodedEvent[];
  /** Records read to answer; the search stops at `limit` and says so. */
  readonly scanned: number;
  readonly capped: boolean;
}

export interface ParkedSummary {
  readonly service: string;
  readonly topic: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly key: string;
  readonly eventType?: string;
  readonly attempts: number;
  readonly parkedAt?: string;
  readonly error: string;
  readonly redriveFailedIn?: string;
  /**
   * Parked although an earlier invocation may have applied it alone: a redrive would apply it again,
   * so the console's redrive is refused (409) and the CLI's needs `--force` after a check of the state.
   */
  readonly mayBeApplied?: boolean;
}

export interface ParkedDetail extends ParkedSummary {
  readonly event: DecodedEvent;
}

export interface CatalogTypeView {
  readonly type: string;
  readonly topic: string;
  readonly keyField: string;
  readonly compatibility: string;
  readonly tombstone: boolean;
  readonly versions: readonly { version: number; schema: unknown }[];
  readonly writer: string;
  /** Services subscribed to the type's topic. */
  readonly readers: readonly string[];
}

export interface CatalogView {
  readonly topics: readonly { name: string; description?: string }[];
  readonly types: readonly CatalogTypeView[];
  readonly services: readonly { name: string; description?: string; topics: readonly string[] }[];
  readonly producers: readonly { name: string; description?: string }[];
}

/** The body of every 4xx/5xx answer. */
export interface ErrorBody {
  readonly error: string;
  readonly code: string;
}
