/**
 * Key formats of every item the runtime and operations share, in one place. The runtime writes these
 * keys and `shared/ops` reads them; the IAM LeadingKeys grants in infra/ are written from the same
 * formats (test/infra/runtime-leading-keys.test.ts checks them against these builders). Changing one
 * moves stored items: test/unit/layout-keys.test.ts pins each format so a change is deliberate.
 */

/** One shard of one (service, topic) subscription; a session's shard id carries its scope (`scopedShardId`). */
export interface SubscriptionShard {
  readonly service: string;
  readonly topic: string;
  readonly shardId: string;
}

/**
 * The one scope mechanism: a replay, rebuild or redrive session delivers records whose `eventID` is
 * `<shardId>#<scope>:<sequenceNumber>`, so the runtime, keying everything by the shard id, keeps the
 * session's checkpoint (`sk = <shardId>#<scope>`), outbox partition and parked events apart from the
 * live ones with no scope of its own.
 */
export const SCOPE_SEPARATOR = '#';

export const scopedShardId = (shardId: string, scope: string | undefined): string =>
  scope ? `${shardId}${SCOPE_SEPARATOR}${scope}` : shardId;

/** Splits a (possibly scoped) shard id as stored in checkpoints and parked events. */
export const splitShardId = (value: string): { shardId: string; scope?: string } => {
  const i = value.indexOf(SCOPE_SEPARATOR);
  return i < 0 ? { shardId: value } : { shardId: value.slice(0, i), scope: value.slice(i + 1) };
};

/** Partition of a subscription's checkpoint items in the checkpoints table: `service#topic`. */
export const subscriptionPk = (service: string, topic: string): string => `${service}#${topic}`;

/**
 * A checkpoint item's key: `pk = service#topic`, `sk = shardId` for the shard checkpoint or
 * `shardId#key#<partition key>` for a per-key marker (`keyMarkerSk`).
 */
export const checkpointKey = (p: SubscriptionShard, sk: string = p.shardId): { pk: string; sk: string } => ({
  pk: subscriptionPk(p.service, p.topic),
  sk,
});

/** Separates the (possibly scoped) shard id from the partition key in a per-key marker's `sk`. */
export const KEY_MARKER = '#key#';

/**
 * With a parallelization factor above 1, Lambda runs several batches of one shard at once (different
 * keys, each key still in order), so one shard checkpoint would be overtaken: progress is then kept
 * per partition key instead.
 */
export const keyMarkerSk = (shardId: string, partitionKey: string): string =>
  `${shardId}${KEY_MARKER}${partitionKey}`;

/** A checkpoint `sk` read back: its shard, scope and, for a per-key marker, its partition key. */
export const parseCheckpointSk = (sk: string): { shardId: string; scope?: string; key?: string } => {
  const at = sk.indexOf(KEY_MARKER);
  if (at < 0) return splitShardId(sk);
  return { ...splitShardId(sk.slice(0, at)), key: sk.slice(at + KEY_MARKER.length) };
};

/** Outbox partition of one source shard, so the next invocation on that shard finds leftovers with one Query. */
export const outboxPk = (p: SubscriptionShard): string => `${p.service}#${p.topic}#${p.shardId}`;

/** Orders the outbox entries of one source shard: `<source sequence number>#<emit index>`, zero-padded. */
export const outboxSk = (sequenceNumber: string, index: number): string =>
  `${sequenceNumber.padStart(64, '0')}#${String(index).padStart(4, '0')}`;

/**
 * Key of an operations session record (replay, rebuild, redrive) in the checkpoints table:
 * `pk = ops#service[#topic]`, never a `service#topic` key the runtime uses.
 */
export const sessionKey = (service: string, topic: string | undefined, kind: string) => ({
  pk: topic ? `ops#${service}#${topic}` : `ops#${service}`,
  sk: kind,
});

/** Key of the audit record of a discarded parked event, in the parking table. */
export const auditPk = (service: string): string => `audit#${service}`;
export const auditSk = (at: string, parkedSk: string): string => `${at}#${parkedSk}`;
