import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { DeserializeMiddleware } from '@smithy/types';
import { decodeEnvelope, resentSinceOfBytes } from '../../../shared/envelope';

/** One record of an event in the log, and whether it carries the re-send mark. */
export interface StoredCopy {
  readonly id: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly marked: boolean;
}

/** Every record of `stream` (one page per shard from TRIM_HORIZON: test streams are small). */
export const readLog = async (client: KinesisClient, stream: string): Promise<StoredCopy[]> => {
  const out: StoredCopy[] = [];
  for (const shard of (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []) {
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const page = await client.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
    for (const r of page.Records ?? [])
      if (r.Data && r.SequenceNumber)
        out.push({
          id: decodeEnvelope(r.Data).id,
          shardId: shard.ShardId ?? '',
          sequenceNumber: r.SequenceNumber,
          marked: resentSinceOfBytes(r.Data) !== undefined,
        });
  }
  return out;
};

/**
 * The process dies right after Kinesis stored its PutRecords: the call reaches the emulator and takes
 * effect, and the caller never gets an answer, nor an error (its code after the call never runs).
 * `reached` resolves once the first call was stored.
 */
export const hangAfterStored = (client: KinesisClient): { readonly reached: Promise<void> } => {
  let reachedNow = () => {};
  const reached = new Promise<void>((resolve) => {
    reachedNow = resolve;
  });
  const middleware =
    <I extends object, O extends object>(): DeserializeMiddleware<I, O> =>
    (next, context) =>
    async (args) => {
      const result = await next(args);
      if (context.commandName !== 'PutRecordsCommand') return result;
      reachedNow();
      return new Promise<never>(() => {});
    };
  client.middlewareStack.add(middleware(), {
    step: 'deserialize',
    priority: 'high',
    name: 'hangAfterStored',
  } as const);
  return { reached };
};
