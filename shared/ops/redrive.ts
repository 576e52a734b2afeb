import type { Catalog } from '../catalog';
import { compareSequence } from '../consumer';
import { parkedSk } from '../layout';
import type { Delivery } from './deliver';
import type { LogReader } from './log-reader';
import { toKinesisRecord } from './records';
import { mayBeAppliedError } from './redrive-guard';
import { newScope, scopedShardId, splitShardId } from './scope';
import type { OpsStore, ParkedItem } from './store';

export const REDRIVE_SESSION = 'redrive';

export interface RedriveRequest {
  readonly service: string;
  readonly topic?: string;
  /** Only these parked events (sequence numbers); default all of the service (or topic). */
  readonly sequenceNumbers?: readonly string[];
  readonly dryRun?: boolean;
  /** Redrive events parked `mayBeApplied` too (the operator checked their effect is not in the state). */
  readonly force?: boolean;
}

export interface RedriveDeps {
  readonly catalog: Catalog;
  readonly store: OpsStore;
  readonly delivery: Delivery;
  readonly reader: Pick<LogReader, 'streamArn'>;
  readonly region: string;
  readonly now?: () => number;
}

export interface RedriveItemResult {
  readonly topic: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly key: string;
  readonly eventType?: string;
  readonly outcome: 'redriven' | 'failed' | 'skipped' | 'planned';
  readonly reason?: string;
  /** Parked `mayBeApplied`: its effect may be in the state already (a dry run plans it anyway). */
  readonly mayBeApplied?: boolean;
}

export interface RedriveOutcome {
  readonly session: string;
  readonly resumed: boolean;
  readonly results: readonly RedriveItemResult[];
}

const order = (a: ParkedItem, b: ParkedItem) =>
  a.topic.localeCompare(b.topic) ||
  splitShardId(a.shardId).shardId.localeCompare(splitShardId(b.shardId).shardId) ||
  compareSequence(a.sequenceNumber, b.sequenceNumber);

/** Refuses, before anything changes, events parked `mayBeApplied` unless `force` or a dry run. */
const refuseMayBeApplied = (request: RedriveRequest, items: readonly ParkedItem[]) => {
  const risky = items.filter((p) => p.mayBeApplied === true);
  if (request.force || request.dryRun || risky.length === 0) return;
  throw mayBeAppliedError([{ service: request.service, items: risky }]);
};

/**
 * Re-delivers parked events through the service's own consumer, in sequence order per shard (so in
 * original order per key), one event per invocation, in a redrive session scope:
 * - applied: the state change and the session checkpoint commit in one transaction; then the parked
 *   item is deleted. A crash in between is harmless: rerunning resumes the open session, whose
 *   checkpoint makes the runtime skip the event, and the item is deleted then. Exactly once.
 * - failed again: the item stays, marked `redriveFailedIn` with the new error, and later parked events
 *   of the same key are skipped in this run so their order is kept. The next run starts a new session
 *   and tries again.
 * Parked events are applied after events of their key that the live path applied meanwhile: that is
 * what parking means, and the handler must accept it.
 */
export const runRedrive = async (request: RedriveRequest, deps: RedriveDeps): Promise<RedriveOutcome> => {
  const open = request.dryRun
    ? undefined
    : await deps.store.getSession(request.service, undefined, REDRIVE_SESSION);
  const scope = open?.scope ?? newScope('redrive', deps.now?.());
  const all = await deps.store.parked(request.service, request.topic);
  // Items this session re-parked (maxAttempts reached inside it) are evidence, not work.
  const reparked = new Map(
    all
      .filter((p) => splitShardId(p.shardId).scope === scope)
      .map((p) => [parkedSk(p.topic, splitShardId(p.shardId).shardId, p.sequenceNumber), p]),
  );
  const wanted = request.sequenceNumbers && new Set(request.sequenceNumbers);
  const items = all
    .filter((p) => splitShardId(p.shardId).scope !== scope && (!wanted || wanted.has(p.sequenceNumber)))
    .sort(order);
  refuseMayBeApplied(request, items);
  if (!request.dryRun && !open && items.length > 0)
    await deps.store.putSession(request.service, undefined, REDRIVE_SESSION, {
      kind: 'redrive',
      scope,
      startedAt: deps.now?.() ?? Date.now(),
      phase: 'redrive',
      ends: {},
      parked: [],
      tables: [],
    });
  const blocked = new Set(
    items.filter((p) => p.redriveFailedIn === scope).map((p) => `${p.topic}#${p.partitionKey}`),
  );
  const results: RedriveItemResult[] = [];
  const arns = new Map<string, string>();
  for (const item of items) {
    const base = splitShardId(item.shardId).shardId;
    const keyId = `${item.topic}#${item.partitionKey}`;
    const result = (outcome: RedriveItemResult['outcome'], reason?: string) =>
      results.push({
        topic: item.topic,
        shardId: base,
        sequenceNumber: item.sequenceNumber,
        key: item.partitionKey,
        ...(item.eventType && { eventType: item.eventType }),
        outcome,
        ...(item.mayBeApplied === true && { mayBeApplied: true }),
        ...(reason && { reason }),
      });
    if (item.redriveFailedIn === scope) {
      result('failed', item.error);
      continue;
    }
    if (blocked.has(keyId)) {
      result('skipped', 'an earlier parked event of this key failed again');
      continue;
    }
    if (request.dryRun) {
      result('planned');
      continue;
    }
    const streamArn = arns.get(item.topic) ?? (await deps.reader.streamArn(item.topic));
    arns.set(item.topic, streamArn);
    const record = toKinesisRecord(
      {
        shardId: base,
        sequenceNumber: item.sequenceNumber,
        partitionKey: item.partitionKey,
        data: item.data,
        arrivedAt: item.arrivedAt,
      },
      { streamArn, region: deps.region, scope },
    );
    const response = await deps.delivery.deliver(request.service, item.topic, [record]);
    const failedNow = (response?.batchItemFailures ?? []).length > 0;
    const repark =
      reparked.get(parkedSk(item.topic, base, item.sequenceNumber)) ??
      (await deps.store.getParked(
        request.service,
        parkedSk(item.topic, scopedShardId(base, scope), item.sequenceNumber),
      ));
    if (failedNow || repark) {
      const failure = failedNow
        ? (await deps.store.checkpoints(request.service, item.topic)).find(
            (c) => c.shardId === base && c.scope === scope,
          )?.failure?.error
        : repark?.error;
      // Mark first, then drop the re-park: a crash in between still shows the failure on resume.
      await deps.store.markRedriveFailed(item, scope, failure ?? 'failed again');
      if (repark) await deps.store.deleteParked(repark);
      blocked.add(keyId);
      result('failed', failure ?? 'failed again');
      continue;
    }
    await deps.store.deleteParked(item);
    result('redriven');
  }
  if (!request.dryRun) {
    for (const topic of new Set(items.map((i) => i.topic)))
      for (const c of await deps.store.checkpoints(request.service, topic))
        if (c.scope === scope)
          await deps.store.deleteCheckpoint(request.service, topic, scopedShardId(c.shardId, scope));
    await deps.store.deleteSession(request.service, undefined, REDRIVE_SESSION);
  }
  return { session: scope, resumed: !!open, results };
};
