import { getEventListeners, setMaxListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { kinesisConnectionTap, StreamActivity, type StreamActivityKind } from '../../local/net';
import { retainedBytesPerUnit } from '../fixtures/heap';

/** A request as Node's HTTP client writes it: head, then the JSON body (here in `parts` chunks). */
const request = (target: string, body: object, parts = 1): Buffer[] => {
  const text = JSON.stringify(body);
  const head = `POST / HTTP/1.1\r\nhost: 127.0.0.1\r\nx-amz-target: ${target}\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: ${text.length}\r\n\r\n`;
  if (parts === 1) return [Buffer.from(head + text, 'latin1')];
  const cut = Math.floor(text.length / 2);
  return [Buffer.from(head, 'latin1'), Buffer.from(text.slice(0, cut)), Buffer.from(text.slice(cut))];
};

const watch = () => {
  const seen: [StreamActivityKind, string][] = [];
  const tap = kinesisConnectionTap({ notice: (kind, stream) => seen.push([kind, stream]) });
  const exchange = (chunks: Buffer[]) => {
    for (const chunk of chunks) tap.request(chunk);
    const before = seen.length;
    tap.response();
    return { beforeAnswer: before, seen };
  };
  return { seen, exchange };
};

describe('kinesisConnectionTap', () => {
  it('reports a PutRecords stream once its answer comes back, also when the body comes in later chunks', () => {
    const { exchange } = watch();

    const one = exchange(
      request('Kinesis_20131202.PutRecords', { Records: [{ Data: 'eA==' }], StreamName: 'orders' }, 3),
    );

    expect(one.beforeAnswer).toBe(0);
    expect(one.seen).toEqual([['write', 'orders']]);
  });

  it('knows PutRecord, streams named by ARN, and the reshard operations', () => {
    const { exchange, seen } = watch();

    exchange(
      request('Kinesis_20131202.PutRecord', { StreamName: 'payments', Data: 'eA==', PartitionKey: 'k' }),
    );
    exchange(
      request('Kinesis_20131202.PutRecords', {
        Records: [],
        StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/users',
      }),
    );
    exchange(request('Kinesis_20131202.SplitShard', { StreamName: 'orders', ShardToSplit: 's' }));
    exchange(request('Kinesis_20131202.MergeShards', { StreamName: 'rates' }));
    exchange(request('Kinesis_20131202.UpdateShardCount', { StreamName: 'charges', TargetShardCount: 2 }));

    expect(seen).toEqual([
      ['write', 'payments'],
      ['write', 'users'],
      ['reshard', 'orders'],
      ['reshard', 'rates'],
      ['reshard', 'charges'],
    ]);
  });

  it('reports nothing for reads, even those naming a stream, and nothing twice for one write', () => {
    const { exchange, seen } = watch();

    exchange(request('Kinesis_20131202.ListShards', { StreamName: 'orders' }));
    exchange(request('Kinesis_20131202.GetShardIterator', { StreamName: 'orders', ShardId: 's' }));
    exchange(request('Kinesis_20131202.GetRecords', { ShardIterator: 'StreamName' }));
    exchange(request('Kinesis_20131202.PutRecords', { Records: [], StreamName: 'orders' }));
    exchange(request('Kinesis_20131202.DescribeStreamSummary', { StreamName: 'payments' }));

    expect(seen).toEqual([['write', 'orders']]);
  });
});

describe('StreamActivity', () => {
  it('wakes a wait on its stream and kind at once, and no other', async () => {
    const activity = new StreamActivity();
    const stop = new AbortController();
    const started = Date.now();
    let otherDone = false;
    const other = activity.wait('write', 'payments', 60_000, stop.signal).then(() => {
      otherDone = true;
    });

    const woken = activity.wait('write', 'orders', 60_000, stop.signal);
    activity.notice('reshard', 'orders');
    activity.notice('write', 'orders');
    await woken;

    expect(Date.now() - started).toBeLessThan(30_000);
    expect(otherDone).toBe(false);
    stop.abort();
    await other;
    expect(otherDone).toBe(true);
  });

  it('ends a wait nobody wakes after its time', async () => {
    const activity = new StreamActivity();
    const started = Date.now();

    await activity.wait('write', 'orders', 50, new AbortController().signal);

    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('leaves nothing behind on the long-lived stop signal, however many waits it ends', async () => {
    // Prepare: one stop signal for every wait, as the pollers share one for the whole run. Each round
    // starts 1,000 waits and wakes them all, the way a write wakes a stream's idle pollers.
    const activity = new StreamActivity();
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    const round = async () => {
      const waits = Array.from({ length: 1_000 }, () =>
        activity.wait('write', 'orders', 60_000, stop.signal),
      );
      activity.notice('write', 'orders');
      await Promise.all(waits);
    };

    // Act
    const perWait = await retainedBytesPerUnit(round, { rounds: 40, perRound: 1_000 });

    // Assess: with AbortSignal.any over the stop signal, Node 20 kept 42-63 B per wait on it (about
    // 2 MB over these 40,000 waits); without it, about 1 B. A full gc's noise (a few hundred KB) is
    // under 10 B per wait at this count, so the limit sits between the two with room on both sides.
    expect(perWait).toBeLessThan(20);
    expect(getEventListeners(stop.signal, 'abort')).toEqual([]);
  });

  it('returns at once for a signal already aborted', async () => {
    const activity = new StreamActivity();
    const stop = new AbortController();
    stop.abort();
    const started = Date.now();

    await activity.wait('write', 'orders', 60_000, stop.signal);

    expect(Date.now() - started).toBeLessThan(30_000);
    expect(getEventListeners(stop.signal, 'abort')).toEqual([]);
  });
});
