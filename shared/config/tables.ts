/**
 * Key schemas of the tables Spine creates. The CDK app and local provisioning both read these, so a
 * table is never declared twice. Every attribute here is a string (`S`).
 */
export interface TableKeySchema {
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Epoch-seconds attribute that DynamoDB TTL expires on. */
  readonly ttlAttribute?: string;
}

export const RUNTIME_TABLES = {
  /** Per (service, topic, shard) checkpoint and, where needed, per-key dedupe markers. */
  checkpoints: { partitionKey: 'pk', sortKey: 'sk' },
  /** Ingress idempotency records; expire after the topic's idempotency window. */
  idempotency: { partitionKey: 'pk', ttlAttribute: 'expiresAt' },
  /** Parked events with their whole envelope, per service, in shard/sequence order. */
  parking: { partitionKey: 'pk', sortKey: 'sk' },
  /**
   * Events a handler emitted, written in the same transaction as its state change and deleted once
   * published: the outbox that makes "emitted iff committed" hold without a dual write.
   */
  outbox: { partitionKey: 'pk', sortKey: 'sk' },
} as const satisfies Record<string, TableKeySchema>;

export type RuntimeTable = keyof typeof RUNTIME_TABLES;

/** Every service state table is keyed by a string `pk`; items are otherwise free-form. */
export const STATE_TABLE_KEY: TableKeySchema = { partitionKey: 'pk' };
