import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { runChild } from '../lib/child';
import { diffCounts, totals } from '../lib/meter';
import { cpuWindowSchema } from '../lib/proc-cpu';
import { startProfile } from '../lib/profiler';
import { cloudEventsBatch, LOAD_TOPIC, plainEvent } from '../lib/requests';
import { round } from '../lib/stats';
import type { BenchBackbone } from '../local/backbone';
import { ROOT } from '../local/backbone';
import { CpuTally, type ProcessCpu } from './http-cpu';

/**
 * Run 2b: events/s accepted by the ingress over HTTP in local mode (autocannon), against raw PutRecords
 * throughput on the same kinesis-mock in the same run (its limit for the log). The measured scenario is
 * what a producer without ids can send: plain JSON, one event per request (CloudEvents modes require
 * `id`, and batches with ids are priced from `probeDedupe`). Its like-for-like raw baseline is
 * PutRecords of one record per call.
 */
/**
 * kinesis-mock slows down under concurrent calls (measured here: 10 in flight accepted fewer records/s
 * than 1), so both generators keep 2 in flight; rounds alternate raw and ingress so a noisy neighbour
 * on the shared machine hits both alike.
 */
export const CONNECTIONS = 2;
export const SECONDS = 8;
/**
 * Unmeasured load before each window, in the generator's process: both generators are fresh processes
 * per round, and a fresh SDK client costs 2-3x its warm CPU per call over its first few thousand calls
 * (raw-putrecords.ts); the runtime warms with it.
 */
export const WARMUP_SECONDS = 4;
export const ROUNDS = 2;
export const BATCH = 50;
/** Events per request (and per raw PutRecords call) of the throughput rounds: plain JSON holds one. */
export const PLAIN_EVENTS_PER_REQUEST = 1;

const autocannonOut = z.object({
  duration: z.number(),
  '2xx': z.number(),
  non2xx: z.number(),
  errors: z.number(),
  latency: z.object({ average: z.number(), p50: z.number(), p99: z.number() }),
});

const rawOut = z.object({
  accepted: z.number(),
  failed: z.number(),
  calls: z.number(),
  seconds: z.number(),
  cpu: cpuWindowSchema,
});
const httpLoadOut = z.object({ result: autocannonOut, cpu: cpuWindowSchema });

export interface ThroughputResult {
  readonly scenario: string;
  /** Events per HTTP request (Spine) or per PutRecords call (raw). */
  readonly eventsPerRequest: number;
  readonly eventsPerSecond: number;
  readonly requestLatencyMsMean?: number;
  readonly non2xx?: number;
  /** 5xx answers the ingress logged during the rounds (e.g. the log timing out under load). */
  readonly ingress5xx?: number;
  readonly ratioToRaw?: number;
  /** Ingress DynamoDB and Kinesis traffic per accepted event, from meters on its clients. */
  readonly dynamoWcuPerEvent?: number;
  readonly dynamoCallsPerEvent?: number;
  readonly putRecordsCallsPerEvent?: number;
  readonly recordBytes?: number;
  /**
   * CPU per process over this side's load windows (bench/ingress/http-cpu.ts), measured in the same
   * rounds as the events/s: what each process spends per event, and how busy it was.
   */
  readonly cpu?: readonly ProcessCpu[];
}

export interface DedupeFigures {
  readonly events: number;
  /** Ingress DynamoDB traffic per event with producer ids, measured on sequential requests. */
  readonly wcuPerEvent: number;
  readonly rcuPerEvent: number;
  readonly callsPerEvent: number;
  /** The same write units per request of `BATCH` events: what one claim per request should bring to ~1. */
  readonly wcuPerRequest: number;
  /** Mean time of one request of `BATCH` events with ids, sequential, in local mode. */
  readonly msPerRequest: number;
}

export interface DedupeProbe extends DedupeFigures {
  /**
   * The same requests, each with its own `Idempotency-Key` header: one claim for the request instead
   * of one per event id.
   */
  readonly batchKey: DedupeFigures;
}

const PROBE_REQUESTS = 4;

