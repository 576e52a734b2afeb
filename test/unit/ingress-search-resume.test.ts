import {
  type _Record,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  ProvisionedThroughputExceededException,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../shared/envelope';
import {
  findRecordsInLog,
  isLogSearchIncompleteError,
  type PreparedEvent,
  partitionHash,
  publishEvents,
} from '../../shared/ingress';
import { LEASE_MS, logKeyEvent, mockedIngress } from './ingress-log-fixtures';
import { refusal } from './ingress-support';

const HALF = 2n ** 127n;
const SHARDS = [
  { ShardId: 'shardId-000000000000', from: 0n, to: HALF - 1n },
  { ShardId: 'shardId-000000000001', from: HALF, to: 2n ** 128n - 1n },
].map(({ ShardId, from, to }) => ({
  ShardId,
  HashKeyRange: { StartingHashKey: from.toString(), EndingHashKey: to.toString() },
  SequenceNumberRange: { StartingSequenceNumber: '0' },
}));
const shardOf = (partitionKey: string): number => (partitionHash(partitionKey) < HALF ? 0 : 1);

/** The first `logKeyEvent` whose key Kinesis maps to `shard` of `SHARDS`. */
const eventIn = (shard: number): PreparedEvent => {
  for (let i = 1; ; i += 1) if (shardOf(`o-${i}`) === shard) return logKeyEvent(i, 24, 24);
};

/**
 * A stream of two shards (each half of the hash keys): PutRecords appends to the key's shard, GetRecords
 * answers the rest of the shard at its tip, or is throttled on the shards in `throttled`.
 */
const twoShardLog = (mock: AwsClientStub<KinesisClient>) => {
  const shards: _Record[][] = [[], []];
  const throttled = new Set<string>();
  let next = 100;
  const append = (PartitionKey = '', Data: Uint8Array = new Uint8Array(), at = Date.now()) => {
    const shard = shardOf(PartitionKey);
    next += 1;
    const SequenceNumber = String(next);
    shards[shard]?.push({ SequenceNumber, PartitionKey, Data, ApproximateArrivalTimestamp: new Date(at) });
    return { ShardId: SHARDS[shard]?.ShardId, SequenceNumber };
  };
  mock.on(ListShardsCommand).resolves({ Shards: SHARDS });
  mock.on(DescribeStreamSummaryCommand).resolves({
    StreamDescriptionSummary: { RetentionPeriodHours: 24 } as never,
  });
  mock
    .on(GetShardIteratorCommand)
    .callsFake((input: { ShardId?: string; StartingSequenceNumber?: string }) => {
      const shard = SHARDS.findIndex((s) => s.ShardId === input.ShardId);
      const after = BigInt(input.StartingSequenceNumber ?? '0');
      const from = (shards[shard] ?? []).filter((r) => BigInt(r.SequenceNumber ?? '0') <= after).length;
      return { ShardIterator: `${shard}:${from}` };
    });
  mock.on(GetRecordsCommand).callsFake(async ({ ShardIterator = '0:0' }: { ShardIterator?: string }) => {
    const [shard = 0, from = 0] = ShardIterator.split(':').map(Number);
    if (throttled.has(SHARDS[shard]?.ShardId ?? ''))
      throw new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} });
    const records = shards[shard] ?? [];
    return {
      Records: records.slice(from),
      NextShardIterator: `${shard}:${records.length}`,
      MillisBehindLatest: 0,
    };
  });
  mock
    .on(PutRecordsCommand)
    .callsFake(async ({ Records = [] }: { Records?: { PartitionKey?: string; Data?: Uint8Array }[] }) => ({
      Records: Records.map((r) => append(r.PartitionKey, r.Data)),
    }));
  const copiesOf = (id: string) =>
    shards.flat().filter((r) => r.Data && decodeEnvelope(r.Data).id === id).length;
  return { append, throttled, copiesOf };
};

