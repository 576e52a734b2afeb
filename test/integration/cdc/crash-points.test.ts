import { randomBytes } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CapturePublisher,
  CdcPublishError,
  type CdcStore,
  createDynamoCdcStore,
  type DeliveredRecord,
  isBatchInFlightError,
  isStreamChangedError,
  processStreamBatch,
  runSnapshot,
  type ScanSegment,
} from '../../../shared/cdc';
import { RUNTIME_TABLES } from '../../../shared/config';
import type { Envelope } from '../../../shared/envelope';
import { createSchemaRegistry } from '../../../shared/schemas';
import { type Emulators, startEmulators } from '../helpers/emulators';
import { createTable } from '../helpers/tables';
import { itemsCatalog } from './items-catalog';

const { catalog, spec } = itemsCatalog({ shards: 1, snapshotSegments: 1 });
const schemas = createSchemaRegistry(catalog);
const STREAM_ARN = 'arn:aws:dynamodb:eu-west-1:000000000000:table/items/stream/2026-11-26T00:00:00.000';

type Image = Record<string, AttributeValue>;
const image = (pk: string, version: number): Image => ({ pk: { S: pk }, version: { N: String(version) } });

/** The captured table as the snapshot's scan sees it: one segment, pages in key order. */
const fakeTable = (items: Map<string, Image>): ScanSegment => {
  return async ({ next, limit }) => {
    const keys = [...items.keys()].sort().filter((k) => next === undefined || k > next);
    const page = keys.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((k) => items.get(k)).filter((i): i is Image => i !== undefined),
      ...(keys.length > limit && last !== undefined && { next: last }),
    };
  };
};

interface Sent {
  readonly envelope: Envelope;
  readonly marked: boolean;
}

/** The topic: every envelope a publisher call handed over, in order, with its re-send mark. */
const recordingPublisher = (topic: Sent[]): CapturePublisher => ({
  async publish(envelopes, resentSince) {
    for (const envelope of envelopes) topic.push({ envelope, marked: resentSince !== undefined });
  },
});

type Fault = 'before-publish' | 'after-publish' | 'lost-answer' | 'before-progress';

/** A publisher whose first call dies at `fault`: hangs for ever (process death) or loses the answer. */
const faultyPublisher = (topic: Sent[], fault: Fault, hit: { at?: Fault }): CapturePublisher => ({
  async publish(envelopes, resentSince) {
    if (hit.at || fault === 'before-progress')
      return recordingPublisher(topic).publish(envelopes, resentSince);
    hit.at = fault;
    if (fault === 'before-publish') return new Promise<never>(() => {});
    await recordingPublisher(topic).publish(envelopes, resentSince);
    if (fault === 'lost-answer') throw new CdcPublishError(envelopes.length);
    return new Promise<never>(() => {});
  },
});

/** The store, dying (hanging for ever) at its first `saveSegment`: after the page's markers. */
const dyingBeforeProgress = (store: CdcStore, hit: { at?: Fault }): CdcStore => ({
  ...store,
  beginSnapshot: (state) => store.beginSnapshot(state),
  async saveSegment(n, progress) {
    if (hit.at) return store.saveSegment(n, progress);
    hit.at = 'before-progress';
    return new Promise<never>(() => {});
  },
});

/** What a Spine consumer applies per key: a marked copy of an id seen before is dropped. */
const consume = (topic: readonly Sent[]) => {
  const ids = new Set<string>();
  const perKey = new Map<string, string[]>();
  const unmarkedDoubles: string[] = [];
  for (const { envelope, marked } of topic) {
    const data = envelope.data as { version?: number };
    const label = `${envelope.type === 'ItemRemoved' ? 'removed' : 'v'}${data.version}`;
    if (ids.has(envelope.id)) {
      if (!marked) unmarkedDoubles.push(`${envelope.partitionkey}@${label}`);
      continue;
    }
    ids.add(envelope.id);
    perKey.set(envelope.partitionkey, [...(perKey.get(envelope.partitionkey) ?? []), label]);
  }
  return { perKey: Object.fromEntries(perKey), unmarkedDoubles };
};

