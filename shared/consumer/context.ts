import { eventWriteKey, type PendingWrites } from './pending';
import type { ConsumerStore } from './store';
import type {
  ConsumedEvent,
  HandlerContext,
  ItemCondition,
  ItemUpdate,
  StateItem,
  StateWrite,
} from './types';

/** A handler asked for something the runtime cannot do atomically; fixing the handler is the only cure. */
export class HandlerUsageError extends Error {
  readonly code = 'HANDLER_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'HandlerUsageError';
  }
}

/**
 * Builds the context for one event. Reads look at this event's writes, then at writes pending from
 * earlier events, then at DynamoDB (consistent read). An item with a pending *update* has no known
 * value, so reading it commits the pending writes first.
 */
export const createEventContext = (
  service: string,
  event: ConsumedEvent,
  store: ConsumerStore,
  pending: PendingWrites,
  commitPending: () => Promise<void>,
): { ctx: HandlerContext; writes: () => StateWrite[] } => {
  const own = new Map<string, StateWrite>();
  const record = (write: StateWrite) => {
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
      const mine = own.get(`${table}\u0000${pk}`);
      if (mine?.kind === 'put') return mine.item;
      if (mine?.kind === 'delete') return undefined;
      if (mine?.kind === 'update')
        throw new HandlerUsageError(`${table}/${pk}: read after update in the same event is not supported`);
      const overlay = pending.overlay(table, pk);
      if (overlay?.known) return overlay.item;
      if (overlay && !overlay.known) await commitPending();
      return store.getItem(table, pk);
    },
    put(table: string, item: StateItem, condition?: ItemCondition) {
      record({ kind: 'put', table, item, ...(condition && { condition }) });
    },
    update(table: string, pk: string, update: ItemUpdate) {
      record({ kind: 'update', table, pk, update });
    },
    delete(table: string, pk: string, condition?: ItemCondition) {
      record({ kind: 'delete', table, pk, ...(condition && { condition }) });
    },
    idempotencyKey(purpose = 'effect') {
      return `${service}:${event.source}:${event.id}:${purpose}`;
    },
  };
  return { ctx, writes: () => [...own.values()] };
};