describe('a log search that stops undecided after it found an event', () => {
  const [a, b] = [eventIn(0), eventIn(1)];
  const [shardA, shardB] = [SHARDS[0]?.ShardId ?? '', SHARDS[1]?.ShardId ?? ''];

  it('answers the record it found with where it stopped, which is past that record', async () => {
    // Prepare: A is in shard 0; shard 1 (B's) is throttled, so the search stops undecided there.
    const { kinesis, mock } = mockedIngress(Date.now());
    const log = twoShardLog(mock);
    const written = log.append(a.envelope.partitionkey, a.bytes);
    log.throttled.add(shardB);
    const wanted = [a, b].map(({ envelope: e }) => ({ eventId: e.id, partitionKey: e.partitionkey }));
    // Act
    const error = await findRecordsInLog(kinesis, 'orders', wanted, Date.now() - 1_000).catch(
      (e: unknown) => e,
    );
    // Assess: undecided; a search resumed from its progress starts after A, so A must come with it.
    if (!isLogSearchIncompleteError(error))
      throw new Error(`expected an undecided search, got ${String(error)}`);
    expect(error.progress).toEqual({ [shardA]: written.SequenceNumber });
    expect(error.found).toEqual([{ shardId: shardA, sequenceNumber: written.SequenceNumber }, undefined]);
  });

  it("adds no copy of A on the producer's retry after the search that found it stopped undecided", async () => {
    // Prepare: a claimant took both keys, wrote A, lost the answer and died; B never reached the log.
    const { clock, mock, store, deps } = mockedIngress(Date.now() - 600_000);
    const log = twoShardLog(mock);
    if (!a.idempotency || !b.idempotency) throw new Error('keyed events');
    await store.claim(a.idempotency);
    await store.claim(b.idempotency);
    const written = log.append(a.envelope.partitionkey, a.bytes, clock.at + 50);
    clock.at += LEASE_MS + 1_000;
    // Act: the first retry's search finds A, then is throttled on shard 1; the second reads both.
    log.throttled.add(shardB);
    const first = await refusal(publishEvents(deps, 'orders', [a, b]));
    log.throttled.clear();
    const second = await publishEvents(deps, 'orders', [a, b]);
    // Assess: A answered from its one copy both times; only B was written (by the second retry).
    expect(log.copiesOf(a.envelope.id)).toBe(1);
    expect(log.copiesOf(b.envelope.id)).toBe(1);
    expect(first.problems.map((p) => p.index)).toEqual([b.index]);
    expect(first.extra?.results).toEqual([
      {
        index: a.index,
        id: a.envelope.id,
        shardId: shardA,
        sequenceNumber: written.SequenceNumber,
        duplicate: true,
      },
    ]);
    expect(second[0]).toEqual({
      id: a.envelope.id,
      shardId: shardA,
      sequenceNumber: written.SequenceNumber,
      duplicate: true,
    });
  });

  it('still finds A on a later retry when completing its claim failed after the undecided search', async () => {
    // Prepare: as above, but the first retry's store cannot complete A's claim.
    const { clock, mock, store, deps } = mockedIngress(Date.now() - 600_000);
    const log = twoShardLog(mock);
    if (!a.idempotency || !b.idempotency) throw new Error('keyed events');
    await store.claim(a.idempotency);
    await store.claim(b.idempotency);
    const written = log.append(a.envelope.partitionkey, a.bytes, clock.at + 50);
    clock.at += LEASE_MS + 1_000;
    const failingStore = { ...store, complete: () => Promise.reject(new Error('store unreachable')) };
    // Act: the first retry finds A but cannot complete its claim; the second comes after that lease too.
    log.throttled.add(shardB);
    await refusal(publishEvents({ ...deps, store: failingStore }, 'orders', [a, b]));
    log.throttled.clear();
    clock.at += LEASE_MS + 1_000;
    const second = await publishEvents(deps, 'orders', [a, b]);
    // Assess: the claim's saved progress did not pass A, so the second retry finds it again.
    expect(log.copiesOf(a.envelope.id)).toBe(1);
    expect(second[0]).toMatchObject({
      shardId: shardA,
      sequenceNumber: written.SequenceNumber,
      duplicate: true,
    });
  });
});