/** `PROBE_REQUESTS` sequential batches of `BATCH` events with ids; `key(i)` adds an Idempotency-Key. */
const probeRequests = async (
  bb: BenchBackbone,
  run: string,
  key?: (request: number) => string,
): Promise<DedupeFigures> => {
  const url = `${bb.backbone.endpoints.ingress}/topics/${LOAD_TOPIC}/events`;
  const before = bb.ingressDynamo.snapshot();
  const started = performance.now();
  for (let i = 0; i < PROBE_REQUESTS; i += 1) {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bb.token}`,
        'content-type': 'application/cloudevents-batch+json',
        ...(key ? { 'idempotency-key': key(i) } : {}),
      },
      body: JSON.stringify(cloudEventsBatch(run, i * BATCH, BATCH)),
    });
    if (res.status !== 202) throw new Error(`dedupe probe answered ${res.status}: ${await res.text()}`);
  }
  const t = totals(diffCounts(bb.ingressDynamo.snapshot(), before));
  const events = PROBE_REQUESTS * BATCH;
  return {
    events,
    wcuPerEvent: round(t.wcu / events, 3),
    rcuPerEvent: round(t.rcu / events, 3),
    callsPerEvent: round(t.calls / events, 3),
    wcuPerRequest: round(t.wcu / PROBE_REQUESTS, 3),
    msPerRequest: round((performance.now() - started) / PROBE_REQUESTS, 1),
  };
};

/**
 * DynamoDB cost of ingress dedupe per event, from a few sequential requests with producer ids against
 * DynamoDB Local: independent of how loaded the machine is during the throughput rounds. Measured twice:
 * one claim per event id, and one per request with a batch `Idempotency-Key`.
 */
export const probeDedupe = async (bb: BenchBackbone): Promise<DedupeProbe> => {
  const perEventIds = await probeRequests(bb, 'probe');
  // Keys unique to this probe, so a state left by an earlier run could not answer them as retries.
  const prefix = randomUUID();
  const batchKey = await probeRequests(bb, 'pkey', (i) => `${prefix}-${i}`);
  return { ...perEventIds, batchKey };
};

/**
 * autocannon against the ingress with the same plain JSON body (no id: every request is a new event), in
 * its own process (http-load.ts), which meters the CPU of itself and of `bb.pids` over its window.
 */
const autocannon = async (bb: BenchBackbone, body: unknown) => {
  const options = {
    url: `${bb.backbone.endpoints.ingress}/topics/${LOAD_TOPIC}/events`,
    token: bb.token,
    body: JSON.stringify(body),
    connections: CONNECTIONS,
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    pids: bb.pids,
  };
  const args = ['--import', 'tsx', join(ROOT, 'bench/ingress/http-load.ts'), JSON.stringify(options)];
  return httpLoadOut.parse(JSON.parse(await runChild(process.execPath, args, ROOT)));
};

export interface HttpRunOptions {
  /**
   * Profile this process (the runtime) over each round into `<dir>/<raw|ingress>-<round>.cpuprofile`
   * (summarize with profile-parts.ts). Sampling costs CPU: the figures of a profiled run are not comparable.
   */
  readonly profileDir?: string;
}

/** Runs `work`, profiled into `<dir>/<name>.cpuprofile` when a dir is given. */
const profiled = async <T>(dir: string | undefined, name: string, work: () => Promise<T>): Promise<T> => {
  if (dir === undefined) return work();
  const profile = await startProfile();
  const cpu = process.cpuUsage();
  const wall = performance.now();
  try {
    return await work();
  } finally {
    // The process's CPU over the profiled span (every thread), to set beside the profile's sampled time.
    const used = process.cpuUsage(cpu);
    const span = { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall };
    await profile.stop(join(dir, `${name}.cpuprofile`));
    writeFileSync(join(dir, `${name}.cpu.json`), JSON.stringify(span));
  }
};

export const runIngressHttp = async (
  bb: BenchBackbone,
  options: HttpRunOptions = {},
): Promise<ThroughputResult[]> => {
  const url = `${bb.backbone.endpoints.ingress}/topics/${LOAD_TOPIC}/events`;
  const headers = { authorization: `Bearer ${bb.token}`, 'content-type': 'application/json' };
  for (let i = 0; i < 50; i += 1) {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(plainEvent('warm', i)) });
    if (res.status !== 202) throw new Error(`warm-up request answered ${res.status}: ${await res.text()}`);
  }

  const rawRun = async () =>
    rawOut.parse(
      JSON.parse(
        await runChild(
          process.execPath,
          [
            '--import',
            'tsx',
            join(ROOT, 'bench/ingress/raw-putrecords.ts'),
            bb.backbone.endpoints.kinesis,
            LOAD_TOPIC,
            String(CONNECTIONS),
            String(SECONDS),
            String(PLAIN_EVENTS_PER_REQUEST),
            JSON.stringify(bb.pids),
            String(WARMUP_SECONDS),
          ],
          ROOT,
        ),
      ),
    );
  const raw = { events: 0, seconds: 0, cpu: new CpuTally() };
  // Dedupe is priced from `probeDedupe`; over HTTP on a loaded machine its 100 DynamoDB Local calls
  // per request of 50 outlast a short round, so only plain JSON without ids is measured for the ratio.
  const spine = [PLAIN_EVENTS_PER_REQUEST].map((size) => ({
    size,
    events: 0,
    seconds: 0,
    latencies: [] as number[],
    non2xx: 0,
    errors: 0,
    dynamo: { wcu: 0, calls: 0 },
    putRecordsCalls: 0,
    records: 0,
    recordBytes: 0,
    cpu: new CpuTally(),
  }));
  for (let round = 0; round < ROUNDS; round += 1) {
    const r = await profiled(options.profileDir, `raw-${round}`, rawRun);
    raw.events += r.accepted;
    raw.seconds += r.seconds;
    raw.cpu.add(r.cpu);
    for (const s of spine) {
      const body = plainEvent('http', round);
      const d0 = bb.ingressDynamo.snapshot();
      const k0 = { ...bb.ingressKinesis.counts };
      const e0 = bb.ingressErrors.length;
      const { result: out, cpu } = await profiled(options.profileDir, `ingress-${round}`, () =>
        autocannon(bb, body),
      );
      s.cpu.add(cpu);
      s.errors += bb.ingressErrors.length - e0;
      const d = totals(diffCounts(bb.ingressDynamo.snapshot(), d0));
      const k = bb.ingressKinesis.counts;
      s.events += out['2xx'] * s.size;
      s.seconds += out.duration;
      s.latencies.push(out.latency.average);
      s.non2xx += out.non2xx + out.errors;
      s.dynamo.wcu += d.wcu;
      s.dynamo.calls += d.calls;
      s.putRecordsCalls += k.putRecordsCalls - k0.putRecordsCalls;
      s.records += k.records - k0.records;
      s.recordBytes += k.recordBytes - k0.recordBytes;
    }
  }
  const rawRate = raw.events / raw.seconds;
  const results: ThroughputResult[] = [
    {
      scenario: `raw PutRecords (${PLAIN_EVENTS_PER_REQUEST}/call, ${CONNECTIONS} in flight)`,
      eventsPerRequest: PLAIN_EVENTS_PER_REQUEST,
      eventsPerSecond: round(rawRate, 0),
      cpu: raw.cpu.perProcess(raw.events),
    },
  ];
  for (const s of spine) {
    const rate = s.events / s.seconds;
    // The meters also saw the generator's warm-up, which autocannon's 2xx count leaves out: traffic per
    // event is per record the ingress wrote (one per event here), over the same requests as the meters.
    const events = Math.max(s.records, 1);
    results.push({
      scenario: `Spine ingress, plain JSON, ${s.size} event per request, no ids (${CONNECTIONS} in flight)`,
      eventsPerRequest: s.size,
      eventsPerSecond: round(rate, 0),
      requestLatencyMsMean: round(s.latencies.reduce((a, b) => a + b, 0) / s.latencies.length, 1),
      non2xx: s.non2xx,
      ingress5xx: s.errors,
      ratioToRaw: round(rate / rawRate, 3),
      dynamoWcuPerEvent: round(s.dynamo.wcu / events, 3),
      dynamoCallsPerEvent: round(s.dynamo.calls / events, 3),
      putRecordsCallsPerEvent: round(s.putRecordsCalls / events, 4),
      recordBytes: round(s.recordBytes / Math.max(s.records, 1), 0),
      cpu: s.cpu.perProcess(s.events),
    });
  }
  return results;
};
