import { ListShardsCommand } from '@aws-sdk/client-kinesis';
import { encodeEnvelope, markResent } from '../../shared/envelope';
import { lambdaContext } from '../../test/fixtures/apigw';
import { kinesisEvent, kinesisRecord, seq } from '../../test/fixtures/kinesis';
import { readShard } from '../../test/integration/consumer/log';
import { addCalls, diffCalls } from '../lib/kinesis-calls';
import { diffCounts } from '../lib/meter';
import { envelopeOf, eventId, kinesisRecords, orderData } from '../lib/workload';
import { type Container, container, putOrder, RARE_TABLES, untilDone } from './consumer';
import { addCounts, type PathCost, perUnit } from './per-event';
import { createStream, plainKinesis, putAll, type RareEndpoints } from './setup';

/** One measured path: what it costs per unit, and what was driven to get there. */
export interface PathResult extends PathCost {
  readonly side: 'consumer' | 'ingress';
  readonly path: string;
  /** What one unit is: an event, a marked record, a parked event. */
  readonly per: string;
  readonly units: number;
  readonly invocations: number;
  readonly detail: string;
}

const STREAM = 'bench-rare-orders';
/**
 * Records of the synthetic runs carry real shard ids of `STREAM`, one shard per run: the runtime
 * looks a shard up in the stream's lineage (ListShards, cached per container), and an unknown id
 * would make it list the stream again on every invocation, which a real shard never does.
 */
const SHARDS = { normal: 0, death: 1, park: 2, big: 3 } as const;
const shard = (n: number) => `shardId-${String(n).padStart(12, '0')}`;
const NORMAL_BATCH = 100;
const MARKED = 10;

const window = (c: Container) => {
  const d0 = c.dynamoMeter.snapshot();
  const k0 = c.kinesisMeter.snapshot();
  return () => ({
    dynamo: diffCounts(c.dynamoMeter.snapshot(), d0),
    kinesis: diffCalls(c.kinesisMeter.snapshot(), k0),
  });
};

const fail = (path: string, why: string): never => {
  throw new Error(`rare path "${path}" was not driven as intended: ${why}`);
};

/** The normal path on this harness (copy finder wired, no marked record): the reference row. */
const normal = async (ep: RareEndpoints): Promise<PathResult> => {
  const c = container(ep, STREAM);
  const records = kinesisRecords(STREAM, shard(SHARDS.normal), 'rnorm', 0, NORMAL_BATCH);
  const seen = window(c);
  const invocations = await untilDone(c.consumer, records);
  const { dynamo, kinesis } = seen();
  c.destroy();
  return {
    side: 'consumer',
    path: `normal, batch ${NORMAL_BATCH}, fresh container`,
    per: 'event',
    units: NORMAL_BATCH,
    invocations,
    detail:
      'one invocation of a new container: ListShards once (lineage, cached per container), no marked record',
    ...perUnit(dynamo, kinesis, NORMAL_BATCH),
  };
};

/**
 * A marked re-send whose original was applied in an earlier batch: the copy finder reads the shard
 * from the mark (minus its skew margin) up to the copy and finds the original, so the copy is skipped.
 */
const markedCopies = async (ep: RareEndpoints): Promise<PathResult> => {
  const path = `marked re-send, ${MARKED} copies in one batch`;
  const admin = plainKinesis(ep);
  const stream = `${STREAM}-marked`;
  await createStream(admin, stream);
  const since = Date.now();
  const originals = Array.from({ length: NORMAL_BATCH }, (_, i) =>
    envelopeOf(orderData('rmark', i), eventId('rmark', i)),
  );
  await putAll(
    admin,
    stream,
    originals.map((e) => ({ data: encodeEnvelope(e), key: e.partitionkey ?? '' })),
  );
  await putAll(
    admin,
    stream,
    originals.slice(0, MARKED).map((e) => ({
      data: markResent(encodeEnvelope(e), since),
      key: e.partitionkey ?? '',
    })),
  );
  const shardId = (await admin.send(new ListShardsCommand({ StreamName: stream }))).Shards?.[0]?.ShardId;
  if (!shardId) return fail(path, 'no shard');
  const records = await readShard(admin, stream, shardId);
  admin.destroy();
  if (records.length !== NORMAL_BATCH + MARKED) return fail(path, `${records.length} records in the shard`);

  const c = container(ep, stream);
  await untilDone(c.consumer, records.slice(0, NORMAL_BATCH));
  const seen = window(c);
  const invocations = await untilDone(c.consumer, records.slice(NORMAL_BATCH));
  const { dynamo, kinesis } = seen();
  c.destroy();
  if ((dynamo.tables[RARE_TABLES.state]?.wcu ?? 0) > 0) fail(path, 'a copy was applied');
  // The look-back is per batch since ef1a5fa (CopyFinder.findEarlierAll: one read of the shard answers
  // every marked record of the batch), so at least one read, not one per marked record.
  if ((kinesis.GetRecords ?? 0) < 1) fail(path, 'no look-back read for the marked records');
  return {
    side: 'consumer',
    path,
    per: 'marked record',
    units: MARKED,
    invocations,
    detail: `originals applied in an earlier batch, ${NORMAL_BATCH} records between mark and copies; every copy skipped`,
    ...perUnit(dynamo, kinesis, MARKED),
  };
};

/**
 * A death mid-batch (the process stops answering: no catch, no finally) and the next container's
 * careful retry of the whole batch, one event per commit. Both containers' calls count.
 */
const DEAD_INVOCATION_MS = 8_000;
/** `MARK_CLOCK_SKEW_MS` of shared/consumer/attempts.ts: how long past its deadline a mark counts as live. */
const MARK_SKEW_MS = 2_000;

