import type { KinesisStreamRecord } from 'aws-lambda';
import { decodeEnvelope, isEnvelopeDecodeError } from '../envelope';
import { splitShardId } from '../layout';
import type { SchemaRegistry } from '../schemas';
import { PoisonRecordError } from './errors';
import type { ConsumedEvent } from './types';

/** Stream name from a Kinesis stream ARN (`arn:aws:kinesis:region:account:stream/NAME`). */
export const streamNameOf = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

/** Shard id from a Lambda Kinesis record's `eventID` (`shardId-000000000000:4958...`). */
export const shardIdOf = (record: KinesisStreamRecord): string => {
  const i = record.eventID.lastIndexOf(':');
  return i > 0 ? record.eventID.slice(0, i) : record.eventID;
};

/** True for a shard id the CLI scoped to a redrive or replay session (see shared/layout). */
export const isScopedShard = (shardId: string): boolean => splitShardId(shardId).scope !== undefined;

/**
 * Decodes a record into a validated event. Anything wrong with the bytes, the envelope or the data
 * is a `PoisonRecordError`: retrying cannot fix it, so the runtime parks it at once.
 */
export const toConsumedEvent = (
  record: KinesisStreamRecord,
  topic: string,
  schemas: SchemaRegistry,
): ConsumedEvent => {
  let envelope: ConsumedEvent['envelope'];
  try {
    envelope = decodeEnvelope(Buffer.from(record.kinesis.data, 'base64'));
  } catch (cause) {
    if (isEnvelopeDecodeError(cause)) throw new PoisonRecordError(cause.message, [], { cause });
    throw cause;
  }
  if (!schemas.has(envelope.type, envelope.dataversion))
    throw new PoisonRecordError(`unknown event type ${envelope.type} version ${envelope.dataversion}`);
  // A type of the catalog this function neither consumes nor writes (records written before the
  // catalog moved it to another topic): no handler takes it (`service.ts` refuses handlers for types
  // off the service's topics), so it is skipped like any type without a handler, unvalidated, as it
  // was before validators were scoped per function. Parking it would stop nothing and alarm someone.
  const result = schemas.validates(envelope.type, envelope.dataversion)
    ? schemas.validate(envelope.type, envelope.dataversion, envelope.data)
    : { ok: true as const };
  if (!result.ok)
    throw new PoisonRecordError(
      `data does not match the schema of ${envelope.type} v${envelope.dataversion}`,
      result.errors.map((e) => ({ path: e.path, message: e.message })),
    );
  return {
    id: envelope.id,
    type: envelope.type,
    version: envelope.dataversion,
    source: envelope.source,
    time: envelope.time,
    key: envelope.partitionkey,
    data: envelope.data,
    ...(envelope.correlationid === undefined ? {} : { correlationId: envelope.correlationid }),
    ...(envelope.causationid === undefined ? {} : { causationId: envelope.causationid }),
    ...(envelope.subject === undefined ? {} : { subject: envelope.subject }),
    extensions: envelope.extensions ?? {},
    topic,
    shardId: shardIdOf(record),
    sequenceNumber: record.kinesis.sequenceNumber,
    arrivedAt: Math.round(record.kinesis.approximateArrivalTimestamp * 1000),
    envelope,
  };
};
