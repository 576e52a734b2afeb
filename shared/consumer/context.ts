import { AlreadyAppliedError, InvalidStateOpError } from './errors';
import { classifyFailure, StoreUnavailableError } from './failures';
import { fencedAtOrPast, RESERVED_PREFIX } from './fence';
import { updatedImage } from './fold';
import type { OutboxEntry } from './outbox';
import { eventWriteKey, type PendingWrites } from './pending';
import type { Condition, StateUpdate, WriteOptions } from './state-ops';
import { type ConditionTest, PlanProblem, planCondition, planUpdate } from './state-ops-plan';
import type { ConsumerStore } from './store';
import type { ConsumedEvent, EmitOptions, HandlerContext, StateItem, StateWrite } from './types';

/** A handler asked for something the runtime cannot do atomically; fixing the handler is the only cure. */
export class HandlerUsageError extends Error {
  readonly code = 'HANDLER_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'HandlerUsageError';
  }
}

/** Latest values of materialized tables, shared by the invocations of one Lambda container. */
export class LookupCache {
  private readonly entries = new Map<string, { at: number; value: Record<string, unknown> | undefined }>();
  constructor(private readonly maxEntries = 10_000) {}

  async get(
    key: string,
    maxAgeMs: number,
    load: () => Promise<Record<string, unknown> | undefined>,
  ): Promise<Record<string, unknown> | undefined> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at <= maxAgeMs) return hit.value;
    const value = await load();
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { at: Date.now(), value });
    return value;
  }
}

export interface EventContextDeps {
  readonly service: string;
  readonly event: ConsumedEvent;
  readonly store: ConsumerStore;
  readonly pending: PendingWrites;
  readonly commitPending: () => Promise<void>;
  /** Validates an emit and builds its outbox entry (index = order of emits within the event). */
  readonly buildEmit: (index: number, type: string, data: unknown, options?: EmitOptions) => OutboxEntry;
  readonly lookups: LookupCache;
  /**
   * Fence units whose fence at or past this event proves it applied: the shard's, in shard mode and,
   * in key mode, for records at or below the shard's `fencedTo` (review F2). A read finding one stops
   * the run.
   */
  readonly fenceUnits: readonly string[];
}

/** What the runtime needs to know of a run beyond its writes: what it read, and whether a fence stopped it. */
export interface RunFacts {
  /** Items read from the store or the pending writes, as `table\u0000pk`. */
  readonly reads: ReadonlySet<string>;
  readonly lookedUp: boolean;
  /** A read found this event applied (AlreadyAppliedError), even if the handler caught the error. */
  readonly applied: boolean;
}

const reservedIn = (test: ConditionTest): string | undefined => {
  switch (test.kind) {
    case 'and':
    case 'or':
      return test.of.map(reservedIn).find((a) => a !== undefined);
    case 'not':
      return reservedIn(test.of);
    default:
      return test.attr.startsWith(RESERVED_PREFIX) ? test.attr : undefined;
  }
};

/** Attributes named `spine:*` are the runtime's (position fences, tombstones): no handler writes or tests one. */
const refuseReserved = (attrs: readonly string[], condition: ConditionTest | undefined) => {
  const attr = attrs.find((a) => a.startsWith(RESERVED_PREFIX)) ?? (condition && reservedIn(condition));
  if (attr !== undefined) throw new PlanProblem(`attribute "${attr}" is reserved (${RESERVED_PREFIX}*)`);
};

/** A store read for a handler: infrastructure failures become `StoreUnavailableError` (not the handler's attempt). */
const readFor = async <T>(read: () => Promise<T>): Promise<T> => {
  try {
    return await read();
  } catch (error) {
    if (classifyFailure(error) === 'infrastructure') throw new StoreUnavailableError({ cause: error });
    throw error;
  }
};

/**
 * Checks operations when the handler makes them, so a malformed one (an untyped caller's, or one that
 * passed the types through a cast) fails the handler's own attempt with its table and key instead of
 * a whole commit later.
 */
const checked = (
  table: string,
  pk: string,
  update: StateUpdate | undefined,
  options: WriteOptions | undefined,
  item?: StateItem,
) => {
  try {
    const clauses = update ? planUpdate(update) : [];
    if (item) refuseReserved(Object.keys(item), undefined);
    // An untyped caller's `{ expression }` (the removed string form) would otherwise be a silent no-op.
    for (const key of Object.keys(options ?? {}))
      if (key !== 'if') throw new PlanProblem(`unknown write option "${key}" (known: if)`);
    const test = options?.if === undefined ? undefined : planCondition(options.if);
    refuseReserved(
      clauses.map((c) => c.attr),
      test,
    );
  } catch (error) {
    if (error instanceof PlanProblem) throw new InvalidStateOpError(table, pk, error.message);
    throw error;
  }
};

