import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../catalog';
import { FINAL_STATUSES } from '../../example/domain/order';
import { localStateTableName } from '../../local';
import { RESENT_ATTRIBUTE } from '../../shared/envelope';
import { buildLocalMode, type CompiledLocalMode } from './helpers/compiled-local';
import { alive, LocalSpine, readStream } from './helpers/local-process';

/**
 * The chaos run of issue 8, bounded for CI. The example workflow runs in local mode (`npm start` as
 * a child process) with test-only fault injection on, while the test kills the runtime with SIGKILL at
 * random moments (once together with DynamoDB Local, whose on-disk store takes it), stops it
 * gracefully once, and restarts it each time with the same data dir. kinesis-mock is only ever
 * stopped gracefully (by the next start's orphan clean-up): a SIGKILL could lose its last ~1 s of
 * data (its persistence interval), which local mode cannot survive. Then the invariants are checked.
 */
const FULL_SCALE = process.env.SPINE_RESILIENCE_TEST === '1';
/**
 * `npm test` posts 40 orders in batches of 5; CI's resilience job (`npm run test:resilience`) posts 200
 * in batches of 25. At 40 every fault still happens, and the same checks below assert it: the three
 * SIGKILLs (one with DynamoDB Local) and the graceful stop land before batches 1, 3, 5 and 6 of 8, each
 * right after the batch before it was acknowledged, so five runtime processes run the workflow; every
 * fault kind (lost answers, partial PutRecords, throttles, handler crashes before and after, duplicates,
 * timeouts) is forced at its first chance in each of them (`forceOnce`) and must have fired. Why
 * smaller: the run's fixed part is its five starts (28-36 s each in a fresh-clone suite run); the rest
 * grows with the orders (80 took 300 s in that run: posting 197 s with the four restarts, settling 66 s;
 * the suite's longest file).
 */
const ORDERS = Number(process.env.CHAOS_ORDERS ?? (FULL_SCALE ? 200 : 40));
/**
 * Under this fault model the workflow settles at roughly 1-2 orders/s on 2 busy cores: a duplicate or
 * timed-out invocation leaves an attempt mark that the next invocation reads as a death, and careful
 * mode then commits one event at a time. Larger runs get proportionally longer. The loop ends as soon as
 * every order is final, so the budget costs nothing in a passing run: the whole test took 411-447 s in
 * the recorded suite runs, and the old 480 s settle budget (630 s limit) left no room for a machine
 * twice as slow.
 */
const SETTLE_MS = Math.max(960_000, ORDERS * 4_800);
/** Posting, with three kills and a graceful stop, each followed by a whole restart (~50 s under load). */
const POSTING_MS = 300_000;
/** How long one batch is retried before the run fails: a restarted runtime's first 202 took 51-60 s at load ~20. */
const RETRY_BATCH_MS = 180_000;
const BATCH = FULL_SCALE ? 25 : 5;
/**
 * AWS's failure model (local/faults): writes that take effect while their answer is lost (PutRecords,
 * TransactWriteItems, conditional writes), partial PutRecords, throttles, invocations that crash,
 * time out while running on, or run twice at once on the same records.
 */
