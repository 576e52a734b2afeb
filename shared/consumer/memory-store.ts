import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { sweepPk } from '../layout';
import { AlreadyAppliedError, CheckpointConflictError, UnknownTableError } from './errors';
import {
  DELETED_ATTR,
  type FencedRead,
  fencesOf,
  type StoredFence,
  settledUnits,
  unitParts,
  userView,
} from './fence';
import { type FencedOutcome, fencedWrite, plainWrite } from './fenced-memory';
import { type OutboxEntry, outboxPk } from './outbox';
import { holds } from './state-ops-memory';
import { planCondition } from './state-ops-plan';
import {
  type AttemptStart,
  type Checkpoint,
  type Commit,
  type ConsumerStore,
  checkpointKey,
  MAX_ITEM_BYTES,
  type ParkedEvent,
  type ShardPosition,
} from './store';
import { type SweepOptions, type SweepResult, sweepEntries } from './sweep';
import {
  entryOf,
  isUnchangedTombstone,
  type StoredSweepEntry,
  SWEEP_LIMIT,
  type SweepEntry,
  sweepKey,
  TOMBSTONE_GRACE_MS,
  tombstoneEntries,
} from './tombstones';
import type { SingleWrite, StateItem, StateWrite } from './types';

const posKey = (p: ShardPosition, sk: string = p.shardId) => `${checkpointKey(p).pk}/${sk}`;

/**
 * In-memory `ConsumerStore` with the DynamoDB adapter's semantics for checkpoints (conditional on the
 * expected sequence number), attempt marks and atomic commits, failing as DynamoDB does on a
 * transaction over 100 items, two operations on one item, or an item over 400 KB (ValidationException).
 * Typed state operations and their conditions run with DynamoDB's semantics (state-ops-memory.ts; the
 * store contract suite holds both stores to the same results); they are the only writes there are.
 * `failNextCommits` makes the next commits fail with the given errors.
 */
export class MemoryConsumerStore implements ConsumerStore {
  readonly checkpoints = new Map<string, Checkpoint>();
  readonly tables = new Map<string, Map<string, StateItem>>();
  readonly parked: ParkedEvent[] = [];
  readonly outbox = new Map<string, OutboxEntry[]>();
  commits = 0;
  /** Errors the next `commit` calls throw, in order, before touching anything (fault injection). */
  readonly failNextCommits: unknown[] = [];

  private readonly tombstoneGraceMs: number;
  private readonly now: () => number;

  /** `options`: the tombstone grace and the clock, as `DynamoStoreOptions` has them. */
  constructor(
    tables: readonly string[],
    options: { readonly tombstoneGraceMs?: number; readonly now?: () => number } = {},
  ) {
    for (const t of tables) this.tables.set(t, new Map());
    this.tombstoneGraceMs = options.tombstoneGraceMs ?? TOMBSTONE_GRACE_MS;
    this.now = options.now ?? Date.now;
  }

  private table(name: string): Map<string, StateItem> {
    const t = this.tables.get(name);
    if (!t) throw new UnknownTableError('memory', name, [...this.tables.keys()]);
    return t;
  }

  async loadCheckpoints(position: ShardPosition, sks: readonly string[]): Promise<Map<string, Checkpoint>> {
    return new Map(sks.map((sk) => [sk, this.checkpoints.get(posKey(position, sk)) ?? {}]));
  }

  /** The shard checkpoint (tests). */
  async loadCheckpoint(position: ShardPosition): Promise<Checkpoint> {
    return this.checkpoints.get(posKey(position)) ?? {};
  }

  async getItem(table: string, pk: string): Promise<StateItem | undefined> {
    return (await this.readItem(table, pk)).item;
  }

  /** Errors the next `readItem` calls throw, in order (fault injection: a throttled read). */
  readonly failNextReads: unknown[] = [];

  async readItem(table: string, pk: string): Promise<FencedRead> {
    const injected = this.failNextReads.shift();
    if (injected !== undefined) throw injected;
    const raw = this.table(table).get(pk);
    return { item: structuredClone(userView(raw)), fences: fencesOf(raw) };
  }

  /** A read of the stored item as the sweep makes it (the DynamoDB store's consistent GetItem). */
  async readRaw(table: string, pk: string): Promise<StateItem | undefined> {
    return this.raw(table, pk);
  }

  /** The stored item with the runtime's attributes (tests of the stored form). */
  raw(table: string, pk: string): StateItem | undefined {
    const item = this.table(table).get(pk);
    return item && structuredClone(item);
  }

