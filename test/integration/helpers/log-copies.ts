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

/**
 * A record the test wrote itself as filler (JSON without `specversion`) is no event: skipped. Anything
 * else must decode as an envelope, so a corrupt record from a writer fails the test instead of hiding.
 */
const isEvent = (data: Uint8Array): boolean => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return true;
  }
  return typeof parsed !== 'object' || parsed === null || 'specversion' in parsed;
};

/** Every event record of `stream` (a test's own filler records skipped, see `isEvent`): each shard read from TRIM_HORIZON to its tip (`MillisBehindLatest` 0). */
export const readLog = async (client: KinesisClient, stream: string): Promise<StoredCopy[]> => {
  const out: StoredCopy[] = [];
  for (const shard of (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []) {
    let iterator = (
      await client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    for (let page = 0; iterator && page < 1_000; page += 1) {
      const got = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of got.Records ?? [])
        if (r.Data && r.SequenceNumber && isEvent(r.Data))
          out.push({
            id: decodeEnvelope(r.Data).id,
            shardId: shard.ShardId ?? '',
            sequenceNumber: r.SequenceNumber,
            marked: resentSinceOfBytes(r.Data) !== undefined,
          });
      if (got.MillisBehindLatest === 0 && (got.Records ?? []).length === 0) break;
      iterator = got.NextShardIterator;
    }
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

/**
 * Runs `request` on an instance whose Kinesis client dies after storing (`hangAfterStored`) and resolves
 * once it died. A request that answers first (its lease ended before it could send, on a busy machine)
 * fails the test with what it answered, instead of leaving it waiting.
 */
export const dieAfterStored = async (
  client: KinesisClient,
  send: () => Promise<{ statusCode?: number; body?: string }>,
): Promise<void> => {
  const stored = hangAfterStored(client);
  const answered = send().then((a) => a);
  const first = await Promise.race([stored.reached.then(() => undefined), answered]);
  if (first)
    throw new Error(
      `the dying claimant answered before Kinesis stored its call: ${first.statusCode} ${first.body}`,
    );
};
