/**
 * How a replay or redrive session gets its own checkpoint namespace through an unmodified service
 * handler. The runtime derives the shard of a batch from each record's `eventID`
 * (`<shardId>:<sequenceNumber>`, everything before the last colon) and keys its checkpoint by that
 * shard. A session sends records whose `eventID` is `<shardId>#<scope>:<sequenceNumber>`, so the
 * runtime keeps the session's checkpoint under `sk = <shardId>#<scope>` next to the live one
 * (`sk = <shardId>`): the session re-applies events the live checkpoint already passed, dedupes its
 * own redeliveries and resumes after Ctrl-C, and events it parks carry the scoped shard id.
 *
 * Cost: the handler sees `event.shardId` with the suffix during a session. The formats live in
 * shared/layout, the one place the runtime and operations take their keys from.
 */
export { SCOPE_SEPARATOR, scopedShardId, splitShardId } from '../layout';

/**
 * A session scope name: sortable by start time, no colon (the runtime splits `eventID` on the last
 * one), and unique even for sessions started within the same millisecond (a random suffix), so a new
 * session never inherits the checkpoints or re-parked events of an earlier one.
 */
export const newScope = (kind: 'replay' | 'rebuild' | 'redrive', at: number = Date.now()): string =>
  `${kind}-${new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.(\d+)Z$/, '$1Z')}-${Math.random().toString(36).slice(2, 8)}`;
