import { randomUUID } from 'node:crypto';
import type { Catalog, CdcSourceSpec } from '../catalog';
import type { Envelope } from '../envelope';
import type { SchemaRegistry } from '../schemas';
import { type Change, snapshotChange } from './change';
import { isChangeReadError } from './errors';
import { captureEvent } from './events';
import { parkedChange } from './park';
import type { CapturePublisher } from './publish';
import type { ScanSegment } from './scan';
import type { CdcStore, ParkedChange, SnapshotMarker } from './store';

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
  /** How long a runner's lease lasts; renewed every page. A dead runner's pages wait this long. @default 60_000 */
  readonly leaseMs?: number;
  readonly now?: () => number;
  /** Test seam: runs after a page is published, before its progress is saved (the widest crash window). */
  readonly afterPublish?: (segment: number) => Promise<void> | void;
  readonly log?: (message: string, fields: Record<string, unknown>) => void;
}

export interface SnapshotOutcome {
  /** `done`: finished (now or before); `busy`: another runner holds the lease; `deadline`: time ran out. */
  readonly status: 'done' | 'busy' | 'deadline';
  readonly published: number;
  readonly republished: number;
  readonly parked: number;
}

/**
 * Runs (or resumes) the source's snapshot until it is finished or `deadline` (epoch ms) passes: a
 * parallel scan, one worker per segment, each page published and then its progress saved. Per item a
 * marker records the version published, written BEFORE the publish, so after a crash:
 * - a re-read item at the marker's version is published again marked (`spineresent` = the marker's
 *   time), and consumers drop it if the first copy landed;
 * - a re-read item past the marker's version is not published: the stream has every change after the
 *   first read and publishes those above the marker, so the item's versions stay contiguous.
 * The stream side skips changes at or below an item's marker (`coveredBySnapshot`).
 */
export const runSnapshot = async (deps: SnapshotDeps, deadline: number): Promise<SnapshotOutcome> => {
  const now = deps.now ?? Date.now;
  const leaseMs = deps.leaseMs ?? 60_000;
  const pageSize = deps.pageSize ?? 100;
  const segments = deps.source.snapshotSegments ?? 4;
  const counts = { published: 0, republished: 0, parked: 0 };
  const header = await deps.store.beginSnapshot({ startedAt: now(), streamArn: deps.streamArn, segments });
  if (header.finishedAt !== undefined) return { status: 'done', ...counts };
  const token = randomUUID();
  if (!(await deps.store.claimSnapshot(token, now() + leaseMs, now()))) return { status: 'busy', ...counts };

  let lost = false;
  const worker = async (segment: number): Promise<void> => {
    let progress = await deps.store.segment(segment);
    while (!progress.done && !lost && now() < deadline) {
      if (!(await deps.store.claimSnapshot(token, now() + leaseMs, now()))) {
        lost = true;
        return;
      }
      const page = await deps.scan({
        segment,
        totalSegments: header.segments,
        limit: pageSize,
        ...(progress.next !== undefined && { next: progress.next }),
      });
      const readAt = now();
      const parked: ParkedChange[] = [];
      const changes: Change[] = [];
      for (const item of page.items) {
        try {
          changes.push(snapshotChange(deps.source, item, readAt));
        } catch (error) {
          if (!isChangeReadError(error)) throw error;
          deps.log?.('snapshot item skipped: unreadable', { error: error.message });
        }
      }
      const markers = await deps.store.markers(changes.map((c) => c.keyString));
      const fresh: Envelope[] = [];
      const again: Envelope[] = [];
      const newMarkers = new Map<string, SnapshotMarker>();
      let since = Number.POSITIVE_INFINITY;
      for (const change of changes) {
        const marker = markers.get(change.keyString);
        if (marker && marker.version !== change.version) continue;
        if (!marker) newMarkers.set(change.keyString, { version: change.version, at: readAt });
        const event = captureEvent(deps.catalog, deps.schemas, deps.source, change);
        if (event.ok === 'unmapped') continue;
        if (event.ok === false) {
          parked.push(parkedChange(change, 'snapshot', `${change.keyString}#${change.version}`, event));
          continue;
        }
        if (marker) {
          again.push(event.envelope);
          since = Math.min(since, marker.at);
        } else fresh.push(event.envelope);
      }
      await deps.store.putMarkers(newMarkers);
      await deps.store.park(parked);
      await deps.publisher.publish(fresh);
      if (again.length > 0) await deps.publisher.publish(again, since);
      await deps.afterPublish?.(segment);
      progress = {
        done: page.next === undefined,
        pages: progress.pages + 1,
        items: progress.items + page.items.length,
        ...(page.next !== undefined && { next: page.next }),
      };
      await deps.store.saveSegment(segment, progress);
      counts.published += fresh.length;
      counts.republished += again.length;
      counts.parked += parked.length;
    }
  };
  await Promise.all(Array.from({ length: header.segments }, (_, n) => worker(n)));
  if (lost) return { status: 'busy', ...counts };
  for (let n = 0; n < header.segments; n++)
    if (!(await deps.store.segment(n)).done) return { status: 'deadline', ...counts };
  await deps.store.finishSnapshot(now());
  deps.log?.('snapshot finished', { source: deps.source.name, ...counts });
  return { status: 'done', ...counts };
};
