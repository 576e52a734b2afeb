import type { Catalog } from '../catalog';
import type { LiveControl } from './control';
import type { Delivery } from './deliver';
import type { LogReader } from './log-reader';
import type { LogPosition } from './position';
import type { OpsStore } from './store';

/**
 * - `live`: pause live delivery, re-deliver in the live scope from `--from` to the tip, resume. The
 *   live checkpoint dedupes: events at or below it are skipped, the rest applied once, in order.
 *   Use cases: backfill a new service; re-apply what a PITR restore lost.
 * - `rebuild`: recompute the keys seen in the range from the start of retention, exactly once each
 *   (see `rebuild.ts` for the contract and the guarantee). Use case: a bug fix.
 * - `session`: re-deliver the range in a fresh session scope, without pausing or deleting anything.
 *   Each event applies once per session, NOT deduped against live delivery: only for handlers whose
 *   writes are idempotent or go to a new table.
 */
export type ReplayMode = 'live' | 'rebuild' | 'session';

export interface ReplayRequest {
  readonly service: string;
  readonly topic: string;
  readonly mode: ReplayMode;
  readonly from: LogPosition;
  readonly to?: LogPosition;
  readonly dryRun?: boolean;
  /** rebuild: the state tables whose items (`pk` = event key) are recomputed. @default every table of the service */
  readonly tables?: readonly string[];
  /** Drop an unfinished session of this subscription instead of resuming it. */
  readonly abandon?: boolean;
  /**
   * Whether re-applied events publish what they emit. `rebuild` always suppresses (the emits are in
   * the log already); `session` defaults to suppress; `live` defaults to publish, which a backfill of
   * a new service wants, while a replay after a PITR restore wants `suppress`. @default see above
   */
  readonly emits?: 'publish' | 'suppress';
}

export interface ReplayDeps {
  readonly catalog: Catalog;
  readonly reader: LogReader;
  readonly store: OpsStore;
  readonly delivery: Delivery;
  readonly control: LiveControl;
  /** Physical name of a service's state table. */
  readonly stateTable: (service: string, table: string) => string;
  readonly region: string;
  readonly now?: () => number;
}

export interface ShardPlan {
  readonly shardId: string;
  readonly start: string;
  readonly end?: string;
  /** Records the session delivers on this shard. */
  readonly records: number;
  /** live: records at or below the live checkpoint (the runtime skips them). */
  readonly alreadyApplied?: number;
}

export interface ReplayPlan {
  readonly service: string;
  readonly topic: string;
  readonly mode: ReplayMode;
  readonly scope?: string;
  readonly resumed: boolean;
  readonly shards: readonly ShardPlan[];
  /** rebuild: keys recomputed, tables touched, items deleted (at most keys x tables). */
  readonly keys?: number;
  readonly tables?: readonly string[];
  readonly parkedExcluded?: number;
}

export interface ReplayOutcome {
  readonly plan: ReplayPlan;
  readonly delivered: number;
  /** Stopped by the signal (Ctrl-C); rerunning the same command resumes. */
  readonly interrupted: boolean;
  /** Live delivery was left paused (an interrupted live or rebuild replay). */
  readonly leftPaused: boolean;
  readonly dryRun: boolean;
}

export interface ReplayHooks {
  readonly signal?: AbortSignal;
  readonly onPlan?: (plan: ReplayPlan) => void;
  readonly onProgress?: (done: number, total: number) => void;
}
