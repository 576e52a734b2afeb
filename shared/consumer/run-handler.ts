import type { Catalog } from '../catalog';
import type { SchemaRegistry } from '../schemas';
import { createEventContext, type LookupCache, type RunFacts } from './context';
import { HandlerOverranError } from './errors';
import { buildEmitted, type OutboxEntry } from './outbox';
import type { PendingWrites } from './pending';
import type { ConsumerStore } from './store';
import type { ConsumedEvent, EventHandler, StateWrite } from './types';

export interface HandlerDeps {
  readonly catalog: Catalog;
  readonly service: string;
  readonly schemas: SchemaRegistry;
  readonly store: ConsumerStore;
  readonly lookups: LookupCache;
  readonly handler: EventHandler;
  readonly materialize?: { readonly table: string; readonly tombstones: ReadonlySet<string> };
}

export type HandlerOutcome = (
  | { readonly ok: true; readonly writes: StateWrite[]; readonly emits: OutboxEntry[] }
  | { readonly ok: false; readonly error: unknown }
) & { readonly facts: RunFacts };

/** The state change a table subscription makes before the handler runs: upsert the latest value, or delete. */
const materialization = (deps: HandlerDeps, event: ConsumedEvent): StateWrite[] => {
  const m = deps.materialize;
  if (!m) return [];
  if (m.tombstones.has(event.type)) return [{ kind: 'delete', table: m.table, pk: event.key }];
  return [
    {
      kind: 'put',
      table: m.table,
      item: { pk: event.key, value: event.data, eventId: event.id, type: event.type, time: event.time },
    },
  ];
};

/**
 * Runs one event's handler against the time left (`budgetMs`). A handler still running then is
 * abandoned: its context refuses every later call, its writes are dropped, and the runtime answers in
 * time instead of being killed by the Lambda timeout (which would lose the whole batch's progress).
 */
export const runHandler = async (
  deps: HandlerDeps,
  event: ConsumedEvent,
  pending: PendingWrites,
  commitPending: () => Promise<void>,
  budgetMs: number,
  fenceUnits: readonly string[],
): Promise<HandlerOutcome> => {
  const { ctx, writes, emits, facts, abandon } = createEventContext({
    service: deps.service,
    event,
    store: deps.store,
    pending,
    commitPending,
    lookups: deps.lookups,
    fenceUnits,
    buildEmit: (index, type, data, options) =>
      buildEmitted(deps.catalog, deps.schemas, deps.service, event, index, type, data, options),
  });
  const work = (async () => {
    for (const write of materialization(deps, event)) {
      if (write.kind === 'put') ctx.put(write.table, write.item);
      else if (write.kind === 'delete') ctx.delete(write.table, write.pk);
    }
    await deps.handler(event, ctx);
  })();
  let timer: NodeJS.Timeout | undefined;
  const overran = new Promise<'overran'>((resolve) => {
    if (Number.isFinite(budgetMs)) timer = setTimeout(() => resolve('overran'), Math.max(0, budgetMs));
  });
  try {
    const result = await Promise.race([work.then(() => 'done' as const), overran]);
    if (result === 'overran') {
      abandon();
      // The abandoned handler may still fail later; nobody awaits it, so keep that from crashing the process.
      work.catch(() => undefined);
      return { ok: false, error: new HandlerOverranError(Math.round(budgetMs)), facts: facts() };
    }
    return { ok: true, writes: writes(), emits: emits(), facts: facts() };
  } catch (error) {
    return { ok: false, error, facts: facts() };
  } finally {
    clearTimeout(timer);
  }
};
