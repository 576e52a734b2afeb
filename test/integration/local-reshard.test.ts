import { setTimeout as sleep } from 'node:timers/promises';
import { type KinesisClient, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program';
import { type Backbone, silentLogger, startBackbone } from '../../local';
import { kinesisAt, ROOT, removeTempHomes, tempHome, waitFor } from '../fixtures/local/helpers';
import { invocationsOf } from '../fixtures/local/recorder';
import { catalog } from '../fixtures/local/reshard-catalog';

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
/** Rounds written into each generation of shards: the fixed keys reach both children of the split. */
const ROUNDS_PER_GENERATION = 5;

/** Writes one record per key per round, ids `<key>-<round>`, until stopped; returns every id written. */
const produce = (kinesis: KinesisClient, stream: string) => {
  const written: string[] = [];
  let stopped = false;
  const done = (async () => {
    for (let round = 0; !stopped; round++) {
      const records = KEYS.map((key) => ({ key, id: `${key}-${round}` }));
      const result = await kinesis.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: records.map((r) => ({
            PartitionKey: r.key,
            Data: Buffer.from(JSON.stringify({ id: r.id })),
          })),
        }),
      );
      if (result.FailedRecordCount)
        throw new Error(`PutRecords rejected ${result.FailedRecordCount} record(s)`);
      written.push(...records.map((r) => r.id));
      await sleep(25);
    }
  })();
  return {
    written,
    /** Resolves once `n` more rounds (every key once) than now are written. */
    wroteRounds: (n: number) => {
      const target = written.length + n * KEYS.length;
      return waitFor(`${n} more rounds written`, () => written.length >= target, 60_000);
    },
    stop: async () => {
      stopped = true;
      await done;
    },
  };
};

/** Per key, the rounds in the order the handler first saw them. */
const roundsPerKey = (ids: readonly string[]) => {
  const byKey = new Map<string, number[]>();
  for (const id of ids) {
    const [key, round] = id.split('-');
    byKey.set(key ?? '', [...(byKey.get(key ?? '') ?? []), Number(round)]);
  }
  return byKey;
};

describe('local event source mapping while the stream reshards', () => {
  const home = tempHome();
  let backbone: Backbone;
  let kinesis: KinesisClient;

  const cli = async (args: readonly string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['--home', home, '--catalog', 'test/fixtures/local/reshard-catalog.ts', '--json', ...args],
      {
        out: (s) => out.push(s),
        err: (s) => err.push(s),
        signal: new AbortController().signal,
        interactive: false,
        env: process.env,
        cwd: ROOT,
      },
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  beforeAll(async () => {
    backbone = await startBackbone({
      catalog,
      root: ROOT,
      home,
      ports: { ingress: 0, kinesis: 0, dynamodb: 0 },
      log: silentLogger,
      ephemeral: true,
      ingressHandler: async () => ({ statusCode: 204 }),
    });
    kinesis = kinesisAt(backbone.endpoints.kinesis);
  });

  afterAll(async () => {
    kinesis?.destroy();
    await backbone?.stop();
    removeTempHomes();
  });

  it.each([
    ['rs-events', 'spine-rs-svc', 'ParallelizationFactor 1'],
    ['rs-parallel', 'spine-rs-par', 'ParallelizationFactor 4'],
  ])(
    '%s (%s, %s): split and merge while a producer writes; every record delivered once, per-key order kept, parents before children',
    async (topic, functionName) => {
      // Prepare
      const producer = produce(kinesis, topic);
      await waitFor('first deliveries', () => invocationsOf(functionName).length > 0, 60_000);
      // Act
      // Each reshard returns once the stream is active again; the next rounds then land on the new
      // shards. Waiting for rounds, not for a time: a loaded machine wrote one round in 1 s sometimes.
      const split = await cli(['reshard', topic, '--shards', '2']);
      await producer.wroteRounds(ROUNDS_PER_GENERATION);
      const merge = await cli(['reshard', topic, '--shards', '1']);
      await producer.wroteRounds(ROUNDS_PER_GENERATION);
      await producer.stop();
      const written = producer.written;
      await waitFor(
        `${written.length} records delivered`,
        () => new Set(invocationsOf(functionName).flatMap((i) => i.ids)).size >= written.length,
        90_000,
      );
      // Assess
      expect([split.code, split.err, merge.code, merge.err]).toEqual([0, '', 0, '']);
      expect(JSON.parse(split.out)).toMatchObject({ steps: [{ from: 1, to: 2 }] });
      expect(JSON.parse(merge.out)).toMatchObject({ steps: [{ from: 2, to: 1 }] });
      const calls = invocationsOf(functionName);
      const delivered = calls.flatMap((i) => i.ids);
      expect([...delivered].sort()).toEqual([...written].sort());
      for (const [key, rounds] of roundsPerKey(delivered))
        expect({ key, rounds }).toEqual({ key, rounds: [...rounds].sort((x, y) => x - y) });
      const shards = (await kinesis.send(new ListShardsCommand({ StreamName: topic }))).Shards ?? [];
      expect(shards.length).toBe(4);
      const shardOf = (i: (typeof calls)[number]) => i.event.Records[0]?.eventID.split(':')[0];
      const span = (shardId: string | undefined) => {
        const times = calls.filter((c) => shardOf(c) === shardId).map((c) => c.at);
        return { first: Math.min(...times), last: Math.max(...times) };
      };
      for (const child of shards.filter((s) => s.ParentShardId)) {
        const parents = [child.ParentShardId, child.AdjacentParentShardId].filter((p) => p !== undefined);
        for (const parent of parents)
          expect(
            span(parent).last,
            `${parent} invoked after its child ${child.ShardId} started`,
          ).toBeLessThan(span(child.ShardId).first);
      }
      expect(new Set(calls.map(shardOf)).size).toBe(4);
    },
  );
});
