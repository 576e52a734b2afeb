import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import { toLambdaRecord } from '../../../local/esm';
import type { KinesisHandler } from '../../../shared/consumer';
import { type Envelope, encodeEnvelope, markResent } from '../../../shared/envelope';
import { kinesisEvent, streamArn } from '../../fixtures/kinesis';

/** Writes one envelope as a record, marked as a re-send since `resentSince` when given. */
export const putEnvelope = async (
  kinesis: KinesisClient,
  stream: string,
  envelope: Envelope,
  resentSince?: number,
): Promise<{ shardId: string; sequenceNumber: string }> => {
  const plain = encodeEnvelope(envelope);
  const out = await kinesis.send(
    new PutRecordCommand({
      StreamName: stream,
      PartitionKey: envelope.partitionkey,
      Data: resentSince === undefined ? plain : markResent(plain, resentSince),
    }),
  );
  return { shardId: out.ShardId ?? '', sequenceNumber: out.SequenceNumber ?? '' };
};

/** Every record of one shard, from its start to its tip (or end), as Lambda delivers them. */
export const readShard = async (
  kinesis: KinesisClient,
  stream: string,
  shardId: string,
): Promise<KinesisStreamRecord[]> => {
  const records: KinesisStreamRecord[] = [];
  let iterator = (
    await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    )
  ).ShardIterator;
  while (iterator) {
    const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
    for (const r of out.Records ?? [])
      records.push(
        toLambdaRecord(r, { shardId, streamArn: streamArn(stream), identityArn: 'arn:aws:iam::1:role/test' }),
      );
    if ((out.Records ?? []).length === 0 && out.MillisBehindLatest === 0) break;
    iterator = out.NextShardIterator;
  }
  return records;
};

export const shardIds = async (kinesis: KinesisClient, stream: string): Promise<string[]> =>
  ((await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []).flatMap((s) =>
    s.ShardId ? [s.ShardId] : [],
  );

/** Decoded envelopes of every record in the stream, all shards. */
export const envelopesIn = async (
  kinesis: KinesisClient,
  stream: string,
): Promise<Record<string, unknown>[]> => {
  const all: Record<string, unknown>[] = [];
  for (const shardId of await shardIds(kinesis, stream))
    for (const r of await readShard(kinesis, stream, shardId))
      all.push(JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')));
  return all;
};

/**
 * Plays the event source mapping over one shard's records: batches of `batchSize`, each retried from
 * its first reported failure, until every record is acknowledged or `maxInvocations` is spent.
 */
export const deliverAll = async (
  consumer: KinesisHandler,
  records: readonly KinesisStreamRecord[],
  batchSize: number,
  maxInvocations = 50,
): Promise<{ invocations: number; failures: KinesisStreamBatchResponse['batchItemFailures'] }> => {
  let position = 0;
  const failures: KinesisStreamBatchResponse['batchItemFailures'] = [];
  let invocations = 0;
  while (position < records.length && invocations < maxInvocations) {
    const batch = records.slice(position, position + batchSize);
    invocations += 1;
    const response = await consumer(kinesisEvent(batch));
    const failed = response.batchItemFailures[0];
    if (!failed) {
      position += batch.length;
      continue;
    }
    failures.push(failed);
    position += Math.max(
      0,
      batch.findIndex((r) => r.kinesis.sequenceNumber === failed.itemIdentifier),
    );
  }
  return { invocations, failures };
};
