import { compareSequence } from '../consumer';
import { OpsError } from './errors';
import { describePosition } from './position';
import { endOf, type ShardRange, scanRange, startOf } from './range';
import { runRebuild } from './rebuild';
import type {
  ReplayDeps,
  ReplayHooks,
  ReplayOutcome,
  ReplayPlan,
  ReplayRequest,
  ShardPlan,
} from './replay-types';
import { newScope } from './scope';
import { deliverRanges, finishSession, positionFrom, REPLAY_SESSION, subscriptionOf } from './session';
import { type Session, sessionSchema } from './store';

const liveReplay = async (
  request: ReplayRequest,
  deps: ReplayDeps,
  hooks: ReplayHooks,
): Promise<ReplayOutcome> => {
  if (request.to && request.to.kind !== 'latest')
    throw new OpsError(
      'INVALID_POSITION',
      'mode live replays up to the tip: drop --to, or use --mode rebuild or session',
    );
  const shards = await deps.reader.shards(request.topic);
  const live = new Map(
    (await deps.store.checkpoints(request.service, request.topic))
      .filter((c) => !c.scope)
      .map((c) => [c.shardId, c.sequenceNumber]),
  );
  const ranges: ShardRange[] = shards.map((s) => ({
    shardId: s.shardId,
    start: startOf(request.from, live.get(s.shardId)),
  }));
  const plans: ShardPlan[] = [];
  for (const range of ranges) {
    const checkpoint = live.get(range.shardId);
    const scan = await scanRange(deps.reader, request.topic, range);
    const applied = checkpoint
      ? await scanRange(deps.reader, request.topic, { ...range, end: { sequenceNumber: checkpoint } })
      : undefined;
    plans.push({
      shardId: range.shardId,
      start: describePosition(request.from),
      ...(scan.last && { end: scan.last.sequenceNumber }),
      records: scan.count,
      alreadyApplied: applied?.count ?? 0,
    });
  }
  const plan: ReplayPlan = {
    service: request.service,
    topic: request.topic,
    mode: 'live',
    resumed: false,
    shards: plans,
  };
  hooks.onPlan?.(plan);
  if (request.dryRun) return { plan, delivered: 0, interrupted: false, leftPaused: false, dryRun: true };
  await deps.control.pause(request.service, request.topic);
  const total = plans.reduce((n, p) => n + p.records, 0);
  const run = await deliverRanges(deps, request, ranges, undefined, total, hooks);
  if (!run.interrupted) await deps.control.resume(request.service, request.topic);
  return { plan, ...run, leftPaused: run.interrupted, dryRun: false };
};

const sessionReplay = async (
  request: ReplayRequest,
  deps: ReplayDeps,
  hooks: ReplayHooks,
  open: Session | undefined,
): Promise<ReplayOutcome> => {
  const from = open?.from ? positionFrom(open.from) : request.from;
  const to = open?.to ? positionFrom(open.to) : request.to;
  const scope = open?.scope ?? newScope('replay', deps.now?.());
  const shards = await deps.reader.shards(request.topic);
  const scoped = new Map(
    (await deps.store.checkpoints(request.service, request.topic))
      .filter((c) => c.scope === scope)
      .map((c) => [c.shardId, c.sequenceNumber]),
  );
  const ends: Record<string, string> = { ...open?.ends };
  const plans: ShardPlan[] = [];
  const ranges: ShardRange[] = [];
  for (const { shardId } of shards) {
    const full: ShardRange = { shardId, start: startOf(from, undefined), end: endOf(to, undefined) };
    if (!open) {
      const last = (await scanRange(deps.reader, request.topic, full)).last;
      if (last) ends[shardId] = last.sequenceNumber;
    }
    const end = ends[shardId];
    if (!end) continue;
    const done = scoped.get(shardId);
    const range: ShardRange = {
      ...full,
      ...(done && { start: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: done } }),
      end: { sequenceNumber: end },
    };
    const count =
      done && compareSequence(done, end) >= 0
        ? 0
        : (await scanRange(deps.reader, request.topic, range)).count;
    ranges.push(range);
    plans.push({ shardId, start: done ? `after ${done}` : describePosition(from), end, records: count });
  }
  const plan: ReplayPlan = {
    service: request.service,
    topic: request.topic,
    mode: 'session',
    scope,
    resumed: !!open,
    shards: plans,
  };
  hooks.onPlan?.(plan);
  if (request.dryRun) return { plan, delivered: 0, interrupted: false, leftPaused: false, dryRun: true };
  if (!open)
    await deps.store.putSession(
      request.service,
      request.topic,
      REPLAY_SESSION,
      sessionSchema.parse({
        kind: 'session',
        scope,
        startedAt: deps.now?.() ?? Date.now(),
        phase: 'replay',
        from: JSON.stringify(from),
        ...(to && { to: JSON.stringify(to) }),
        ends,
      }),
    );
  const run = await deliverRanges(
    deps,
    { ...request, emits: request.emits ?? 'suppress' },
    ranges,
    scope,
    plans.reduce((n, p) => n + p.records, 0),
    hooks,
  );
  if (!run.interrupted) await finishSession(deps, request, scope);
  return { plan, ...run, leftPaused: false, dryRun: false };
};

/**
 * Replays a range of a topic to one service, in order per shard, through the service's own consumer
 * (the same runtime, the same exactly-once commits). Resumable: an interrupted `session` or `rebuild`
 * run leaves a session record, and rerunning resumes it; a `live` run resumes from the live checkpoint.
 */
export const runReplay = async (
  request: ReplayRequest,
  deps: ReplayDeps,
  hooks: ReplayHooks = {},
): Promise<ReplayOutcome> => {
  subscriptionOf(deps, request.service, request.topic);
  let open = await deps.store.getSession(request.service, request.topic, REPLAY_SESSION);
  if (open && request.abandon && !request.dryRun) {
    await finishSession(deps, request, open.scope);
    open = undefined;
  }
  if (open && open.kind !== request.mode)
    throw new OpsError(
      'SESSION_CONFLICT',
      `an unfinished ${open.kind} replay (${open.scope}) of ${request.service}<-${request.topic} exists: rerun it with --mode ${open.kind} to finish it, or pass --abandon`,
    );
  if (request.mode === 'live') return liveReplay(request, deps, hooks);
  if (request.mode === 'session') return sessionReplay(request, deps, hooks, open);
  return runRebuild(request, deps, hooks, open);
};
