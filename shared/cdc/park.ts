import type { Change } from './change';
import type { ParkedChange } from './store';

/** A change that failed its type's schema, as the parking lot keeps it: the whole change, base64. */
export const parkedChange = (
  change: Change,
  shardId: string,
  sequenceNumber: string,
  event: {
    readonly id: string;
    readonly type: string;
    readonly errors: readonly { path: string; message: string }[];
  },
): ParkedChange => ({
  shardId,
  sequenceNumber,
  partitionKey: change.keyString,
  data: Buffer.from(
    JSON.stringify({ kind: change.kind, key: change.key, version: change.version, image: change.image }),
  ).toString('base64'),
  eventId: event.id,
  eventType: event.type,
  error: `captured item does not match ${event.type}'s schema`,
  errorDetails: event.errors.map((e) => ({ path: e.path, message: e.message })),
  arrivedAt: change.at,
});
