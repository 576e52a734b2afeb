import { randomUUID } from 'node:crypto';
import { OutboxRecoveryDeferredError } from './errors';
import { type OutboxEntry, outboxPk } from './outbox';
import type { EventPublisher } from './publisher';
import { ancestorsOf, type ShardDirectory } from './shard-parents';
import type { ConsumerStore, ShardPosition } from './store';

/** Default outbox claim lease: the longest consumer timeout Spine sets (local mode's 60 s). */
export const OUTBOX_LEASE_MS = 60_000;

export interface RecoveryDeps {
  readonly store: ConsumerStore;
  readonly publisher: EventPublisher;
  /**
   * How long an outbox claim excludes other invocations, and how old another batch's leftover must be
   * before this invocation takes it. Must be at least the function timeout: Lambda kills an invocation
   * at its timeout, so a claim older than that belongs to a dead one. Consumers get 30 s
   * (`SpineFunction`) and local mode's mapping 60 s. Longer only delays recovery after a crash: the
   * shard waits for the lease. A double recovery would only publish a second marked copy, which
   * consumers skip. @default OUTBOX_LEASE_MS (60 s)
   */
  readonly outboxLeaseMs?: number;
  /** Identifies this container's claims, so a retried claim (lost response, retried batch) is its own. */
  readonly claimToken?: string;
  /** Epoch ms by which the log search must decide. @default now + 10 s */
  readonly deadline?: number;
  /** Source stream lineage, so a child shard recovers what its closed parents left. */
  readonly shards?: ShardDirectory;
  /** Parent outbox partitions seen empty, per container: a closed parent never gets new entries. */
  readonly drainedParents?: Set<string>;
}

/** Entries in sk (source sequence) order: the order a key's emits must go out in. */
const bySk = (entries: readonly OutboxEntry[]): OutboxEntry[] =>
  [...entries].sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));

/** Whether another invocation's claim on `entry`, as loaded, is still within its lease. */
const heldElsewhere = (entry: OutboxEntry, token: string, lease: number, now: number): boolean =>
  entry.claim !== undefined && entry.claim.token !== token && entry.claim.at > now - lease;

/**
 * Claims, searches and publishes one partition's leftovers. A leftover someone else holds stops the
 * batch (it is retried after that claim's lease) rather than publish later emits before it. A hold
 * already visible in the loaded entries stops it before any claim is written: claiming the others
 * first would cost one write each on every retry of the deferred batch, for nothing (measured in
 * the property test at factor 4: most claims were such prefixes, re-written retry after retry).
 */
const recoverEntries = async (
  position: ShardPosition,
  leftovers: readonly OutboxEntry[],
  deps: RecoveryDeps,
  token: string,
): Promise<number> => {
  const lease = deps.outboxLeaseMs ?? OUTBOX_LEASE_MS;
  const held = leftovers.find((e) => heldElsewhere(e, token, lease, Date.now()));
  if (held)
    throw new OutboxRecoveryDeferredError(
      'claimed-elsewhere',
      `outbox entry ${outboxPk(position)}/${held.sk} is claimed by another invocation`,
    );
  // Claimed one by one in sk order, a fixed order: whoever loses the first contested entry holds
  // nothing, so two contenders never each hold part of the leftovers and wait out each other's lease
  // (claimed side by side they did: a unit test races two invocations). Claims going stale mid-way
  // was a harness lease shorter than the function timeout, not the order.
  for (const entry of bySk(leftovers))
    if (!(await deps.store.claimOutbox(position, entry.sk, lease, token)))
      throw new OutboxRecoveryDeferredError(
        'claimed-elsewhere',
        `outbox entry ${outboxPk(position)}/${entry.sk} is claimed by another invocation`,
      );
  const since = Math.min(...leftovers.map((e) => e.createdAt));
  const deadline = deps.deadline ?? Date.now() + 10_000;
  const already = await deps.publisher.findPublished(leftovers, since, deadline);
  const missing = leftovers.filter((e) => !already.has(e.envelope.id));
  // Marked: the search is bounded, so a copy it missed may exist; consumers dedupe marked records.
  if (missing.length > 0) await deps.publisher.publish(missing, { resent: true });
  await deps.store.deleteOutbox(
    position,
    leftovers.map((e) => e.sk),
  );
  return missing.length;
};

/**
 * Publishes the outbox leftovers of this source shard and of its closed ancestors: entries whose
 * events committed but whose invocation died before it published or deleted them. Each leftover is
 * claimed with a lease, looked up in the log (it may have been published just before the crash) and
 * only published if absent, marked as a possible copy, then deleted. So an emitted event is applied
 * once downstream, even across crashes between commit, publish and delete.
 *
 * Which leftovers are this invocation's to recover: Lambda gives a partition key to one batch at a
 * time (at any parallelization factor) and retries a failed batch with the same keys, so the
 * leftovers emitted for the keys of this batch belong to a dead invocation and are recovered at once.
 * Others (keys of a concurrent batch at parallelization > 1) are only taken after `outboxLeaseMs`,
 * and not while another invocation's claim on them, or on an earlier leftover of their key, is within
 * its lease.
 * An ancestor's leftovers are all taken: a closed shard gets no invocation of its own.
 *
 * Throws `OutboxRecoveryDeferredError` when a leftover is claimed elsewhere or the search is undecided.
 */
export const recoverOutbox = async (
  position: ShardPosition,
  deps: RecoveryDeps,
  keys?: ReadonlySet<string>,
  stream?: string,
): Promise<number> => {
  const lease = deps.outboxLeaseMs ?? OUTBOX_LEASE_MS;
  const token = deps.claimToken ?? randomUUID();
  const now = Date.now();
  // Another batch's old leftover that a live claim holds is left to its claimant: it has no key of
  // this batch, so nothing here must wait for it (taking it would only defer this batch). So are that
  // key's later leftovers: taken without the held one, they went out before it (property test at
  // factor 4, run eo4-745578: one lane published milestones 6 of 9 keys while another held their 3).
  const skipped = new Set<string | undefined>();
  const mine = (e: OutboxEntry) => {
    if (keys === undefined || (e.sourceKey !== undefined && keys.has(e.sourceKey))) return true;
    const free = e.createdAt <= now - lease && !heldElsewhere(e, token, lease, now);
    if (free && !skipped.has(e.sourceKey)) return true;
    skipped.add(e.sourceKey);
    return false;
  };
  let published = 0;
  if (deps.shards && stream !== undefined)
    for (const parent of (await ancestorsOf(deps.shards, stream, position.shardId)).reverse()) {
      const at = { ...position, shardId: parent };
      if (deps.drainedParents?.has(outboxPk(at))) continue;
      const leftovers = await deps.store.loadOutbox(at);
      if (leftovers.length > 0) published += await recoverEntries(at, leftovers, deps, token);
      deps.drainedParents?.add(outboxPk(at));
    }
  const leftovers = bySk(await deps.store.loadOutbox(position)).filter(mine);
  if (leftovers.length > 0) published += await recoverEntries(position, leftovers, deps, token);
  return published;
};