  /** The checkpoints of fence units (of the position's service): absent ones undefined. */
  private checkpointsOfUnits(position: ShardPosition) {
    return async (units: readonly string[]): Promise<ReadonlyMap<string, string | undefined>> => {
      const at = (unit: string) => {
        const { topic, sk } = unitParts(unit);
        return this.checkpoints.get(posKey({ ...position, topic }, sk))?.sequenceNumber;
      };
      return new Map(units.map((u) => [u, at(u)]));
    };
  }

  /** Which foreign fences a write at `now` may drop: settled, and a grace old (`settledUnits`). */
  private settledOf(position: ShardPosition, now: number) {
    const age = { now, graceMs: this.tombstoneGraceMs, untimedAt: now };
    return (foreign: ReadonlyMap<string, StoredFence>): Promise<ReadonlySet<string>> =>
      settledUnits(foreign, new Set(), this.checkpointsOfUnits(position), age);
  }

  /** Tombstone sweep entries by `pk/sk` of the parking table, with their `sweepAfter` (tombstones.ts). */
  readonly sweepEntries = new Map<string, { readonly entry: SweepEntry; readonly sweepAfter: number }>();
  private readonly sweepCursor: { after?: string } = {};

  /** The same loop as the DynamoDB store's, with its conditions evaluated on the stored items (dynamo-sweep.ts). */
  sweepTombstones(position: ShardPosition, options?: SweepOptions): Promise<SweepResult> {
    const pk = sweepPk(position.service);
    const stored = (entry: StoredSweepEntry) => this.sweepEntries.get(`${pk}/${entry.sk}`);
    const unchanged = (entry: StoredSweepEntry) => stored(entry)?.sweepAfter === entry.sweepAfter;
    return sweepEntries(
      {
        page: async (after) => {
          // A Query page: the entries of the service in sk order after `after`, `SWEEP_LIMIT` at most.
          const all = [...this.sweepEntries]
            .filter(([key]) => key.startsWith(`${pk}/`))
            .map(([key, { sweepAfter }]) => ({ sk: key.slice(pk.length + 1), sweepAfter }))
            .filter(({ sk }) => after === undefined || sk > after)
            .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
          const entries = all.slice(0, SWEEP_LIMIT).flatMap((e) => entryOf(e) ?? []);
          return { entries, more: all.length > SWEEP_LIMIT };
        },
        readRaw: (entry) => this.readRaw(entry.table, entry.pk),
        checkpointsOf: this.checkpointsOfUnits(position),
        graceMs: this.tombstoneGraceMs,
        remove: async (entry, raw) => {
          if (!isUnchangedTombstone(this.table(entry.table).get(entry.pk), raw) || !unchanged(entry))
            return false;
          this.table(entry.table).delete(entry.pk);
          this.sweepEntries.delete(`${pk}/${entry.sk}`);
          return true;
        },
        drop: async (entry) => {
          if (this.table(entry.table).get(entry.pk)?.[DELETED_ATTR] === true || !unchanged(entry))
            return false;
          this.sweepEntries.delete(`${pk}/${entry.sk}`);
          return true;
        },
      },
      this.sweepCursor,
      this.now,
      options,
    );
  }

  private async outcome(position: ShardPosition, w: StateWrite): Promise<FencedOutcome> {
    const pk = w.kind === 'put' ? w.item.pk : w.pk;
    const raw = this.table(w.table).get(pk);
    // Puts and deletes keep other units' unsettled fences, fenced or not (review F1).
    if (w.fences?.length || w.kind !== 'update') {
      const now = this.now();
      return fencedWrite(raw, w, this.settledOf(position, now), now);
    }
    const view = userView(raw);
    if (w.if !== undefined && !holds(planCondition(w.if), view)) return { kind: 'rejected' };
    return { kind: 'write', item: plainWrite(raw, w) };
  }

