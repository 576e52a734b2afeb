import type { Catalog } from '../catalog';
import { dataSchemaUri, derivedUuid, type Envelope } from '../envelope';
import { outboxSk } from '../layout';
import type { SchemaRegistry } from '../schemas';
import type { ConsumedEvent, EmitOptions } from './types';

/** An emitted event waiting in the outbox: written with the state change, deleted once published. */
export interface OutboxEntry {
  /** Orders entries of one source shard: `<source sequence number>#<emit index>`, zero-padded. */
  readonly sk: string;
  readonly topic: string;
  readonly envelope: Envelope;
  /** Epoch ms the entry was committed (where recovery starts looking for it in the log). */
  readonly createdAt: number;
  /**
   * Partition key of the consumed event that emitted it. Lambda gives one key to one batch at a time,
   * so an invocation may recover the leftovers of the keys in its own batch without waiting.
   */
  readonly sourceKey?: string;
  /** The recovery claim on the entry when it was loaded, if any (see `ConsumerStore.claimOutbox`). */
  readonly claim?: OutboxClaim;
}

/** Who took an entry over for recovery, and when (epoch ms). */
export interface OutboxClaim {
  readonly at: number;
  readonly token: string;
}

export { outboxPk } from '../layout';

/** An emit the catalog does not allow or whose data fails its schema: a handler bug, retried then parked. */
export class EmitRejectedError extends Error {
  readonly code = 'EMIT_REJECTED';
  constructor(
    message: string,
    readonly details: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'EmitRejectedError';
  }
}

/**
 * Builds the envelope of an emitted event. Its id derives from (service, consumed event, emit index),
 * so every delivery of the same consumed event emits the same ids: downstream can recognise a copy.
 */
export const buildEmitted = (
  catalog: Catalog,
  schemas: SchemaRegistry,
  service: string,
  consumed: ConsumedEvent,
  index: number,
  type: string,
  data: unknown,
  options: EmitOptions = {},
): OutboxEntry => {
  const spec = catalog.eventTypes.find((e) => e.type === type);
  if (!spec) throw new EmitRejectedError(`${service} emitted unknown event type "${type}"`);
  if (spec.writer !== service)
    throw new EmitRejectedError(`${service} may not emit ${type}: its only writer is ${spec.writer}`);
  const version = options.version ?? schemas.latestVersion(type) ?? 1;
  const result = schemas.validate(type, version, data);
  if (!result.ok)
    throw new EmitRejectedError(
      `${service} emitted ${type} v${version} whose data does not match its schema`,
      result.errors.map((e) => ({ path: e.path, message: e.message })),
    );
  const keyValue = options.key ?? (data as Record<string, unknown>)[spec.keyField];
  const partitionkey = typeof keyValue === 'string' || typeof keyValue === 'number' ? String(keyValue) : '';
  if (partitionkey === '')
    throw new EmitRejectedError(
      `${service} emitted ${type} without a key: set data.${spec.keyField} or options.key`,
    );
  const envelope: Envelope = {
    specversion: '1.0',
    id: derivedUuid([service, consumed.source, consumed.id, String(index)].join('\u0000')),
    source: `/services/${service}`,
    type,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    dataschema: dataSchemaUri(type, version),
    dataversion: version,
    partitionkey,
    correlationid: consumed.correlationId ?? consumed.id,
    causationid: consumed.id,
    data,
  };
  return {
    sk: outboxSk(consumed.sequenceNumber, index),
    topic: spec.topic,
    envelope,
    createdAt: Date.now(),
    sourceKey: consumed.key,
  };
};
