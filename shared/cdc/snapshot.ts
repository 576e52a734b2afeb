import { randomUUID } from 'node:crypto';
import type { Catalog, CdcSourceSpec } from '../catalog';
import type { SchemaRegistry } from '../schemas';
import { type Change, snapshotChange } from './change';
import {
  isChangeReadError,
  isSnapshotStoppedError,
  SnapshotStoppedError,
  StreamChangedError,
} from './errors';
import { captureEvent } from './events';
import { parkedChange, parkedTooLarge, parkedUnreadable } from './park';
import { PENDING_EVENT_MAX_BYTES, pendingEventBytes } from './pending-items';
import type { CapturePublisher } from './publish';
import type { ScanSegment } from './scan';
import type { CdcStore, ParkedChange, PendingCapture, SnapshotMarker } from './store';

export interface SnapshotDeps {
  readonly catalog: Catalog;
  readonly schemas: SchemaRegistry;
  readonly source: CdcSourceSpec;
  readonly store: CdcStore;
  readonly publisher: CapturePublisher;
  readonly scan: ScanSegment;
  /** The table's stream: it must exist before the snapshot starts (its records are the position). */
  readonly streamArn: string;
  /** Items per scan page. @default 100 */
  readonly pageSize?: number;
  /**
   * The least a runner's lease lasts from each renewal (every page, and before each page's pending
   * write); with `endsBy` it lasts at least until then. @default 60_000
   */
  readonly leaseMs?: number;
  readonly now?: () => number;
  /** Test seam: runs after a page is published, before its markers and progress are saved. */
  readonly afterPublish?: (segment: number) => Promise<void> | void;
  readonly log?: (message: string, fields: Record<string, unknown>) => void;
}

export interface SnapshotOutcome {
  /** `done`: finished (now or before); `busy`: another runner holds the lease; `deadline`: time ran out. */
  readonly status: 'done' | 'busy' | 'deadline';
  readonly published: number;
  /** Events a dead runner left unconfirmed, published again marked. */
  readonly republished: number;
  readonly parked: number;
}

/**
 * Runs (or resumes) the source's snapshot until it is finished or `deadline` (epoch ms) passes: a
 * parallel scan, one worker per segment. Each page goes through two phases, so a runner that dies at
 * any point neither loses nor doubles an item's snapshot event:
 * 1. the page's new captures are written as pending (with the event) before the publish;
 * 2. after Kinesis acknowledged them, each item's marker (version published) is written and the
 *    pending captures dropped; then the segment's progress is saved.
 * A worker first finishes what a dead runner left pending in its segment: it publishes those stored
 * events again, marked (`spineresent` = when the first attempt started), so consumers drop the copy
 * if the first landed, and it does not matter whether the item changed or went since. A page read
 * again skips items that have a marker: their snapshot event is in the topic, and the stream has every
 * later change (the stream side skips changes at or below the marker, `coveredBySnapshot`).
 */