const FAULTS = {
  seed: 20261122,
  // Each kind fires once for sure in every runtime process, so the per-kind checks below are certain.
  forceOnce: true,
  handler: { crashBefore: 0.02, crashAfter: 0.02, duplicate: 0.015, timeout: 0.005, timeoutMs: 1_500 },
  dynamodb: { lostResponse: 0.01, throttle: 0.01 },
  kinesis: { lostResponse: 0.02, partialPutRecords: 0.02, partialLost: 0.5, throttle: 0.01 },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const orderEvent = (i: number) => ({
  specversion: '1.0',
  id: `chaos-order-${i}`,
  source: '/chaos',
  type: 'OrderRequested',
  datacontenttype: 'application/json',
  data: {
    orderId: `chaos-${i}`,
    customerId: `c-${i % 7}`,
    currency: 'EUR',
    items: [{ sku: 'tea', quantity: 1 + (i % 3), unitPrice: 3.5 }],
    ...(i % 2 === 0 ? { paymentToken: 'tok_visa_4242' } : {}),
  },
});

describe('chaos run: the example workflow under faults, kills and restarts', () => {
  let home = '';
  let spine: LocalSpine | undefined;
  let compiled: CompiledLocalMode | undefined;
  /** Where the time goes (ms), for the summary line: each (re)start, posting, settling. */
  const timing = { starts: [] as number[], posting: 0, settling: 0 };
  const faults: Record<string, number> = {};
  const restarts = { sigkillRuntime: 0, sigkillRuntimeAndDynamo: 0, graceful: 0, unexpectedExit: 0 };

  const env = {
    SPINE_FAULTS: JSON.stringify(FAULTS),
    EXAMPLE_PAYMENT_FAILURE_RATE: '0.2',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };

  /** Adds the fault counts of the run that just ended (each runtime process counts from zero). */
  const collectFaults = async () => {
    const text = await readFile(join(home, 'faults.json'), 'utf8').catch(() => '{}');
    for (const [kind, n] of Object.entries(JSON.parse(text) as Record<string, number>))
      faults[kind] = (faults[kind] ?? 0) + n;
    await rm(join(home, 'faults.json'), { force: true });
  };

  const restart = async () => {
    await collectFaults();
    if (spine) timing.starts.push(await spine.start());
  };

  const emulatorPids = async (): Promise<{ name: string; pid: number }[]> => {
    const text = await readFile(join(home, 'pids.json'), 'utf8').catch(() => '{"emulators":[]}');
    return (JSON.parse(text) as { emulators: { name: string; pid: number }[] }).emulators;
  };

  beforeAll(async () => {
    compiled = await buildLocalMode();
  });

  afterAll(async () => {
    await spine?.stop();
    for (const { pid } of await emulatorPids().catch(() => [])) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (home) await rm(home, { recursive: true, force: true });
    await compiled?.remove();
  });

  it(
    'keeps every acknowledged event, finishes every order, charges once and emits nothing twice',
    async () => {
      home = await mkdtemp(join(tmpdir(), 'spine-chaos-'));
      spine = await LocalSpine.create(home, env, compiled);
      timing.starts.push(await spine.start());
      const started = Date.now();
      const acknowledged = new Set<string>();
      const chaosPoints = new Set([
        Math.floor(ORDERS * 0.2),
        Math.floor(ORDERS * 0.45),
        Math.floor(ORDERS * 0.7),
      ]);
      const gracefulPoint = Math.floor(ORDERS * 0.85);

      // Act: post the orders in batches; kill or stop the runtime at the chaos points, and keep posting.
      for (let i = 0; i < ORDERS; i += BATCH) {
        if ([...chaosPoints].some((p) => p >= i && p < i + BATCH)) {
          const withDynamo = restarts.sigkillRuntime > 0 && restarts.sigkillRuntimeAndDynamo === 0;
          if (withDynamo) {
            const dynamo = (await emulatorPids()).find((e) => e.name.toLowerCase().includes('dynamo'));
            if (dynamo) process.kill(dynamo.pid, 'SIGKILL');
            restarts.sigkillRuntimeAndDynamo += 1;
          } else restarts.sigkillRuntime += 1;
          spine.kill('SIGKILL');
          await sleep(200);
          await restart();
        }
        if (gracefulPoint >= i && gracefulPoint < i + BATCH) {
          await spine.stop();
          restarts.graceful += 1;
          await restart();
        }
        const batch = Array.from({ length: Math.min(BATCH, ORDERS - i) }, (_, k) => orderEvent(i + k));
        // A producer retries with the same ids until acknowledged: ids make the retry safe. Bounded by
        // time, not by a count of quick refusals (41 x 250 ms was 10 s of a restart's warm-up).
        const givesUpAt = Date.now() + RETRY_BATCH_MS;
        for (;;) {
          if (!spine.running()) {
            restarts.unexpectedExit += 1;
            await restart();
          }
          const endpoints = await spine.endpoints();
          const response = await fetch(`${endpoints.ingress}/topics/orders/events`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${endpoints.producers.storefront}`,
              'content-type': 'application/cloudevents-batch+json',
              // Every other batch is keyed as a whole (one claim per request) instead of per event id.
              ...(Math.floor(i / BATCH) % 2 === 1 ? { 'idempotency-key': `chaos-batch-${i}` } : {}),
            },
            body: JSON.stringify(batch),
            signal: AbortSignal.timeout(20_000),
          }).catch(() => undefined);
          const body = response
            ? ((await response.json().catch(() => ({}))) as { results?: { id: string }[] })
            : {};
          if (response?.status === 202) {
            for (const r of body.results ?? []) acknowledged.add(r.id);
            break;
          }
          if (Date.now() > givesUpAt)
            throw new Error(`batch at ${i} not acknowledged in ${RETRY_BATCH_MS} ms: ${response?.status}`);
          await sleep(250);
        }
      }

      timing.posting = Date.now() - started;
      const settling = Date.now();
      // Wait for the workflow to settle, restarting the runtime if a kill from inside (none configured) or a crash took it.
      const orders = new Map<string, string>();
      const histories = new Map<string, string[]>();
      const deadline = Date.now() + SETTLE_MS;
      while (Date.now() < deadline) {
        if (!spine.running()) {
          restarts.unexpectedExit += 1;
          await restart();
        }
        orders.clear();
        const docs = spine.documentClient();
        for await (const page of paginateScan(
          { client: docs },
          { TableName: localStateTableName('orders', 'orders'), ConsistentRead: true },
        ))
          for (const item of page.Items ?? []) {
            orders.set(String(item.pk), String(item.status));
            const history: unknown[] = Array.isArray(item.history) ? item.history : [];
            histories.set(
              String(item.pk),
              history.map((h) => String((h as { status?: unknown }).status)),
            );
          }
        const final = [...orders.values()].filter((s) => FINAL_STATUSES.has(s as never)).length;
        if (final === ORDERS) break;
        await sleep(1_000);
      }
      timing.settling = Date.now() - settling;
      await collectFaults();

      // Assess
      const streams = new Map<string, Record<string, unknown>[]>();
      for (const topic of catalog.topics.map((t) => t.name))
        streams.set(topic, await readStream(spine, topic));
      const all = [...streams.values()].flat();
      const ids = all.map((e) => String(e.id));
      const logged = new Set(ids);
      const lostAcks = [...acknowledged].filter((id) => !logged.has(id));
      const emitted = all.filter((e) => String(e.source).startsWith('/services/'));
      // A marked record (`spineresent`) is a writer's re-send after an answer it never saw: a copy the
      // consumers skip. Two UNMARKED records with one id would be a blind duplicate.
      const unmarked = emitted.filter((e) => e[RESENT_ATTRIBUTE] === undefined).map((e) => String(e.id));
      const duplicateEmits = unmarked.length - new Set(unmarked).size;
      // The same for the producer's own events: the ingress never stores one twice unmarked, whether
      // its request was keyed per event id or as a whole.
      const postedUnmarked = all
        .filter((e) => String(e.source) === '/chaos' && e[RESENT_ATTRIBUTE] === undefined)
        .map((e) => String(e.id));
      const duplicatePosts = postedUnmarked.length - new Set(postedUnmarked).size;
      const markedCopies = all.filter((e) => e[RESENT_ATTRIBUTE] !== undefined).length;
      // Effects, not records: an order's history gains one entry per applied status change, so a
      // copy applied twice would repeat a status.
      const doubleEffects = [...histories.values()].filter((h) => new Set(h).size !== h.length).length;
      const orphans = emitted.filter((e) => !logged.has(String(e.causationid)));
      const notFinal = [...Array(ORDERS).keys()].filter(
        (i) => !FINAL_STATUSES.has((orders.get(`chaos-${i}`) ?? '') as never),
      );
      const charges: Record<string, unknown>[] = [];
      for await (const page of paginateScan(
        { client: spine.documentClient() },
        { TableName: localStateTableName('payments', 'provider-charges'), ConsistentRead: true },
      ))
        charges.push(...(page.Items ?? []));
      const perOrder = new Map<string, number>();
      for (const c of charges)
        if ((c.result as { status?: string } | undefined)?.status === 'succeeded')
          perOrder.set(String(c.orderId), (perOrder.get(String(c.orderId)) ?? 0) + 1);
      const doubleCharges = [...perOrder.values()].filter((n) => n !== 1).length;
      const paidWithoutCharge = [...orders]
        .filter(([, s]) => s === 'DELIVERED')
        .filter(([id]) => !perOrder.has(id)).length;
      const violations =
        lostAcks.length +
        duplicateEmits +
        duplicatePosts +
        orphans.length +
        notFinal.length +
        doubleEffects +
        doubleCharges +
        paidWithoutCharge;
      console.log(
        `chaos: ${ORDERS} orders, ${all.length} records in the log (${emitted.length} emitted, ${markedCopies} marked re-sends), ${acknowledged.size} acknowledged; ` +
          `faults fired ${JSON.stringify(faults)}; restarts ${JSON.stringify(restarts)}; ` +
          `violations ${violations} (lost acks ${lostAcks.length}, not final ${notFinal.length}, double effects ${doubleEffects}, double charges ${doubleCharges}, ` +
          `paid without charge ${paidWithoutCharge}, duplicate emits ${duplicateEmits}, duplicate posts ${duplicatePosts}, orphan emits ${orphans.length}); ` +
          `${Math.round((Date.now() - started) / 1000)} s; timing (ms) ${JSON.stringify(timing)}`,
      );

      expect(acknowledged.size).toBe(ORDERS);
      expect(lostAcks).toEqual([]);
      expect(notFinal).toEqual([]);
      expect(doubleEffects).toBe(0);
      expect(doubleCharges).toBe(0);
      expect(paidWithoutCharge).toBe(0);
      expect(duplicateEmits).toBe(0);
      expect(duplicatePosts).toBe(0);
      expect(orphans).toEqual([]);
      // Each kind fired: `forceOnce` fires every configured kind once in each runtime process, whatever
      // the draws (before it, over 16 recorded runs `kinesis.lostResponse` fired 3-14 times: a run
      // without one about 1 in 700).
      const fired = (prefix: string) =>
        Object.entries(faults)
          .filter(([kind]) => kind.startsWith(prefix))
          .reduce((a, [, n]) => a + n, 0);
      for (const kind of [
        'kinesis.lostResponse',
        'kinesis.partialPutRecords',
        'kinesis.throttle',
        'dynamodb.lostResponse',
        'dynamodb.throttle',
        'handler.crashBefore',
        'handler.crashAfter',
        'handler.duplicate',
        'handler.timeout',
      ])
        expect({ kind, fired: fired(kind) > 0 }).toEqual({ kind, fired: true });
      // The kills are the test's own (at fixed points of the posting loop), so these are certain.
      const killBatches = new Set([...chaosPoints].map((p) => Math.floor(p / BATCH))).size;
      expect(restarts.sigkillRuntime + restarts.sigkillRuntimeAndDynamo).toBe(killBatches);
      // Three kills, one with DynamoDB Local: a scale (CHAOS_ORDERS) too small to give each its own batch fails here.
      expect({ killBatches, withDynamo: restarts.sigkillRuntimeAndDynamo }).toEqual({
        killBatches: 3,
        withDynamo: 1,
      });
      expect(restarts.graceful).toBe(1);
    },
    POSTING_MS + SETTLE_MS,
  );
});