const deathThenCareful = async (ep: RareEndpoints): Promise<PathResult> => {
  const path = `death at event 50 of ${NORMAL_BATCH}, then careful retry`;
  const records = kinesisRecords(STREAM, shard(SHARDS.death), 'rdeth', 0, NORMAL_BATCH);
  const killer = orderData('rdeth', 50).orderId;
  let dead = false;
  let died = () => {};
  const death = new Promise<void>((resolve) => {
    died = resolve;
  });
  const first = container(
    ep,
    STREAM,
    async (event, ctx) => {
      if (event.key === killer) {
        dead = true;
        died();
        await new Promise(() => {});
      }
      await putOrder(event, ctx);
    },
    // Before the meters (build step): calls of the dead process never leave it, so none are counted.
    (clients) =>
      clients.dynamo.middlewareStack.add((next) => (args) => (dead ? new Promise(() => {}) : next(args)), {
        step: 'initialize',
        name: 'benchDeath',
      }),
  );
  const seenFirst = window(first);
  // Short deadline: the hung invocation's own timer ends soon after the run (it changes nothing).
  const deadline = Date.now() + DEAD_INVOCATION_MS;
  void first.consumer(kinesisEvent(records), lambdaContext(DEAD_INVOCATION_MS));
  await death;
  const dying = seenFirst();
  // The mapping re-invokes only once the hung invocation has timed out. Before that, its attempt mark is
  // live and the next container would answer busy (shared/consumer/attempts.ts, 2 s of clock skew).
  await new Promise((r) => setTimeout(r, Math.max(0, deadline + MARK_SKEW_MS + 500 - Date.now())));
  const second = container(ep, STREAM);
  const seenSecond = window(second);
  const invocations = await untilDone(second.consumer, records);
  const retry = seenSecond();
  second.destroy();
  const commits = retry.dynamo.ops.TransactWriteItems?.calls ?? 0;
  if (commits < NORMAL_BATCH) fail(path, `${commits} commits in the retry: not careful mode`);
  const marks = dying.dynamo.ops.UpdateItem?.calls ?? 0;
  const deadCommits = dying.dynamo.ops.TransactWriteItems?.calls ?? 0;
  if (marks === 0) fail(path, 'the dead invocation wrote no attempt mark');
  return {
    side: 'consumer',
    path,
    per: 'event',
    units: NORMAL_BATCH,
    invocations: invocations + 1,
    detail: `dead invocation (${marks} attempt mark, ${deadCommits} commits) + careful retry: ${commits} transactions`,
    ...perUnit(addCounts(dying.dynamo, retry.dynamo), addCalls(dying.kinesis, retry.kinesis), NORMAL_BATCH),
  };
};

/** An event whose handler always throws: `maxAttempts` attempts recorded, then parked whole. */
const parkedAfterAttempts = async (ep: RareEndpoints): Promise<PathResult> => {
  const path = 'handler always fails: attempts, then parked (~1 KB record)';
  const records = kinesisRecords(STREAM, shard(SHARDS.park), 'rpark', 0, 1);
  const c = container(ep, STREAM, () => {
    throw new Error('bench: this handler always fails');
  });
  const seen = window(c);
  const invocations = await untilDone(c.consumer, records);
  const { dynamo, kinesis } = seen();
  c.destroy();
  if ((dynamo.tables[RARE_TABLES.parking]?.wcu ?? 0) === 0) fail(path, 'nothing parked');
  return {
    side: 'consumer',
    path,
    per: 'parked event',
    units: 1,
    invocations,
    detail: `alone in its batch; ${invocations} invocations until parked (catalog maxAttempts)`,
    ...perUnit(dynamo, kinesis, 1),
  };
};

const BIG_DATA_CHARS = 1_000_000;

/** A ~1 MB record the catalog cannot decode: parked at once, its data in chunk items. */
const parkedBigPoison = async (ep: RareEndpoints): Promise<PathResult> => {
  const path = 'poison record of ~1 MB: parked at once, data in chunks';
  const record = kinesisRecord({
    stream: STREAM,
    shardId: shard(SHARDS.big),
    sequenceNumber: seq(1),
    partitionKey: 'rare-big',
    data: {
      ...envelopeOf(orderData('rbig', 0), eventId('rbig', 0)),
      type: 'NotInCatalog',
      data: 'x'.repeat(BIG_DATA_CHARS),
    },
  });
  const c = container(ep, STREAM);
  const seen = window(c);
  const invocations = await untilDone(c.consumer, [record]);
  const { dynamo, kinesis } = seen();
  c.destroy();
  if ((dynamo.ops.BatchWriteItem?.calls ?? 0) === 0) fail(path, 'no chunk written');
  return {
    side: 'consumer',
    path,
    per: 'parked event',
    units: 1,
    invocations,
    detail: `${BIG_DATA_CHARS.toLocaleString('en-US')} chars of data (${Math.round((record.kinesis.data.length * 3) / 4 / 1024)} KiB record)`,
    ...perUnit(dynamo, kinesis, 1),
  };
};

/** The consumer's paths, in the order the table shows them. */
export const runConsumerPaths = async (ep: RareEndpoints): Promise<PathResult[]> => {
  const admin = plainKinesis(ep);
  await createStream(admin, STREAM, Object.keys(SHARDS).length);
  admin.destroy();
  return [
    await normal(ep),
    await markedCopies(ep),
    await deathThenCareful(ep),
    await parkedAfterAttempts(ep),
    await parkedBigPoison(ep),
  ];
};
