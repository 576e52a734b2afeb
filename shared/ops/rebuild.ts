import { serviceByName } from '../catalog';
import { OpsError } from './errors';
import { endOf, type ShardRange, scanRange, startOf } from './range';
import type {
  ReplayDeps,
  ReplayHooks,
  ReplayOutcome,
  ReplayPlan,
  ReplayRequest,
  ShardPlan,
} from './replay-types';
import { newScope, splitShardId } from './scope';
import { deliverRanges, finishSession, positionFrom, REPLAY_SESSION } from './session';
import { type Session, sessionSchema } from './store';

/**
 * Rebuild: recompute the state of every key seen in `[from, to]` after a handler bug fix.
 *
 * Key -> items contract: a service whose state may be rebuilt keeps each key's state in items whose
 * `pk` is the event key (the record's partition key), in the tables named by `--tables` (default: all
 * of the service's tables), and nothing else writes those items (no other topic, no cross-key writes).
 *
 * Steps, each resumable from the session record:
 * 1. keys = the partition keys of the records in `[from, to]`;
 * 2. pause live delivery and wait until no live batch is in flight; U[shard] = the live checkpoint;
 *    P = the events parked in the live scope (never applied live);
 * 3. delete the items of those keys;
 * 4. deliver, in a fresh session scope, every record of those keys from the start of retention up to
 *    U[shard], except P, in order;
 * 5. resume live delivery; it continues after U, where the live checkpoint still stands.
 *
 * Guarantee: afterwards each rebuilt key's state is the fixed handler's fold of exactly the events the
 * live path had applied (all events of the key up to U, minus parked ones), each applied once: the
 * session scope dedupes a crash or Ctrl-C, and live delivery resumes after U, so nothing is counted
 * twice. Holds if the key's whole history is still within the topic's retention (events trimmed out
 * are lost from the rebuilt state) and the contract above holds. Emitted events are emitted again with
 * the same deterministic ids; downstream dedupe by id decides whether they count.
 */
export const runRebuild = async (
  request: ReplayRequest,
  deps: ReplayDeps,
  hooks: ReplayHooks,
  open: Session | undefined,
): Promise<ReplayOutcome> => {
  const spec = serviceByName(deps.catalog, request.service);
  const tables = open?.tables.length
    ? open.tables
    : [...(request.tables ?? spec?.tables.map((t) => t.name) ?? [])];
  const unknown = tables.filter((t) => !spec?.tables.some((s) => s.name === t));
  if (unknown.length > 0 || tables.length === 0)
    throw new OpsError(
      'NOT_CONFIGURED',
      `rebuild needs state tables of ${request.service}; unknown or none: ${unknown.join(', ') || '(none)'}`,
    );
  const from = open?.from ? positionFrom(open.from) : request.from;
  const to = open?.to ? positionFrom(open.to) : request.to;
  const shards = await deps.reader.shards(request.topic);

  const keys = new Set<string>();
  for (const { shardId } of shards) {
    const range: ShardRange = { shardId, start: startOf(from, undefined), end: endOf(to, undefined) };
    for (const key of (await scanRange(deps.reader, request.topic, range, { keys: true })).keys)
      keys.add(key);
  }

  if (!request.dryRun && !open) await deps.control.pause(request.service, request.topic);
  const scope = open?.scope ?? newScope('rebuild', deps.now?.());
  const checkpoints = await deps.store.checkpoints(request.service, request.topic);
  const ends: Record<string, string> = open
    ? open.ends
    : Object.fromEntries(
        checkpoints.flatMap((c) => (!c.scope && c.sequenceNumber ? [[c.shardId, c.sequenceNumber]] : [])),
      );
  const parked = new Set(
    open
      ? open.parked
      : (await deps.store.parked(request.service, request.topic)).flatMap((p) => {
          const { shardId, scope: parkedScope } = splitShardId(p.shardId);
          return parkedScope ? [] : [`${shardId}#${p.sequenceNumber}`];
        }),
  );
  const done = new Map(
    checkpoints.filter((c) => c.scope === scope).map((c) => [c.shardId, c.sequenceNumber]),
  );

  const ranges: ShardRange[] = [];
  const plans: ShardPlan[] = [];
  for (const { shardId } of shards) {
    const end = ends[shardId];
    if (!end) continue;
    const resumeAfter = done.get(shardId);
    const range: ShardRange = {
      shardId,
      start: resumeAfter
        ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: resumeAfter }
        : { type: 'TRIM_HORIZON' },
      end: { sequenceNumber: end },
      filter: (r) => keys.has(r.partitionKey) && !parked.has(`${shardId}#${r.sequenceNumber}`),
    };
    ranges.push(range);
    const count = (await scanRange(deps.reader, request.topic, range)).count;
    plans.push({ shardId, start: resumeAfter ? `after ${resumeAfter}` : 'start', end, records: count });
  }
  const plan: ReplayPlan = {
    service: request.service,
    topic: request.topic,
    mode: 'rebuild',
    scope,
    resumed: !!open,
    shards: plans,
    keys: keys.size,
    tables,
    parkedExcluded: parked.size,
  };
  hooks.onPlan?.(plan);
  if (request.dryRun) return { plan, delivered: 0, interrupted: false, leftPaused: false, dryRun: true };

  let session: Session =
    open ??
    sessionSchema.parse({
      kind: 'rebuild',
      scope,
      startedAt: deps.now?.() ?? Date.now(),
      phase: 'delete',
      from: JSON.stringify(from),
      ...(to && { to: JSON.stringify(to) }),
      ends,
      parked: [...parked],
      tables,
    });
  if (!open) await deps.store.putSession(request.service, request.topic, REPLAY_SESSION, session);
  if (session.phase === 'delete') {
    for (const table of tables)
      await deps.store.deleteItems(deps.stateTable(request.service, table), [...keys]);
    session = { ...session, phase: 'replay' };
    await deps.store.putSession(request.service, request.topic, REPLAY_SESSION, session);
  }
  const total = plans.reduce((n, p) => n + p.records, 0);
  const run = await deliverRanges(deps, { ...request, emits: 'suppress' }, ranges, scope, total, hooks);
  if (run.interrupted) return { plan, ...run, leftPaused: true, dryRun: false };
  await deps.control.resume(request.service, request.topic);
  await finishSession(deps, request, scope);
  return { plan, ...run, leftPaused: false, dryRun: false };
};
