import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_BATCH_SIZE, BENCH_BATCHING_WINDOW_SECONDS } from '../lib/catalog';
import { percentile, round } from '../lib/stats';
import { orderData } from '../lib/workload';
import { appliedAt } from './applied';
import type { BenchBackbone } from './backbone';

/**
 * Run 3: ingress acknowledgement -> state applied, in local mode. Single-event requests at a steady
 * open-loop rate well below what run 2b shows the ingress takes; each latency is the time from the
 * 202 arriving at the client to the consumer's commit of that event's state write (same clock).
 */
// kinesis-mock takes one single-record PutRecords call in ~50-80 ms here (run 2b measures it with
// batches), so 10 requests/s keeps the log well below saturation on this machine.
export const RATE_PER_SECOND = 10;
export const SECONDS = 30;
const DRAIN_MS = 15_000;

export interface LatencyResult {
  readonly ratePerSecond: number;
  readonly seconds: number;
  readonly sent: number;
  readonly acknowledged: number;
  readonly applied: number;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Every latency, sorted (ms), for the plot. */
  readonly samples: readonly number[];
}

export const runLatency = async (bb: BenchBackbone): Promise<LatencyResult> => {
  const url = `${bb.backbone.endpoints.ingress}/topics/orders/events`;
  const headers = { authorization: `Bearer ${bb.token}`, 'content-type': 'application/json' };
  const acked = new Map<string, number>();
  const total = RATE_PER_SECOND * SECONDS;
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / RATE_PER_SECOND;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const data = orderData('lat', i);
    inflight.push(
      fetch(url, { method: 'POST', headers, body: JSON.stringify({ type: 'OrderRequested', data }) }).then(
        async (res) => {
          const now = performance.now();
          await res.arrayBuffer();
          if (res.status === 202) acked.set(data.orderId, now);
        },
      ),
    );
  }
  await Promise.all(inflight);
  const deadline = performance.now() + DRAIN_MS;
  while ([...acked.keys()].some((k) => !appliedAt.has(k)) && performance.now() < deadline) await sleep(100);

  const samples = [...acked]
    .flatMap(([key, at]) => {
      const applied = appliedAt.get(key);
      return applied === undefined ? [] : [applied - at];
    })
    .sort((a, b) => a - b);
  return {
    ratePerSecond: RATE_PER_SECOND,
    seconds: SECONDS,
    sent: total,
    acknowledged: acked.size,
    applied: samples.length,
    batchSize: BENCH_BATCH_SIZE,
    batchingWindowSeconds: BENCH_BATCHING_WINDOW_SECONDS,
    p50Ms: round(percentile(samples, 50), 1),
    p95Ms: round(percentile(samples, 95), 1),
    p99Ms: round(percentile(samples, 99), 1),
    maxMs: round(samples[samples.length - 1] ?? Number.NaN, 1),
    samples: samples.map((s) => round(s, 1)),
  };
};