  async writeFenced(position: ShardPosition, write: SingleWrite): Promise<'written' | 'applied'> {
    const injected = this.failNextCommits.shift();
    if (injected !== undefined) throw injected;
    validateItemSize(write);
    const result = await this.outcome(position, write);
    if (result.kind === 'applied') return 'applied';
    if (result.kind === 'rejected')
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: { httpStatusCode: 400 },
      });
    if (storedTooLarge(result.item)) throw itemTooLarge();
    this.store(write, result.item);
    this.singleWrites += 1;
    return 'written';
  }

  /** Single fenced writes made (tests count them). */
  singleWrites = 0;

  private store(w: StateWrite, item: Record<string, unknown> | undefined) {
    const pk = w.kind === 'put' ? w.item.pk : w.pk;
    if (item) this.table(w.table).set(pk, { ...item, pk });
    else this.table(w.table).delete(pk);
  }

  private check(position: ShardPosition, sk: string, expected: string | undefined): Checkpoint {
    const current = this.checkpoints.get(posKey(position, sk)) ?? {};
    if (current.sequenceNumber !== expected) throw new CheckpointConflictError(posKey(position, sk));
    return current;
  }

  async commit(commit: Commit): Promise<void> {
    const injected = this.failNextCommits.shift();
    if (injected !== undefined) throw injected;
    validateTransaction(commit);
    for (const move of commit.moves) this.check(commit.position, move.sk, move.expected);
    if (commit.started && !commit.moves.some((m) => m.sk === commit.started?.sk))
      this.check(commit.position, commit.started.sk, commit.started.expected);
    // All conditions are evaluated and all new items computed before anything changes: a failed
    // condition or a wrong operand leaves every table as it was, as DynamoDB's transaction does. A
    // fence showing an event applied is told apart from the user's condition, as the DynamoDB store
    // does by reading the item.
    const outcomes: FencedOutcome[] = [];
    for (const w of commit.writes) outcomes.push(await this.outcome(commit.position, w));
    const applied = commit.writes.find((_, i) => outcomes[i]?.kind === 'applied');
    if (applied)
      throw new AlreadyAppliedError(
        'write',
        applied.table,
        applied.kind === 'put' ? applied.item.pk : applied.pk,
      );
    if (outcomes.some((o) => o.kind === 'write' && storedTooLarge(o.item)))
      throw validation('Item size has exceeded the maximum allowed size');
    const failed = outcomes.map((o) => o.kind === 'rejected');
    if (failed.some(Boolean)) throw conditionFailed(failed, transactionSize(commit));
    // DynamoDB counts the sweep entries of deletes that leave a tombstone among the transaction's items.
    const entries = commit.writes.filter(
      (w, i) => w.kind === 'delete' && outcomes[i]?.kind === 'write' && outcomes[i]?.item,
    );
    if (transactionSize(commit) + entries.length > MAX_TRANSACTION_ITEMS)
      throw tooManyItems(transactionSize(commit) + entries.length);
    const sweepAfter = this.now() + this.tombstoneGraceMs;
    commit.writes.forEach((w, i) => {
      const o = outcomes[i];
      if (o?.kind !== 'write') return;
      this.store(w, o.item);
      // A delete that left a tombstone notes it for a sweep after the grace.
      if (w.kind === 'delete' && o.item) {
        const { pk, sk } = sweepKey(commit.position.service, w);
        this.sweepEntries.set(`${pk}/${sk}`, { entry: { table: w.table, pk: w.pk }, sweepAfter });
      }
    });
    if (commit.park) this.parked.push(commit.park);
    if (commit.outbox?.length) {
      const key = outboxPk(commit.position);
      this.outbox.set(key, [...(this.outbox.get(key) ?? []), ...commit.outbox]);
    }
    for (const move of commit.moves) {
      const key = posKey(commit.position, move.sk);
      const { failure: _f, started: _s, recentCopies, fencedTo, ...kept } = this.checkpoints.get(key) ?? {};
      const memory = move.copies ? move.copies.memory : recentCopies;
      const fence = move.clearFencedTo ? undefined : fencedTo;
      this.checkpoints.set(key, {
        ...kept,
        ...move.next,
        ...(memory && { recentCopies: memory }),
        ...(fence !== undefined && { fencedTo: fence }),
      });
    }
    if (commit.started) {
      const key = posKey(commit.position, commit.started.sk);
      this.checkpoints.set(key, { ...this.checkpoints.get(key), started: commit.started.mark });
    }
    if (commit.flagKeyMarkers) {
      const key = posKey(commit.position);
      this.checkpoints.set(key, { ...this.checkpoints.get(key), keyMarkers: true });
    }
    this.commits += 1;
  }

  async markStarted(
    position: ShardPosition,
    sk: string,
    loaded: { readonly expected: string | undefined; readonly previousToken: string | undefined },
    mark: AttemptStart,
    failure?: Checkpoint['failure'],
  ): Promise<void> {
    const current = this.check(position, sk, loaded.expected);
    if (current.started?.token !== loaded.previousToken)
      throw new CheckpointConflictError(posKey(position, sk));
    this.checkpoints.set(posKey(position, sk), {
      ...current,
      started: mark,
      ...(failure && { failure }),
      ...(mark.fenceTo !== undefined && { fencedTo: mark.fenceTo }),
    });
    this.starts += 1;
  }

  /** Attempt-start marks written (tests count the write per invocation). */
  starts = 0;

  async clearStarted(position: ShardPosition, sk: string, token: string): Promise<void> {
    const key = posKey(position, sk);
    const { started, ...rest } = this.checkpoints.get(key) ?? {};
    if (started?.token === token) this.checkpoints.set(key, rest);
  }

  async loadOutbox(position: ShardPosition): Promise<OutboxEntry[]> {
    return (this.outbox.get(outboxPk(position)) ?? []).map((e) => {
      const claim = this.claims.get(`${outboxPk(position)}/${e.sk}`);
      return claim ? { ...e, claim } : e;
    });
  }

  private readonly claims = new Map<string, { at: number; token: string }>();

  async claimOutbox(position: ShardPosition, sk: string, leaseMs: number, token: string): Promise<boolean> {
    const key = `${outboxPk(position)}/${sk}`;
    const exists = (this.outbox.get(outboxPk(position)) ?? []).some((e) => e.sk === sk);
    const claim = this.claims.get(key);
    const held = claim !== undefined && claim.token !== token && claim.at > Date.now() - leaseMs;
    if (!exists || held) return false;
    this.claims.set(key, { at: Date.now(), token });
    return true;
  }

  async deleteOutbox(position: ShardPosition, sks: readonly string[]): Promise<void> {
    const key = outboxPk(position);
    this.outbox.set(
      key,
      (this.outbox.get(key) ?? []).filter((e) => !sks.includes(e.sk)),
    );
    for (const sk of sks) this.claims.delete(`${key}/${sk}`);
  }

  async recordFailure(
    position: ShardPosition,
    sk: string,
    expected: string | undefined,
    failure: Checkpoint['failure'],
    fencedTo?: { readonly restore: string | undefined },
  ) {
    const { started: _s, fencedTo: loaded, ...current } = this.check(position, sk, expected);
    const fence = fencedTo ? fencedTo.restore : loaded;
    this.checkpoints.set(posKey(position, sk), {
      ...current,
      ...(failure && { failure }),
      ...(fence !== undefined && { fencedTo: fence }),
    });
  }
}

