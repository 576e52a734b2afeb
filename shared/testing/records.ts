import type { KinesisStreamRecord } from 'aws-lambda';
import { type Catalog, eventType, latestVersion } from '../catalog';
import { dataSchemaUri, type Envelope } from '../envelope';

/** An event a test delivers: its type, its data, and optionally its version, partition key and id. */
export interface GivenEvent {
  readonly type: string;
  readonly data: unknown;
  /** Schema version; defaults to the type's latest. */
  readonly version?: number;
  /** Partition key; defaults to `data[keyField]`, as the ingress sets it. */
  readonly key?: string;
  /** CloudEvents id; defaults to a fresh `test-<n>`. Same id and source twice is the same event. */
  readonly id?: string;
}

/** Sequence numbers like Kinesis's: long decimal strings that compare numerically. */
const sequenceNumber = (n: number): string =>
  (49_650_000_000_000_000_000_000_000_000n + BigInt(n)).toString();

/** The event's topic, or why the catalog has no such type. */
export const topicOf = (catalog: Catalog, type: string): string => {
  const spec = eventType(catalog, type);
  if (!spec) throw new Error(`spine/testing: "${type}" is not an event type of the catalog`);
  return spec.topic;
};

const keyOf = (catalog: Catalog, event: GivenEvent): string => {
  if (event.key !== undefined) return event.key;
  const field = eventType(catalog, event.type)?.keyField;
  const value =
    field !== undefined && typeof event.data === 'object' && event.data !== null
      ? Object.entries(event.data).find(([name]) => name === field)?.[1]
      : undefined;
  if (typeof value !== 'string')
    throw new Error(`spine/testing: ${event.type} has no string "${field}" for its key; pass \`key\``);
  return value;
};

/**
 * The Kinesis record the event source mapping would deliver for `event`: a CloudEvents envelope,
 * base64, on the topic's stream (the stream's name is the topic's in the harness's environment),
 * all on one shard so checkpoints and dedupe see one ordered log.
 */
export const recordOf = (catalog: Catalog, event: GivenEvent, n: number): KinesisStreamRecord => {
  const spec = eventType(catalog, event.type);
  const version = event.version ?? (spec ? latestVersion(spec) : 1);
  const key = keyOf(catalog, event);
  const envelope: Envelope = {
    specversion: '1.0',
    id: event.id ?? `test-${n}`,
    source: 'spine-testing',
    type: event.type,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    dataschema: dataSchemaUri(event.type, version),
    dataversion: version,
    partitionkey: key,
    data: event.data,
  };
  const seq = sequenceNumber(n);
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: key,
      sequenceNumber: seq,
      data: Buffer.from(JSON.stringify(envelope)).toString('base64'),
      approximateArrivalTimestamp: Date.now() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${seq}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/spine-testing',
    awsRegion: 'us-east-1',
    eventSourceARN: `arn:aws:kinesis:us-east-1:123456789012:stream/${topicOf(catalog, event.type)}`,
  };
};
