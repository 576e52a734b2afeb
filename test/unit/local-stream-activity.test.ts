import { getEventListeners, setMaxListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { kinesisConnectionTap, StreamActivity, type StreamActivityKind } from '../../local/net';

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

/** How many dependant signals (from `AbortSignal.any`) Node keeps on `signal`: 0 when it has none. */
const dependantsOf = (signal: AbortSignal): number => {
  const slot = Object.getOwnPropertySymbols(signal).find((s) => s.description === 'kDependantSignals');
  const set: unknown = slot === undefined ? undefined : Reflect.get(signal, slot);
  // Node's own set, from another realm than the test's: no `instanceof` here.
  const size: unknown = typeof set === 'object' && set !== null ? Reflect.get(set, 'size') : 0;
  return typeof size === 'number' ? size : 0;
};

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
    // Prepare: one stop signal for every wait, as the pollers share one for the whole run. 1,000 waits
    // start, and a write wakes them all, the way it wakes a stream's idle pollers.
    const activity = new StreamActivity();
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    const waits = Array.from({ length: 1_000 }, () => activity.wait('write', 'orders', 60_000, stop.signal));

    // Act
    activity.notice('write', 'orders');
    await Promise.all(waits);

    // Assess: no listener left, and no dependant signal registered on it. `AbortSignal.any` over the
    // stop signal registered one per wait that Node 20 never dropped (42-88 B of heap per wait in the
    // soak, docs/performance.md); read from Node's own slot, which exists once a signal has dependants.
    expect(getEventListeners(stop.signal, 'abort')).toEqual([]);
    expect(dependantsOf(stop.signal)).toBe(0);
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
