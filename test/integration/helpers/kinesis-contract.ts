import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type _Record,
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  PutRecordsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { listShards } from '../../../shared/aws';

/** The contract suite's helpers: each goes through the real SDK client, so both Kinesis answer alike. */

let streams = 0;
export const streamName = (prefix: string) => {
  streams += 1;
  return `${prefix}-${Date.now()}-${streams}`;
};

/** Waits until the stream is ACTIVE (a condition, polled), failing after `timeoutMs`. */
export const waitActive = async (kinesis: KinesisClient, stream: string, timeoutMs = 60_000) => {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await sleep(20);
  }
  throw new Error(`stream ${stream} did not become ACTIVE within ${timeoutMs} ms`);
};

export const createActive = async (kinesis: KinesisClient, stream: string, shards: number) => {
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: shards }));
  await waitActive(kinesis, stream);
};

/** MD5 of the partition key as an unsigned 128-bit integer: where AWS routes a record. */
export const hashOf = (partitionKey: string) =>
  BigInt(`0x${createHash('md5').update(partitionKey).digest('hex')}`);

export const holdsHash = (shard: Shard, hash: bigint) =>
  hash >= BigInt(shard.HashKeyRange?.StartingHashKey ?? '-1') &&
  hash <= BigInt(shard.HashKeyRange?.EndingHashKey ?? '-1');

export const openShards = async (kinesis: KinesisClient, stream: string) =>
  (await listShards(kinesis, stream)).filter(
    (s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined,
  );

export const iterator = async (
  kinesis: KinesisClient,
  input: GetShardIteratorCommandInput,
): Promise<string> => {
  const out = await kinesis.send(new GetShardIteratorCommand(input));
  if (!out.ShardIterator) throw new Error(`no iterator for ${input.ShardId}`);
  return out.ShardIterator;
};

/** What reading a shard from `start` to its tip or end returned, page by page. */
export interface ShardRead {
  readonly records: _Record[];
  readonly pages: GetRecordsCommandOutput[];
  /** The last page had no NextShardIterator (the end of a closed shard). */
  readonly ended: boolean;
}

/** Reads pages of `limit` until a page is empty at the tip (MillisBehindLatest 0) or the shard ends. */
export const readFrom = async (kinesis: KinesisClient, start: string, limit?: number): Promise<ShardRead> => {
  const records: _Record[] = [];
  const pages: GetRecordsCommandOutput[] = [];
  let next: string | undefined = start;
  for (let calls = 0; next && calls < 1_000; calls++) {
    const page: GetRecordsCommandOutput = await kinesis.send(
      new GetRecordsCommand({ ShardIterator: next, ...(limit !== undefined && { Limit: limit }) }),
    );
    pages.push(page);
    records.push(...(page.Records ?? []));
    next = page.NextShardIterator;
    if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) break;
  }
  return { records, pages, ended: next === undefined };
};

export const dataOf = (r: _Record) => new TextDecoder().decode(r.Data);

/** The error a call rejected with, for its name (the wire's `__type`). */
export const rejection = async (call: Promise<unknown>): Promise<Error> => {
  try {
    await call;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('the call succeeded where an error was expected');
};

/** One PutRecords of a record per key, partition key = the key, data = `text(key, index)`. */
export const putKeys = (
  kinesis: KinesisClient,
  stream: string,
  keys: readonly string[],
  text: (key: string, index: number) => string = (key) => key,
) =>
  kinesis.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: keys.map((k, i) => ({ PartitionKey: k, Data: new TextEncoder().encode(text(k, i)) })),
    }),
  );
