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

/**
 * An event of a request of several events sent with one `Idempotency-Key` header: the request holds ONE
 * claim for all of them (1 write unit per request, not per event), as Kafka's idempotent producer dedupes
 * a retried batch as a whole. A retry must repeat the request (the same events in the same order).
 */
export interface BatchMember {
  /** The request's one claim, the same object for every event of it. */
  readonly claim: IdempotencyClaimSpec;
  /** What makes this event what it is (its payload and id): part of the claim's payload hash. */
  readonly hash: string;
  /**
   * The event's identity within the request, (source, id): an event repeating another's is the same
   * event when its hash is equal (written once), a conflict when not.
   */
  readonly identity: string;
}

/**
 * A validated event, ready to write: its envelope, the record bytes, and its idempotency: its own claim
 * (`idempotency`), a share of its request's (`batch`), or neither (nothing deduped).
 */
export interface PreparedEvent {
  readonly index: number;
  readonly envelope: Envelope;
  readonly bytes: Uint8Array;
  readonly idempotency?: IdempotencyClaimSpec;
  readonly batch?: BatchMember;
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
