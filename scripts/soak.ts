/**
 * Soak run (not part of `npm test`): `npm run soak -- --minutes N [--rate EVENTS_PER_S] [--ephemeral]`.
 * Starts local mode on free ports in a temp home, posts `OrderRequested` batches at a steady rate,
 * and every sample interval records the runtime's and the emulators' resident memory and the
 * end-to-end lag of a probe order (ingress ack until the orders service has it). Prints a table and a
 * verdict: memory and lag must not keep growing (least-squares slope over the second half of the run).
 * Each sample also forces a full gc (after reading RSS; `npm run soak` passes `--expose-gc`) and records the
 * heap still in use and the memory outside the heap (buffers). RSS also holds garbage not yet collected
 * and heap V8 keeps reserved: it swung between 180 and 260 MB in a few minutes while the heap after gc
 * stayed at 39-43 MB, so a leak shows as heap after gc that keeps growing (docs/performance.md, "Local
 * mode"). The forced gc itself changes RSS a little: it returns garbage V8 would have kept for longer.
 * The probe runs beside the load, so a slow probe never lowers the offered rate. `--ephemeral` runs
 * both emulators without persistence, to measure what persistence costs against the same run with it.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { catalog } from '../catalog';
import { localClientConfig, startBackbone } from '../local';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    rate: { type: 'string', default: '200' },
    ephemeral: { type: 'boolean', default: false },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
if (!(minutes > 0 && minutes <= 24 * 60) || !(rate > 0 && rate <= 5_000)) {
  console.error('usage: npm run soak -- --minutes N (0 < N <= 1440) [--rate R] (0 < R <= 5000 events/s)');
  process.exit(2);
}

const rssOf = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
};

const slope = (ys: number[]): number => {
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return num / den;
};

const order = (orderId: string) => ({
  type: 'OrderRequested',
  data: { orderId, customerId: 'soak', currency: 'EUR', items: [{ sku: 'tea', quantity: 1, unitPrice: 2 }] },
});

const main = async () => {
  const home = await mkdtemp(join(tmpdir(), 'spine-soak-'));
  const backbone = await startBackbone({
    catalog,
    root: process.cwd(),
    home,
    fresh: true,
    ephemeral: values.ephemeral,
    ports: { ingress: 0, kinesis: 0, dynamodb: 0 },
    log: { info: () => {}, warn: () => {}, error: console.error },
  });
  const token = backbone.producers.storefront ?? '';
  const ingress = backbone.endpoints.ingress;
  const docs = DynamoDBDocumentClient.from(
    new DynamoDBClient(localClientConfig(backbone.endpoints.dynamodb)),
  );
  const pids = (
    JSON.parse(readFileSync(join(home, 'pids.json'), 'utf8')) as {
      emulators: { name: string; pid: number }[];
    }
  ).emulators;
  const post = (events: unknown[]) =>
    fetch(`${ingress}/topics/orders/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify(
        events.map((e, i) => ({
          specversion: '1.0',
          id: `${Date.now()}-${i}-${Math.random()}`,
          source: '/soak',
          ...(e as object),
        })),
      ),
    });

  const started = Date.now();
  const end = started + minutes * 60_000;
  const sampleEvery = Math.max(5_000, Math.min(60_000, (minutes * 60_000) / 20));
  const samples: {
    at: number;
    runtimeMb: number;
    heapMb: number;
    externalMb: number;
    emulatorsMb: number;
    lagMs: number;
    sent: number;
  }[] = [];
  if (gc === undefined)
    console.error('soak: run with --expose-gc (npm run soak does): heap is sampled without a gc');
  const mb = (bytes: number) => bytes / 1024 / 1024;
  /** RSS as the load left it, then the heap and buffers still in use after a full gc. */
  const memory = () => {
    const runtimeMb = mb(process.memoryUsage().rss);
    gc?.();
    const after = process.memoryUsage();
    return { runtimeMb, heapMb: mb(after.heapUsed), externalMb: mb(after.external) };
  };
  let sent = 0;
  let refused = 0;
  let n = 0;

  /** One probe order per interval: ack until the orders service has it (NaN past 30 s). */
  const probeLoop = async () => {
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, sampleEvery));
      const probe = `probe-${n++}`;
      const acked = Date.now();
      await post([order(probe)]);
      let lagMs = Number.NaN;
      while (Date.now() - acked < 30_000) {
        const got = await docs.send(new GetCommand({ TableName: 'spine-orders-orders', Key: { pk: probe } }));
        if (got.Item) {
          lagMs = Date.now() - acked;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      const sample = {
        at: Math.round((Date.now() - started) / 1000),
        ...memory(),
        emulatorsMb: pids.reduce((sum, p) => sum + rssOf(p.pid), 0),
        lagMs,
        sent,
      };
      samples.push(sample);
      console.log(
        `t=${String(sample.at).padStart(5)}s sent=${String(sent).padStart(8)} refused=${refused} runtime=${sample.runtimeMb.toFixed(0)}MB heap-after-gc=${sample.heapMb.toFixed(1)}MB external=${sample.externalMb.toFixed(1)}MB emulators=${sample.emulatorsMb.toFixed(0)}MB lag=${Number.isNaN(lagMs) ? '>30000' : lagMs}ms`,
      );
    }
  };

  /** The offered load: a batch every 100 ms, sent one after another (a slow answer lowers the rate). */
  const loadLoop = async () => {
    const perTick = Math.max(1, Math.round(rate / 10));
    while (Date.now() < end) {
      const tick = Date.now();
      const batch = Array.from({ length: perTick }, () => order(`soak-${n++}`));
      const res = await post(batch);
      if (res.status === 202) sent += perTick;
      else refused += perTick;
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
    }
  };
  await Promise.all([loadLoop(), probeLoop()]);
  await backbone.stop();
  await rm(home, { recursive: true, force: true });

  const second = samples.slice(Math.floor(samples.length / 2));
  const perSample = (key: 'runtimeMb' | 'heapMb' | 'externalMb' | 'emulatorsMb' | 'lagMs') =>
    slope(second.map((s) => s[key]));
  const perMinute = 60_000 / sampleEvery;
  const verdict = {
    runtimeMbPerMin: perSample('runtimeMb') * perMinute,
    heapAfterGcMbPerMin: perSample('heapMb') * perMinute,
    externalMbPerMin: perSample('externalMb') * perMinute,
    emulatorsMbPerMin: perSample('emulatorsMb') * perMinute,
    lagMsPerMin: perSample('lagMs') * perMinute,
  };
  console.log(
    `soak: ${sent} events accepted in ${minutes} min (${(sent / (minutes * 60)).toFixed(1)}/s of ${rate}/s offered, ${refused} refused${values.ephemeral ? ', ephemeral' : ''}); second-half trends ${JSON.stringify(verdict)}`,
  );
  // Thresholds: a leak of a few MB a minute shows within minutes; lag growing 100 ms/min means falling
  // behind. A probe still unapplied after 30 s (NaN) is behind whatever the slope says (NaN compares false).
  // Heap after gc over 1 MB/min is a leak on its own, whatever RSS does (only with --expose-gc: without a
  // gc the heap holds garbage too). A bounded cache still filling counts as well: the ingress's remembered
  // keys add ~0.15 MB/min at ~4 orders/s until full (shared/ingress/acknowledged.ts).
  const behind = second.some((s) => Number.isNaN(s.lagMs));
  const heapGrowing = gc !== undefined && verdict.heapAfterGcMbPerMin > 1;
  const growing = behind || heapGrowing || verdict.runtimeMbPerMin > 2 || verdict.lagMsPerMin > 100;
  console.log(growing ? 'soak: GROWING (look at the table above)' : 'soak: steady');
  process.exit(growing ? 1 : 0);
};

void main();
