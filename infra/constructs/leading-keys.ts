import type { RuntimeTable } from '../../shared/config';

/**
 * The partition keys one consumer (service, topic) uses in the shared runtime tables, as
 * `dynamodb:LeadingKeys` patterns. They mirror the runtime's key builders: `checkpointKey`
 * (`service#topic[#scope]`), `outboxPk` (`service#topic#shard[#scope]`) and the parking item
 * (`pk = service`, `chunks#service` for a large record's chunk items, `sweep#service` for tombstone
 * sweep entries). Names are `[a-z0-9-]`, so `#` always ends a name and `cart#carts#*` cannot reach
 * `cart#carts2` or another service's rows. If a key format changes in `shared/consumer`, change it here:
 * the consumer then fails with AccessDenied on its first commit, not silently.
 */
export const consumerLeadingKeys = (
  service: string,
  topic: string,
): Readonly<Record<Exclude<RuntimeTable, 'idempotency'>, readonly string[]>> => ({
  checkpoints: [`${service}#${topic}`, `${service}#${topic}#*`],
  outbox: [`${service}#${topic}#*`],
  // The parked item itself, the chunk items of a record too large for one item (`parkedChunkPk`), and
  // the tombstone sweep entries (`sweepPk`).
  parking: [service, `chunks#${service}`, `sweep#${service}`],
});

/**
 * Checkpoint keys a consumer (of any of the service's topics) may only read (GetItem, BatchGetItem): the
 * service's checkpoints of every topic. A state item written from two topics of the service carries
 * fences of both, and a write or a tombstone sweep over it reads the other topic's checkpoint to tell
 * settled fences (shared/consumer/fence.ts `settledUnits`). Writes stay on `consumerLeadingKeys`.
 */
export const consumerCheckpointReadKeys = (service: string): readonly string[] => [`${service}#*`];

/** The read-only actions `consumerCheckpointReadKeys` grants. */
export const CHECKPOINT_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem'] as const;