const validation = (message: string): TransactionCanceledException =>
  new TransactionCanceledException({
    message: `Transaction cancelled: ${message}`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: [{ Code: 'ValidationError', Message: message }],
  });

/** Items of the commit's transaction, in the DynamoDB store's order: writes, parked event, outbox, checkpoints. */
const transactionSize = (commit: Commit): number =>
  commit.writes.length +
  (commit.outbox?.length ?? 0) +
  (commit.park ? 1 : 0) +
  commit.moves.length +
  (commit.started && !commit.moves.some((m) => m.sk === commit.started?.sk) ? 1 : 0);

/** DynamoDB's answer to a failed condition in a transaction: one reason per item, in item order. */
const conditionFailed = (failed: readonly boolean[], size: number): TransactionCanceledException => {
  const codes = Array.from({ length: Math.max(size, failed.length) }, (_, i) =>
    failed[i] ? 'ConditionalCheckFailed' : 'None',
  );
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: codes.map((Code) =>
      Code === 'None' ? { Code } : { Code, Message: 'The conditional request failed' },
    ),
  });
};

/** The checks DynamoDB makes on a TransactWriteItems before running it. */
const validateTransaction = (commit: Commit): void => {
  // A fenced delete always leaves a tombstone, so its sweep entry is known before any read.
  const items = transactionSize(commit) + tombstoneEntries(commit.writes);
  if (items > MAX_TRANSACTION_ITEMS) throw tooManyItems(items);
  const seen = new Set<string>();
  for (const w of commit.writes) {
    const key = `${w.table}\u0000${w.kind === 'put' ? w.item.pk : w.pk}`;
    if (seen.has(key)) {
      const error = new Error('Transaction request cannot include multiple operations on one item');
      error.name = 'ValidationException';
      throw error;
    }
    seen.add(key);
    if (w.kind === 'put' && Buffer.byteLength(JSON.stringify(w.item)) > MAX_ITEM_BYTES)
      throw validation('Item size has exceeded the maximum allowed size');
  }
};

const MAX_TRANSACTION_ITEMS = 100;
const tooManyItems = (items: number): Error => {
  const error = new Error(`Member must have length less than or equal to 100 (was ${items})`);
  error.name = 'ValidationException';
  return error;
};

const itemTooLarge = (): Error => {
  const error = new Error('Item size has exceeded the maximum allowed size');
  error.name = 'ValidationException';
  return error;
};

/** PutItem's own check of the item's size (outside a transaction: a ValidationException). */
const validateItemSize = (w: StateWrite): void => {
  if (w.kind === 'put' && Buffer.byteLength(JSON.stringify(w.item)) > MAX_ITEM_BYTES) throw itemTooLarge();
};

/**
 * The item as it would be stored, fences and units included, over DynamoDB's 400 KB (review F7c): the
 * fences a write adds can push an item the user sees as small enough past the limit.
 */
const storedTooLarge = (item: Record<string, unknown> | undefined): boolean =>
  item !== undefined &&
  Buffer.byteLength(JSON.stringify(item, (_k, v: unknown) => (v instanceof Set ? [...v] : v))) >
    MAX_ITEM_BYTES;
