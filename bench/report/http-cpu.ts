import type { ThroughputResult } from '../ingress/http';
import type { ProcessCpu } from '../ingress/http-cpu';
import { fmt, table } from './table';

/** What each role is on the raw side and on the ingress side of run 2b. */
const ROLES: Readonly<Record<string, string>> = {
  generator: 'load generator (raw: SDK client / ingress: autocannon)',
  runtime: 'local runtime (raw: Kinesis relay / ingress: + HTTP server, handler, SDK client)',
  kinesis: 'Kinesis emulator',
  dynamodb: 'DynamoDB Local (on neither path: idle)',
  total: 'total',
};

/** The raw row and the ingress row of run 2b (the one with a ratio), if both were measured. */
export const rawAndIngress = <T extends Pick<ThroughputResult, 'ratioToRaw'>>(rows: readonly T[]) => ({
  raw: rows.find((t) => t.ratioToRaw === undefined),
  ingress: rows.find((t) => t.ratioToRaw !== undefined),
});

/**
 * Run 2b's CPU per process, raw beside ingress, per 100 events, with each process's busy share of one
 * core; `undefined` when the run measured none (reports written before it did).
 */
export const ingressHttpCpuTable = (rows: readonly ThroughputResult[]): string | undefined => {
  const { raw, ingress } = rawAndIngress(rows);
  if (!raw?.cpu || !ingress?.cpu) return undefined;
  const rawCpu = raw.cpu;
  const roles = [...new Set([...rawCpu, ...ingress.cpu].map((c) => c.process))];
  const body = roles.map((role) => {
    const r = rawCpu.find((c) => c.process === role);
    const i = ingress.cpu?.find((c) => c.process === role);
    const diff = r && i ? i.msPer100Events - r.msPer100Events : undefined;
    return [
      ROLES[role] ?? role,
      fmt(r?.msPer100Events, 1),
      fmt(r?.cores, 2),
      fmt(i?.msPer100Events, 1),
      fmt(i?.cores, 2),
      diff === undefined ? '-' : `${diff >= 0 ? '+' : ''}${diff.toFixed(1)}`,
    ];
  });
  return table(
    `2b. CPU per process over the load windows: raw ${raw.eventsPerSecond} events/s, ingress ${ingress.eventsPerSecond} events/s, ratio ${fmt(ingress.ratioToRaw, 3)}`,
    [
      'process',
      'raw ms CPU/100 events',
      'raw cores',
      'ingress ms CPU/100 events',
      'ingress cores',
      'ingress - raw',
    ],
    body,
  );
};

/** One line for the 2b target's note: the ingress side's extra CPU per event, by process. */
export const ingressHttpCpuNote = (
  rows: readonly Pick<ThroughputResult, 'ratioToRaw' | 'cpu'>[],
): string | undefined => {
  const { raw, ingress } = rawAndIngress(rows);
  if (!raw?.cpu || !ingress?.cpu) return undefined;
  const parts = ingress.cpu.map((i) => {
    const r = raw.cpu?.find((c) => c.process === i.process);
    return `${i.process} ${fmt(r?.msPer100Events, 1)} -> ${fmt(i.msPer100Events, 1)}`;
  });
  const busiest = (cpu: readonly ProcessCpu[]) =>
    [...cpu].filter((c) => c.process !== 'total').sort((a, b) => b.cores - a.cores)[0];
  const r = busiest(raw.cpu);
  const i = busiest(ingress.cpu);
  // With 2 requests in flight each side runs at the pace of its busiest process, so the ratio follows
  // their CPU per event (measured: 0.46-0.70 against ratios of 0.45-0.67, docs/performance.md).
  const bound =
    r && i
      ? `; busiest process raw ${r.process} (${fmt(r.cores, 2)} core), ingress ${i.process} (${fmt(i.cores, 2)} core): their CPU per event gives ${fmt(r.msPer100Events / i.msPer100Events, 2)}`
      : '';
  return `ms CPU per 100 events, raw -> ingress: ${parts.join(', ')}${bound}`;
};
