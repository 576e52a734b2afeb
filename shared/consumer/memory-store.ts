import { CheckpointConflictError, UnknownTableError } from './errors';
import { type OutboxEntry, outboxPk } from './outbox';
import {
  type Checkpoint,
  type Commit,
  type ConsumerStore,
  checkpointKey,
  type ParkedEvent,
  type ShardPosition,
} from './store';
import type { StateItem } from './types';

const posKey = (p: ShardPosition, sk: string = p.shardId) => `${checkpointKey(p).pk}/${sk}`;

/**
 * In-memory `ConsumerStore` with the DynamoDB adapter's semantics for checkpoints (conditional on the
 * expected sequence number) and atomic commits. Updates support `SET a = :v` and `ADD a :n` only,
 * enough for unit tests of handlers; conditions on state writes are not evaluated.
 */
export class MemoryConsumerStore implements ConsumerStore {
  readonly checkpoints = new Map<string, Checkpoint>();
  readonly tables = new Map<string, Map<string, StateItem>>();
  readonly parked: ParkedEvent[] = [];
  readonly outbox = new Map<string, OutboxEntry[]>();
  commits = 0;

  constructor(tables: readonly string[]) {
    for (const t of tables) this.tables.set(t, new Map());
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
    const item = this.table(table).get(pk);
    return item && structuredClone(item);
  }

  private check(position: ShardPosition, sk: string, expected: string | undefined): Checkpoint {
    const current = this.checkpoints.get(posKey(position, sk)) ?? {};
    if (current.sequenceNumber !== expected) throw new CheckpointConflictError(posKey(position, sk));
    return current;
  }

  async commit(commit: Commit): Promise<void> {
    for (const move of commit.moves) this.check(commit.position, move.sk, move.expected);
    for (const w of commit.writes) {
      const t = this.table(w.table);
      if (w.kind === 'put') t.set(w.item.pk, structuredClone(w.item));
      else if (w.kind === 'delete') t.delete(w.pk);
      else
        t.set(
          w.pk,
          applyUpdate(t.get(w.pk) ?? { pk: w.pk }, w.update.updateExpression, w.update.values ?? {}),
        );
    }
    if (commit.park) this.parked.push(commit.park);
    if (commit.outbox?.length) {
      const key = outboxPk(commit.position);
      this.outbox.set(key, [...(this.outbox.get(key) ?? []), ...commit.outbox]);
    }
    for (const move of commit.moves) this.checkpoints.set(posKey(commit.position, move.sk), { ...move.next });
    this.commits += 1;
  }

  async loadOutbox(position: ShardPosition): Promise<OutboxEntry[]> {
    return [...(this.outbox.get(outboxPk(position)) ?? [])];
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
  ) {
    const current = this.check(position, sk, expected);
    this.checkpoints.set(posKey(position, sk), { ...current, ...(failure && { failure }) });
  }
}

const applyUpdate = (item: StateItem, expression: string, values: Record<string, unknown>): StateItem => {
  const next: Record<string, unknown> = { ...item };
  for (const m of expression.matchAll(/SET\s+(\w+)\s*=\s*(:\w+)/g))
    if (m[1] && m[2]) next[m[1]] = values[m[2]];
  for (const m of expression.matchAll(/ADD\s+(\w+)\s+(:\w+)/g))
    if (m[1] && m[2]) next[m[1]] = Number(next[m[1]] ?? 0) + Number(values[m[2]]);
  return next as StateItem;
};
