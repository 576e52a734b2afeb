import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  KinesisClient,
  PutRecordsCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from 'vitest';
import { listShards } from '../../shared/aws';
import { emulatorClient } from './helpers/emulators';
import { createActive, iterator, readFrom, streamName, waitActive } from './helpers/kinesis-contract';
import { type LiteProcess, startLiteProcess } from './helpers/kinesis-lite';

const JOURNAL = join('kinesis', 'kinesis-journal.ndjson');

/** Everything a stream holds, shard by shard: ids, lineage, sequence ranges and each record. */
const snapshot = async (kinesis: KinesisClient, stream: string) => {
  const shards = await listShards(kinesis, stream);
  const out = [];
  for (const shard of shards) {
    const read = await readFrom(
      kinesis,
      await iterator(kinesis, {
        StreamName: stream,
        ShardId: shard.ShardId ?? '',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    out.push({
      shard,
      records: read.records.map((r) => [
        r.SequenceNumber,
        r.PartitionKey,
        Buffer.from(r.Data ?? []).toString(),
        r.ApproximateArrivalTimestamp?.getTime(),
      ]),
    });
  }
  return out;
};

describe('Kinesis lite journal (local mode: a SIGKILL of the emulator loses no acknowledged record)', () => {
  const running: LiteProcess[] = [];
  const clients: KinesisClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const p of running.splice(0)) await p.stop();
  });
  const start = async (dir?: string) => {
    const lite = await startLiteProcess(dir);
    running.push(lite);
    const kinesis = new KinesisClient({ ...emulatorClient(lite.endpoint), maxAttempts: 1 });
    clients.push(kinesis);
    return { lite, kinesis };
  };

  it('replays every acknowledged record, reshard and retention after SIGKILL, drops a torn last line, and numbers on', async () => {
    const first = await start();
    const stream = streamName('journal');
    await createActive(first.kinesis, stream, 1);
    const put = (kinesis: KinesisClient, from: number) =>
      kinesis.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: Array.from({ length: 50 }, (_, i) => ({
            PartitionKey: `key-${from + i}`,
            Data: new TextEncoder().encode(`r${from + i}`),
          })),
        }),
      );
    await put(first.kinesis, 0);
    await first.kinesis.send(
      new SplitShardCommand({
        StreamName: stream,
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: String(2n ** 127n),
      }),
    );
    await waitActive(first.kinesis, stream);
    await first.kinesis.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: stream, RetentionPeriodHours: 72 }),
    );
    const last = await put(first.kinesis, 50);
    const before = await snapshot(first.kinesis, stream);
    expect(before.flatMap((s) => s.records)).toHaveLength(100);

    // SIGKILL: no exit path runs; then a torn append, as a kill in the middle of a write leaves.
    process.kill(-first.lite.emulator.process.pid, 'SIGKILL');
    await first.lite.emulator.process.exited;
    appendFileSync(join(first.lite.dataDir, JOURNAL), '{"o":"put","s":"torn","t":1,"r":[["shardId-0');
    // Closes the relay in front of it; the process is already gone, and its data dir stays.
    await first.lite.stop({ remove: false });
    running.splice(0);

    const second = await start(first.lite.dataDir);
    expect(await snapshot(second.kinesis, stream)).toEqual(before);
    const summary = await second.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    expect(summary.StreamDescriptionSummary?.RetentionPeriodHours).toBe(72);
    expect(summary.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
    const next = await put(second.kinesis, 100);
    const highest = (last.Records ?? []).reduce(
      (m, r) => (BigInt(r.SequenceNumber ?? '0') > m ? BigInt(r.SequenceNumber ?? '0') : m),
      0n,
    );
    for (const r of next.Records ?? []) expect(BigInt(r.SequenceNumber ?? '0')).toBeGreaterThan(highest);
    // The torn line is gone from the file, so the new appends start on a line of their own.
    const lines = readFileSync(join(first.lite.dataDir, JOURNAL), 'utf8').trimEnd().split('\n');
    expect(lines.every((line) => JSON.parse(line) !== undefined)).toBe(true);
    expect(lines.some((line) => line.includes('"torn"'))).toBe(false);
  });

  it('trims records past retention at start, compacts them out of the journal, and keeps numbering and reading', async () => {
    // Prepare: a journal written a day and more ago, as a stream with 24 h retention left it.
    const dir = mkdtempSync(join(tmpdir(), 'spine-lite-'));
    mkdirSync(join(dir, 'kinesis'));
    const seq = (n: number) => (49n * 10n ** 54n + BigInt(n)).toString();
    const now = Date.now();
    const old = now - 25 * 3_600_000;
    const data = (text: string) => Buffer.from(text).toString('base64');
    const lines = [
      { o: 'create', s: 'aged', n: 1, t: now - 48 * 3_600_000 },
      {
        o: 'put',
        s: 'aged',
        t: old,
        r: [1, 2, 3].map((i) => ['shardId-000000000000', seq(1 + i), `k${i}`, data(`old${i}`)]),
      },
      {
        o: 'put',
        s: 'aged',
        t: now - 60_000,
        r: [4, 5].map((i) => ['shardId-000000000000', seq(1 + i), `k${i}`, data(`new${i}`)]),
      },
    ];
    writeFileSync(join(dir, JOURNAL), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const texts = async (kinesis: KinesisClient) =>
      (
        await readFrom(
          kinesis,
          await iterator(kinesis, {
            StreamName: 'aged',
            ShardId: 'shardId-000000000000',
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).records.map((r) => [r.SequenceNumber, Buffer.from(r.Data ?? []).toString()]);

    // Act: start on it, write one more, SIGKILL, start again
    const first = await start(dir);
    expect(await texts(first.kinesis)).toEqual([
      [seq(5), 'new4'],
      [seq(6), 'new5'],
    ]);
    const compacted = readFileSync(join(dir, JOURNAL), 'utf8');
    const more = await first.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'aged',
        Records: [{ PartitionKey: 'k6', Data: new TextEncoder().encode('new6') }],
      }),
    );
    process.kill(-first.lite.emulator.process.pid, 'SIGKILL');
    await first.lite.emulator.process.exited;
    await first.lite.stop({ remove: false });
    running.splice(0);
    const second = await start(dir);

    // Assess: the old records left the journal, not just memory; the clock and the reads go on
    expect(compacted).not.toContain(data('old1'));
    expect(compacted).toContain(data('new4'));
    expect(more.Records?.[0]?.SequenceNumber).toBe(seq(7));
    expect(await texts(second.kinesis)).toEqual([
      [seq(5), 'new4'],
      [seq(6), 'new5'],
      [seq(7), 'new6'],
    ]);
    const latest = await iterator(second.kinesis, {
      StreamName: 'aged',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      StartingSequenceNumber: seq(6),
    });
    expect((await readFrom(second.kinesis, latest)).records.map((r) => r.SequenceNumber)).toEqual([seq(7)]);
  });
});