export const runSnapshot = async (
  deps: SnapshotDeps,
  deadline: number,
  /**
   * Epoch ms by which this invocation has ended for sure (Lambda: its own deadline, past `deadline`'s
   * margin). The lease lasts until then, so a slow page (throttled writes, PutRecords retries) cannot
   * outlive it while another runner takes the segment; a dead runner's segments wait until then.
   */
  endsBy?: number,
): Promise<SnapshotOutcome> => {
  const now = deps.now ?? Date.now;
  const leaseMs = deps.leaseMs ?? 60_000;
  const pageSize = deps.pageSize ?? 100;
  const segments = deps.source.snapshotSegments ?? 4;
  const counts = { published: 0, republished: 0, parked: 0 };
  const header = await deps.store.beginSnapshot({ startedAt: now(), streamArn: deps.streamArn, segments });
  if (header.streamArn !== deps.streamArn)
    throw new StreamChangedError(deps.source.name, header.streamArn, deps.streamArn);
  if (header.finishedAt !== undefined) return { status: 'done', ...counts };
  const token = randomUUID();
  const leaseUntil = () => Math.max(now() + leaseMs, endsBy ?? 0);
  if (!(await deps.store.claimSnapshot(token, leaseUntil(), now()))) return { status: 'busy', ...counts };

  const confirm = async (segment: number, captures: readonly PendingCapture[], others: readonly Change[]) => {
    const markers = new Map<string, SnapshotMarker>();
    for (const c of others) markers.set(c.keyString, { version: c.version, at: now() });
    for (const c of captures) markers.set(c.key, { version: c.version, at: c.at });
    await deps.store.confirm(
      segment,
      markers,
      captures.map((c) => c.key),
    );
  };

  let lost = false;
  // Every worker checks this before each step. One failing worker (or a lost lease) ends the run; the
  // others stop at their next step instead of running on. A worker left running after the handler
  // returned would be frozen with the environment and thawed by a later invocation, minutes on, after
  // the lease passed to another runner: it would publish stale pages or overwrite newer progress.
  let stop = false;
  const step = async <T>(action: () => Promise<T> | T): Promise<T> => {
    if (stop) throw new SnapshotStoppedError(deps.source.name);
    return action();
  };
  /** Renews the lease; false (and the run stops) when another runner holds it. */
  const holdLease = async (): Promise<boolean> => {
    if (await step(() => deps.store.claimSnapshot(token, leaseUntil(), now()))) return true;
    lost = true;
    stop = true;
    return false;
  };
  const worker = async (segment: number): Promise<void> => {
    const unsure = await step(() => deps.store.pending(segment));
    if (unsure.length > 0) {
      const since = Math.min(...unsure.map((c) => c.at));
      await step(() =>
        deps.publisher.publish(
          unsure.map((c) => c.envelope),
          since,
          deadline,
        ),
      );
      await step(() => confirm(segment, unsure, []));
      counts.republished += unsure.length;
    }
    let progress = await step(() => deps.store.segment(segment));
    while (!progress.done && now() < deadline) {
      if (!(await holdLease())) return;
      const page = await step(() =>
        deps.scan({
          segment,
          totalSegments: header.segments,
          limit: pageSize,
          ...(progress.next !== undefined && { next: progress.next }),
        }),
      );
      const readAt = now();
      const parked: ParkedChange[] = [];
      const changes: Change[] = [];
      for (const item of page.items) {
        try {
          const change = snapshotChange(deps.source, item, readAt);
          if (change) changes.push(change);
        } catch (error) {
          if (!isChangeReadError(error)) throw error;
          parked.push(
            parkedUnreadable(
              { image: item },
              { shardId: 'snapshot', at: readAt },
              deps.source.types.insert,
              error,
            ),
          );
        }
      }
      const markers = await step(() => deps.store.markers(changes.map((c) => c.keyString)));
      const captures: PendingCapture[] = [];
      // Items with nothing to publish (unmapped, parked) still get a marker: the stream skips their
      // changes up to the version read, as it does for published ones.
      const others: Change[] = [];
      for (const change of changes) {
        if (markers.has(change.keyString)) continue;
        const event = captureEvent(deps.catalog, deps.schemas, deps.source, change);
        if (event.ok !== true) {
          if (event.ok === false)
            parked.push(parkedChange(change, 'snapshot', `${change.keyString}#${change.version}`, event));
          others.push(change);
          continue;
        }
        const capture = {
          key: change.keyString,
          version: change.version,
          at: readAt,
          envelope: event.envelope,
        };
        const bytes = pendingEventBytes(capture);
        if (bytes <= PENDING_EVENT_MAX_BYTES) captures.push(capture);
        else {
          parked.push(parkedTooLarge(change, event.envelope, bytes));
          others.push(change);
        }
      }
      await step(() => deps.store.park(parked));
      // The scan and marker reads may have been slow: the page is only ours if the lease still is.
      if (!(await holdLease())) return;
      await step(() => deps.store.putPending(segment, captures));
      await step(() =>
        deps.publisher.publish(
          captures.map((c) => c.envelope),
          undefined,
          deadline,
        ),
      );
      await deps.afterPublish?.(segment);
      await step(() => confirm(segment, captures, others));
      progress = {
        done: page.next === undefined,
        pages: progress.pages + 1,
        items: progress.items + page.items.length,
        ...(page.next !== undefined && { next: page.next }),
      };
      await step(() => deps.store.saveSegment(segment, progress));
      counts.published += captures.length;
      counts.parked += parked.length;
    }
  };
  const settled = await Promise.allSettled(
    Array.from({ length: header.segments }, (_, n) =>
      worker(n).catch((error: unknown) => {
        stop = true;
        throw error;
      }),
    ),
  );
  // Rethrown only once every worker has stopped: the first real failure, not the stops it caused.
  for (const result of settled)
    if (result.status === 'rejected' && !isSnapshotStoppedError(result.reason)) throw result.reason;
  if (lost) return { status: 'busy', ...counts };
  for (let n = 0; n < header.segments; n++)
    if (!(await deps.store.segment(n)).done) return { status: 'deadline', ...counts };
  await deps.store.finishSnapshot(now());
  deps.log?.('snapshot finished', { source: deps.source.name, ...counts });
  return { status: 'done', ...counts };
};