/** The write's condition field, checked. */
const conditionOf = (table: string, pk: string, options: WriteOptions | undefined): { if?: Condition } => {
  checked(table, pk, undefined, options);
  return options?.if === undefined ? {} : { if: options.if };
};

/**
 * Builds the context for one event. Reads look at this event's writes, then at writes pending from
 * earlier events, then at DynamoDB (consistent read). An item with a pending *update* is read from
 * DynamoDB with the update applied in memory when coalescing (and exact); otherwise reading it
 * commits the pending writes first. `abandon()` (the handler overran its
 * deadline) makes every later call throw: a handler still running in the background can no longer
 * add writes or trigger a commit.
 */
export const createEventContext = (
  deps: EventContextDeps,
): {
  ctx: HandlerContext;
  writes: () => StateWrite[];
  emits: () => OutboxEntry[];
  facts: () => RunFacts;
  abandon: () => void;
} => {
  const { service, event, pending } = deps;
  const own = new Map<string, StateWrite>();
  const emitted: OutboxEntry[] = [];
  const reads = new Set<string>();
  let lookedUp = false;
  let applied = false;
  let abandoned = false;
  const live = () => {
    if (abandoned)
      throw new HandlerUsageError(
        `event ${event.id}: the handler overran its deadline and was abandoned; this call is refused`,
      );
  };
  const store = {
    /** A consistent read of the user's view; a fence at or past this event stops the run (prefix property). */
    getItem: async (table: string, pk: string) => {
      const read = await readFor(() => deps.store.readItem(table, pk));
      if (fencedAtOrPast(read.fences, deps.fenceUnits, event.sequenceNumber)) {
        applied = true;
        throw new AlreadyAppliedError('read', table, pk);
      }
      return read.item;
    },
  };
  const record = (write: StateWrite) => {
    live();
    const key = eventWriteKey(write);
    const previous = own.get(key);
    if (previous && (previous.kind === 'update' || write.kind === 'update'))
      throw new HandlerUsageError(
        `${write.table}/${write.kind === 'put' ? write.item.pk : write.pk}: an event may update an item only once; combine the changes into one write`,
      );
    own.set(key, write);
  };

  const ctx: HandlerContext = {
    async get(table: string, pk: string): Promise<StateItem | undefined> {
      live();
      reads.add(`${table}\u0000${pk}`);
      const mine = own.get(`${table}\u0000${pk}`);
      if (mine?.kind === 'put') return mine.item;
      if (mine?.kind === 'delete') return undefined;
      if (mine?.kind === 'update')
        throw new HandlerUsageError(`${table}/${pk}: read after update in the same event is not supported`);
      const overlay = pending.overlay(table, pk);
      if (overlay?.known) return overlay.item;
      if (overlay?.known === false && overlay.update) {
        // Read-your-writes over the batch: the stored item with the pending update applied.
        const { update } = overlay;
        const stored = await store.getItem(table, pk);
        live();
        const still = pending.overlay(table, pk);
        const same = still?.known === false && still.update === update;
        const image = same ? updatedImage(stored, pk, update) : undefined;
        if (image) return image;
      }
      if (overlay?.known === false) {
        await deps.commitPending();
        live();
      }
      return store.getItem(table, pk);
    },
    put(table: string, item: StateItem, options?: WriteOptions) {
      live();
      checked(table, item.pk, undefined, undefined, item);
      record({ kind: 'put', table, item, ...conditionOf(table, item.pk, options) });
    },
    update(table: string, pk: string, update: StateUpdate, options?: WriteOptions) {
      live();
      checked(table, pk, update, options);
      record({ kind: 'update', table, pk, update, ...(options?.if !== undefined && { if: options.if }) });
    },
    delete(table: string, pk: string, options?: WriteOptions) {
      live();
      record({ kind: 'delete', table, pk, ...conditionOf(table, pk, options) });
    },
    idempotencyKey(purpose = 'effect') {
      return `${service}:${event.source}:${event.id}:${purpose}`;
    },
    emit(type: string, data: unknown, options?: EmitOptions) {
      live();
      emitted.push(deps.buildEmit(emitted.length, type, data, options));
    },
    async lookup(table: string, key: string, options?: { maxAgeMs?: number }) {
      live();
      lookedUp = true;
      // A materialized table is another unit's (its table subscription): its user view, unfenced.
      const item = await deps.lookups.get(`${table}\u0000${key}`, options?.maxAgeMs ?? 1_000, () =>
        readFor(() => deps.store.getItem(table, key)),
      );
      const value = item?.value;
      return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
    },
  };
  return {
    ctx,
    writes: () => [...own.values()],
    emits: () => [...emitted],
    facts: () => ({ reads, lookedUp, applied }),
    abandon: () => {
      abandoned = true;
    },
  };
};
