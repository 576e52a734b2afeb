import type { Catalog, ProducerDelivery } from '../catalog';
import type { Envelope } from '../envelope';
import type { SchemaRegistry } from '../schemas';

export interface IdempotencyClaimSpec {
  /** DynamoDB key of the claim, scoped to (producer, topic). */
  readonly pk: string;
  /** The key as the caller knows it, for 409 messages. */
  readonly display: string;
  readonly payloadHash: string;
  readonly windowHours: number;
  /**
   * Set when the topic's log keeps an event at least as long as its key is remembered (window <= the
   * topic's retention): the topic's retention in hours. The claim is then the key's only write (1 WCU):
   * no completion follows a successful write, and a later request that finds the claim pending looks
   * for the event in the log. Unset (window longer than retention): the claim is completed (2 WCU).
   */
  readonly logRetentionHours?: number;
}

/** A validated event, ready to write: its envelope, the record bytes, its idempotency claim if any. */
export interface PreparedEvent {
  readonly index: number;
  readonly envelope: Envelope;
  readonly bytes: Uint8Array;
  readonly idempotency?: IdempotencyClaimSpec;
}

export interface PrepareContext {
  readonly catalog: Catalog;
  readonly registry: SchemaRegistry;
  readonly topic: string;
  readonly producer: string;
  /**
   * The producer's `delivery`. `'at-least-once'`: no event is claimed (ids, when sent, are kept as event
   * ids but dedupe nothing) and the `Idempotency-Key` header is refused. @default 'idempotent'
   */
  readonly delivery?: ProducerDelivery;
  readonly now: () => Date;
  readonly newId?: () => string;
}
