import type { KinesisStreamEvent } from 'aws-lambda';

/**
 * A batch as the event source mapping delivers it: each event is a CloudEvents envelope, base64 in a
 * Kinesis record of the topic's stream (`stream` is the name the test's env gives the topic).
 */
export const batchOf = (
  stream: string,
  events: readonly { type: string; key: string; data: Record<string, unknown> }[],
): KinesisStreamEvent => ({
  Records: events.map((event, i) => {
    const sequenceNumber = String(49_650_000_000_000_000_000_000_000_000n + BigInt(i + 1));
    const envelope = {
      specversion: '1.0',
      id: `test-${i + 1}`,
      source: 'test',
      type: event.type,
      time: new Date(0).toISOString(),
      datacontenttype: 'application/json',
      dataschema: `urn:spine:schema:${event.type}:1`,
      dataversion: 1,
      partitionkey: event.key,
      data: event.data,
    };
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: event.key,
        sequenceNumber,
        data: Buffer.from(JSON.stringify(envelope)).toString('base64'),
        approximateArrivalTimestamp: 1_795_000_000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/consumer',
      awsRegion: 'us-east-1',
      eventSourceARN: `arn:aws:kinesis:us-east-1:123456789012:stream/${stream}`,
    };
  }),
});
