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

export const indexedIds = async (ctx: HandlerContext, table: string, userId: string): Promise<string[]> => {
  const item = await ctx.get(table, userId);
  return item === undefined ? [] : [...new Set(index.parse(item).ids)];
};

/** Deletes the user's index entry and every item it lists from `itemsTable`. */
export const forgetUser = async (
  ctx: HandlerContext,
  indexTable: string,
  itemsTable: string,
  userId: string,
): Promise<number> => {
  const ids = await indexedIds(ctx, indexTable, userId);
  for (const id of ids) ctx.delete(itemsTable, id);
  ctx.delete(indexTable, userId);
  return ids.length;
};