const streamRecord = (
  seq: number,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  img: Image,
  atMs: number,
  eventID = `ev-${seq}`,
): DeliveredRecord => ({
  eventID,
  eventName,
  dynamodb: {
    SequenceNumber: String(seq),
    ApproximateCreationDateTime: Math.floor(atMs / 1000),
    ...(eventName === 'REMOVE' ? { OldImage: img } : { NewImage: img }),
  },
});

const until = async (condition: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** A meeting point for `n` callers: each waits until all have arrived. */
const meet = (n: number) => {
  let arrived = 0;
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return async () => {
    arrived += 1;
    if (arrived >= n) open();
    await opened;
  };
};

/** The store, with the first call of any batch-record method (read or write) held at `gate`. */
const heldAtFirstBatchCall = (store: CdcStore, gate: () => Promise<void>): CdcStore => {
  let held = false;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || !/batch/i.test(String(prop))) return value;
      return async (...args: unknown[]) => {
        if (!held) {
          held = true;
          await gate();
        }
        return Reflect.apply(value, target, args);
      };
    },
  });
};

describe('CDC crash points (DynamoDB Local store)', () => {
  let env: Emulators;
  let doc: DynamoDBDocumentClient;
  const store = (source: string): CdcStore =>
    createDynamoCdcStore({
      client: doc,
      source,
      topic: 'items',
      checkpointsTable: 'cp-checkpoints',
      parkingTable: 'cp-parking',
      batchesTable: 'cp-batches',
    });

  beforeAll(async () => {
    env = await startEmulators();
    doc = DynamoDBDocumentClient.from(env.dynamo, { marshallOptions: { removeUndefinedValues: true } });
    await createTable(env.dynamo, 'cp-checkpoints', RUNTIME_TABLES.checkpoints);
    await createTable(env.dynamo, 'cp-parking', RUNTIME_TABLES.parking);
    await createTable(env.dynamo, 'cp-batches', RUNTIME_TABLES.idempotency);
  });

  afterAll(async () => env?.stop(), 60_000);

  it.each<Fault>(['before-publish', 'after-publish', 'lost-answer', 'before-progress'])(
    'runSnapshot: a page that dies %s, items rewritten and deleted before the resume, gives every version once, in order',
    async (fault) => {
      // Prepare: five items at v1, one page; the first runner dies at the fault; meanwhile k0 is
      // rewritten (v2) and k1 deleted, and the stream holds both changes.
      const source = `items-${fault}`;
      const items = new Map(['k0', 'k1', 'k2', 'k3', 'k4'].map((k) => [k, image(k, 1)]));
      const topic: Sent[] = [];
      let clock = 1_700_000_000_000;
      const deps = {
        catalog,
        schemas,
        source: spec,
        store: store(source),
        scan: fakeTable(items),
        streamArn: STREAM_ARN,
        pageSize: 10,
        leaseMs: 1_000,
        now: () => clock,
      };
      const hit: { at?: Fault } = {};
      const dying = runSnapshot(
        {
          ...deps,
          store: fault === 'before-progress' ? dyingBeforeProgress(deps.store, hit) : deps.store,
          publisher: faultyPublisher(topic, fault, hit),
        },
        clock + 60_000,
      );
      dying.catch(() => undefined);
      await until(() => hit.at !== undefined);
      if (fault === 'lost-answer') await expect(dying).rejects.toThrow(CdcPublishError);
      clock += 5_000;
      items.set('k0', image('k0', 2));
      items.delete('k1');
      const stream = [
        streamRecord(100, 'MODIFY', image('k0', 2), clock),
        streamRecord(101, 'REMOVE', image('k1', 1), clock),
      ];

      // Act: a second runner after the lease, then the stream.
      clock += 5_000;
      const resumed = await runSnapshot({ ...deps, publisher: recordingPublisher(topic) }, clock + 60_000);
      await processStreamBatch({ ...deps, publisher: recordingPublisher(topic) }, stream);

      // Assess
      const { perKey, unmarkedDoubles } = consume(topic);
      expect(resumed.status).toBe('done');
      expect(unmarkedDoubles).toEqual([]);
      expect(perKey).toEqual({
        k0: ['v1', 'v2'],
        k1: ['v1', 'removed1'],
        k2: ['v1'],
        k3: ['v1'],
        k4: ['v1'],
      });
    },
  );

  it('runSnapshot: a failed segment stops the others: a worker held mid-page writes nothing after the run ended', async () => {
    // Prepare: two segments; segment 0's scan fails while segment 1's first scan is held. On Lambda a
    // worker still running when the handler returns is frozen and resumes on the next invocation.
    const source = 'items-stale-worker';
    const held = store(source);
    const topic: Sent[] = [];
    const writes: string[] = [];
    const watched: CdcStore = {
      ...held,
      beginSnapshot: (state) => held.beginSnapshot(state),
      putPending: (n, c) => {
        writes.push(`pending#${n}`);
        return held.putPending(n, c);
      },
      confirm: (n, m, d) => {
        writes.push(`confirm#${n}`);
        return held.confirm(n, m, d);
      },
      saveSegment: (n, p) => {
        writes.push(`segment#${n}`);
        return held.saveSegment(n, p);
      },
    };
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const reached = { failed: false, held: false };
    const scan: ScanSegment = async ({ segment }) => {
      if (segment === 0) {
        await until(() => reached.held);
        reached.failed = true;
        throw new Error('segment 0 scan failed');
      }
      reached.held = true;
      await released;
      return { items: [image('s1', 1), image('s2', 1)] };
    };
    const run = runSnapshot(
      {
        catalog,
        schemas,
        source: { ...spec, snapshotSegments: 2 },
        store: watched,
        publisher: recordingPublisher(topic),
        scan,
        streamArn: STREAM_ARN,
      },
      Date.now() + 60_000,
    ).catch((error: unknown) => error);

    // Act: the held page goes on only after segment 0 failed.
    await until(() => reached.failed);
    release();
    const outcome = await run;
    // A stale write would follow within milliseconds; none may come at all.
    await until(() => topic.length > 0 || writes.length > 0, 2_000).catch(() => undefined);

    // Assess
    expect(String(outcome)).toMatch(/segment 0 scan failed/);
    expect(topic).toEqual([]);
    expect(writes).toEqual([]);
    expect(await held.segment(1)).toEqual({ done: false, pages: 0, items: 0 });
  });

  it('runSnapshot: the lease lasts until the invocation ends, so a page slower than leaseMs keeps it', async () => {
    // Prepare: a runner whose publish takes 30 s of its 60 s invocation; leaseMs is 1 s.
    const source = 'items-slow-page';
    let clock = 1_700_000_000_000;
    const topic: Sent[] = [];
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let publishing = false;
    const slow: CapturePublisher = {
      async publish(envelopes, resentSince) {
        publishing = true;
        await released;
        return recordingPublisher(topic).publish(envelopes, resentSince);
      },
    };
    const deps = {
      catalog,
      schemas,
      source: spec,
      store: store(source),
      scan: fakeTable(new Map([['l0', image('l0', 1)]])),
      streamArn: STREAM_ARN,
      leaseMs: 1_000,
      now: () => clock,
    };
    const first = runSnapshot({ ...deps, publisher: slow }, clock + 45_000, clock + 60_000);
    await until(() => publishing);

    // Act: a second runner 30 s on, while the first is still inside its invocation.
    clock += 30_000;
    const second = await runSnapshot({ ...deps, publisher: recordingPublisher(topic) }, clock + 45_000);
    release();
    const done = await first;

    // Assess
    expect(second.status).toBe('busy');
    expect(done.status).toBe('done');
    expect(topic.map((s) => `${s.envelope.partitionkey}${s.marked ? ' marked' : ''}`)).toEqual(['l0']);
  });

  it('store: a late writer never lowers a marker version nor moves segment progress back', async () => {
    // Prepare: a newer runner confirmed v5 and saved 3 pages.
    const held = store('items-late-writer');
    await held.confirm(0, new Map([['w1', { version: 5, at: 2 }]]), []);
    await held.saveSegment(0, { done: false, pages: 3, items: 30, next: 'k30' });

    // Act: a stale runner's older confirm and progress land after.
    await held.confirm(0, new Map([['w1', { version: 3, at: 1 }]]), []);
    await held.saveSegment(0, { done: false, pages: 2, items: 20, next: 'k20' });

    // Assess
    expect((await held.markers(['w1'])).get('w1')).toEqual({ version: 5, at: 2 });
    expect(await held.segment(0)).toEqual({ done: false, pages: 3, items: 30, next: 'k30' });
  });

  const finished = async (source: string) => {
    const held = store(source);
    await held.beginSnapshot({ startedAt: 1, streamArn: STREAM_ARN, segments: 1 });
    await held.finishSnapshot(2);
    return held;
  };
  const batchOf = (prefix: string) =>
    [1, 2, 3].map((n) => streamRecord(200 + n, 'INSERT', image(`${prefix}${n}`, 1), Date.now()));
  const streamDeps = (held: CdcStore, publisher: CapturePublisher, now?: () => number) => ({
    catalog,
    schemas,
    source: spec,
    store: held,
    streamArn: STREAM_ARN,
    publisher,
    ...(now && { now }),
  });

  it('processStreamBatch: of two concurrent runs of one batch one publishes unmarked, the other waits, a retry skips', async () => {
    // Prepare: two invocations of the same batch (the mapping retries while the timed-out first one
    // still runs), each held at its first batch-record call until both got there.
    const held = await finished('items-concurrent');
    const gate = meet(2);
    const topic: Sent[] = [];
    const run = () =>
      processStreamBatch(
        streamDeps(heldAtFirstBatchCall(held, gate), recordingPublisher(topic)),
        batchOf('c'),
        Date.now() + 60_000,
      );

    // Act
    const outcomes = await Promise.allSettled([run(), run()]);
    const retry = await processStreamBatch(streamDeps(held, recordingPublisher(topic)), batchOf('c'));

    // Assess
    // The loser either met the claim in flight (and throws) or found it finished (and skips all).
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    const published = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.published] : []));
    expect(refused.every(isBatchInFlightError)).toBe(true);
    expect(published.sort()).toEqual(refused.length === 1 ? [3] : [0, 3]);
    expect(topic.map((s) => `${s.envelope.partitionkey}${s.marked ? ' marked' : ''}`).sort()).toEqual([
      'c1',
      'c2',
      'c3',
    ]);
    expect(retry.skipped).toBe(3);
  });

  it('processStreamBatch: batches of two shards whose first records share a sequence number are two batches', async () => {
    // Prepare: sequence numbers are per shard; the event ids are not.
    const held = await finished('items-two-shards');
    const topic: Sent[] = [];
    const shardBatch = (shard: string) =>
      [1, 2].map((n) =>
        streamRecord(500 + n, 'INSERT', image(`${shard}${n}`, 1), Date.now(), `${shard}-ev-${n}`),
      );

    // Act
    const a = await processStreamBatch(streamDeps(held, recordingPublisher(topic)), shardBatch('a'));
    const b = await processStreamBatch(streamDeps(held, recordingPublisher(topic)), shardBatch('b'));

    // Assess
    expect([a.published, b.published]).toEqual([2, 2]);
    expect(topic.map((s) => `${s.envelope.partitionkey}${s.marked ? ' marked' : ''}`)).toEqual([
      'a1',
      'a2',
      'b1',
      'b2',
    ]);
  });

  it('processStreamBatch: a claim that took effect but whose call threw is released, so the retry does not wait', async () => {
    // Prepare: the claim's PutItem lands, and the call fails anyway (answer lost, SDK out of retries).
    const held = await finished('items-claim-lost');
    const topic: Sent[] = [];
    const losing: CdcStore = {
      ...held,
      async claimBatch(key, claim) {
        await held.claimBatch(key, claim);
        throw new Error('socket hang up');
      },
    };
    const first = processStreamBatch(
      streamDeps(losing, recordingPublisher(topic)),
      batchOf('n'),
      Date.now() + 60_000,
    );
    await expect(first).rejects.toThrow(/socket hang up/);

    // Act: the mapping's retry, long before the first invocation's deadline.
    const retry = await processStreamBatch(
      streamDeps(held, recordingPublisher(topic)),
      batchOf('n'),
      Date.now() + 60_000,
    ).catch((error: unknown) => error);

    // Assess
    expect(isBatchInFlightError(retry)).toBe(false);
    expect(topic.map((s) => `${s.envelope.partitionkey}${s.marked ? ' marked' : ''}`)).toEqual([
      'n1 marked',
      'n2 marked',
      'n3 marked',
    ]);
  });

  it('processStreamBatch: the retry of a failed first attempt publishes marked at once', async () => {
    // Prepare: the first attempt's PutRecords answer is lost (its records did land).
    const held = await finished('items-retry');
    const topic: Sent[] = [];
    const hit: { at?: Fault } = {};
    const first = processStreamBatch(
      streamDeps(held, faultyPublisher(topic, 'lost-answer', hit)),
      batchOf('r'),
      Date.now() + 60_000,
    );
    await expect(first).rejects.toThrow(CdcPublishError);

    // Act
    const retry = await processStreamBatch(
      streamDeps(held, recordingPublisher(topic)),
      batchOf('r'),
      Date.now() + 60_000,
    );

    // Assess
    expect(retry.resent).toBe(true);
    expect(topic.map((s) => `${s.envelope.partitionkey}${s.marked ? ' marked' : ''}`)).toEqual([
      'r1',
      'r2',
      'r3',
      'r1 marked',
      'r2 marked',
      'r3 marked',
    ]);
    expect(consume(topic).unmarkedDoubles).toEqual([]);
  });

  it('processStreamBatch: a copy of a batch whose first attempt died waits for its deadline, then publishes marked', async () => {
    // Prepare: the first attempt dies after its publish (no catch runs); its deadline is 1 s on.
    const held = await finished('items-dead');
    const topic: Sent[] = [];
    let clock = 1_700_000_000_000;
    const hit: { at?: Fault } = {};
    void processStreamBatch(
      streamDeps(held, faultyPublisher(topic, 'after-publish', hit), () => clock),
      batchOf('d'),
      clock + 1_000,
    );
    await until(() => hit.at !== undefined);

    // Act
    clock += 500;
    const early = await processStreamBatch(
      streamDeps(held, recordingPublisher(topic), () => clock),
      batchOf('d'),
    ).catch((error: unknown) => error);
    clock += 1_000;
    const late = await processStreamBatch(
      streamDeps(held, recordingPublisher(topic), () => clock),
      batchOf('d'),
    );

    // Assess
    expect(isBatchInFlightError(early)).toBe(true);
    expect(late.resent).toBe(true);
    expect(topic.filter((s) => s.marked)).toHaveLength(3);
    expect(consume(topic).unmarkedDoubles).toEqual([]);
  });

  it('parks an unreadable snapshot item and stream record whole instead of skipping them', async () => {
    // Prepare: an item without its version attribute, and a stream record without an image.
    const source = 'items-unreadable';
    const items = new Map([
      ['u0', image('u0', 1)],
      ['u1', { pk: { S: 'u1' } }],
    ]);
    const deps = {
      catalog,
      schemas,
      source: spec,
      store: store(source),
      publisher: recordingPublisher([]),
      streamArn: STREAM_ARN,
    };

    // Act
    const outcome = await runSnapshot({ ...deps, scan: fakeTable(items) }, Date.now() + 60_000);
    await processStreamBatch(deps, [
      { eventID: 'ev-300', eventName: 'MODIFY', dynamodb: { SequenceNumber: '300' } },
    ]);

    // Assess
    const parked = await doc.send(
      new QueryCommand({
        TableName: 'cp-parking',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': source },
      }),
    );
    const errors = (parked.Items ?? []).map((i) => String(i.error)).sort();
    expect(outcome.parked).toBe(1);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/item "u1" has no number version attribute "version"/);
    expect(errors[1]).toMatch(/modify record without NewImage/);
  });

  it('runSnapshot: an item near 400 KB whose pending capture would not fit is parked with a marker; the snapshot goes on', async () => {
    // Prepare: 399 KB of random bytes (base64 in the envelope, so its gzipped event is past 400 KB).
    const source = 'items-huge';
    const huge: Image = { ...image('h1', 3), blob: { B: randomBytes(399 * 1024) } };
    const items = new Map<string, Image>([
      ['h0', image('h0', 1)],
      ['h1', huge],
      ['h2', image('h2', 1)],
    ]);
    const topic: Sent[] = [];
    const held = store(source);
    const deps = { catalog, schemas, source: spec, store: held, streamArn: STREAM_ARN };

    // Act
    const outcome = await runSnapshot(
      { ...deps, publisher: recordingPublisher(topic), scan: fakeTable(items) },
      Date.now() + 60_000,
    );
    const later = await processStreamBatch({ ...deps, publisher: recordingPublisher(topic) }, [
      streamRecord(600, 'MODIFY', huge, Date.now()),
      streamRecord(601, 'MODIFY', image('h1', 4), Date.now()),
    ]);

    // Assess
    const parked = await doc.send(
      new QueryCommand({
        TableName: 'cp-parking',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': source },
      }),
    );
    expect(outcome).toMatchObject({ status: 'done', published: 2, parked: 1 });
    expect((parked.Items ?? []).map((i) => String(i.error))).toEqual([
      expect.stringMatching(/too large for a pending capture/),
    ]);
    expect((await held.markers(['h1'])).get('h1')?.version).toBe(3);
    expect(later.covered).toBe(1);
    expect(consume(topic).perKey).toEqual({ h0: ['v1'], h2: ['v1'], h1: ['v4'] });
  });

  it('refuses a snapshot and stream batches when the stream ARN differs from the snapshot header', async () => {
    // Prepare: a finished snapshot of one stream; the table's stream was since disabled and re-enabled.
    const source = 'items-new-stream';
    const held = store(source);
    await held.beginSnapshot({ startedAt: 1, streamArn: STREAM_ARN, segments: 1 });
    await held.finishSnapshot(2);
    const newArn = `${STREAM_ARN.slice(0, -4)}999`;
    const deps = { catalog, schemas, source: spec, store: held, publisher: recordingPublisher([]) };

    // Act
    const snapshot = await runSnapshot(
      { ...deps, scan: fakeTable(new Map()), streamArn: newArn },
      Date.now() + 1_000,
    ).catch((error: unknown) => error);
    const batch = await processStreamBatch({ ...deps, streamArn: newArn }, [
      streamRecord(400, 'INSERT', image('s1', 1), Date.now()),
    ]).catch((error: unknown) => error);

    // Assess
    expect(isStreamChangedError(snapshot)).toBe(true);
    expect(isStreamChangedError(batch)).toBe(true);
    expect(String(batch)).toMatch(/stream .* is not the one the snapshot started from/);
  });
});
