import type { Catalog } from '../catalog';
import type { Envelope } from '../envelope';
import type { SchemaRegistry } from '../schemas';

export interface IdempotencyClaimSpec {
  /** DynamoDB key of the claim, scoped to (producer, topic). */
  readonly pk: string;
  /** The key as the caller knows it, for 409 messages. */
  readonly display: string;
  readonly payloadHash: string;
  readonly windowHours: number;
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
  readonly now: () => Date;
  readonly newId?: () => string;
}
