import { z } from 'zod';
import type { HandlerContext } from '../../shared/consumer';

/**
 * Per-user lists of the items a service keeps about that user (pk = userId, `ids`). State tables only
 * have a partition key, so this index is how a `UserDeleted` handler finds everything to delete.
 * Cost: one more write per item created, and a user's items must fit in one transaction (~98) to be
 * deleted by one event.
 */
const index = z.object({ ids: z.array(z.string()).default([]) });

export const appendToIndex = (ctx: HandlerContext, table: string, userId: string, id: string): void =>
  ctx.update(table, userId, {
    updateExpression: 'SET #ids = list_append(if_not_exists(#ids, :none), :id)',
    names: { '#ids': 'ids' },
    values: { ':none': [], ':id': [id] },
  });

const indexOf = async (ctx: HandlerContext, table: string, userId: string) => {
  const item = await ctx.get(table, userId);
  return item === undefined ? undefined : index.parse(item).ids;
};

export const indexedIds = async (ctx: HandlerContext, table: string, userId: string): Promise<string[]> => [
  ...new Set((await indexOf(ctx, table, userId)) ?? []),
];

/**
 * Deletes the user's index entry and every item it lists from `itemsTable`. The index delete is
 * conditional on the list read here (it only grows, so its length tells): an item appended by another
 * shard's event between this read and the commit fails the condition, the event is retried (an
 * attempt) and the retry deletes that item too, instead of leaving it behind unindexed.
 */
export const forgetUser = async (
  ctx: HandlerContext,
  indexTable: string,
  itemsTable: string,
  userId: string,
): Promise<number> => {
  const listed = await indexOf(ctx, indexTable, userId);
  const ids = [...new Set(listed ?? [])];
  for (const id of ids) ctx.delete(itemsTable, id);
  ctx.delete(
    indexTable,
    userId,
    listed === undefined
      ? { expression: 'attribute_not_exists(pk)' }
      : { expression: 'size(#ids) = :read', names: { '#ids': 'ids' }, values: { ':read': listed.length } },
  );
  return ids.length;
};
