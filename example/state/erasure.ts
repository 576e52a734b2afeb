import { createHash } from 'node:crypto';
import type { StateItem, WriteOptions } from '../../shared/consumer';

/** The state writes and reads a marker needs, on the tables `T` (a service's own tables). */
interface MarkerAccess<T extends string> {
  get(table: T, pk: string): Promise<StateItem | undefined>;
  put(table: T, item: StateItem, options?: WriteOptions): void;
  delete(table: T, pk: string, options?: WriteOptions): void;
}

/**
 * Erasure markers: `UserDeleted` travels on the `users` topic and a user's orders on `orders`, with no
 * order between topics, so a request or confirmation of that user may still be in flight when the
 * deletion is applied. Deleting what is there is not enough: the late event would re-create the user's
 * data. The deleting handler also leaves a marker, `{ pk: 'erased#' + hex SHA-256(userId), erasedAt }`,
 * in the service's own `customers` table (it fits that table's open item schema, all of whose
 * attributes are optional), and the handlers that create data about a user keep nothing for a marked one.
 *
 * The marker holds no userId, name or email. A plain hash is a pseudonymous marker, not an anonymous one:
 * whoever knows (or guesses) a userId can hash it and learn that this user was erased. A deployment that
 * must not reveal that uses a keyed hash (HMAC-SHA-256 with a secret kept out of the tables) instead.
 *
 * Limits: the check is a read when the event is handled, not a condition of its commit: an event whose
 * handler read "no marker" just before a concurrent `UserDeleted` (another shard, another topic) committed
 * still commits. The marker stays until the same userId signs up again (`clearErasure`): a user may come
 * back under the same id, and then an order of theirs that overtakes the new `UserSignedUp` is still
 * refused as the erased user's.
 */
export const erasureKey = (userId: string): string =>
  `erased#${createHash('sha256').update(userId).digest('hex')}`;

/** Writes the marker; call it from the `UserDeleted` handler, so it commits with the deletes. */
export const markErased = <T extends string>(
  ctx: MarkerAccess<T>,
  table: T,
  userId: string,
  erasedAt: string,
): void => ctx.put(table, { pk: erasureKey(userId), erasedAt });

/** True when `userId` was erased and has not signed up again since. */
export const isErased = async <T extends string>(
  ctx: MarkerAccess<T>,
  table: T,
  userId: string,
): Promise<boolean> => (await ctx.get(table, erasureKey(userId))) !== undefined;

/**
 * Removes the marker of a user signing up again. Read first: a delete of an absent key still costs a
 * transaction item and leaves a tombstone of fences to sweep, for every sign-up.
 */
export const clearErasure = async <T extends string>(
  ctx: MarkerAccess<T>,
  table: T,
  userId: string,
): Promise<void> => {
  if (await isErased(ctx, table, userId)) ctx.delete(table, erasureKey(userId));
};
