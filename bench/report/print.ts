import type { ColdStartResult } from '../coldstart/run';
import type { DesignCost } from '../cost/model';
import type { AnalyticsResult } from '../exactly-once/analytics';
import type { DeliveryResult } from '../exactly-once/run';
import type { CpuResult } from '../ingress/cpu';
import type { DedupeFigures, DedupeProbe, ThroughputResult } from '../ingress/http';
import type { LatencyResult } from '../local/latency';
import { ingressHttpCpuTable } from './http-cpu';
import { fmt, table } from './table';
import type { Verdict } from './targets';

export interface Report {
  readonly wallSeconds: number;
  readonly workload: { readonly recordBytes: number; readonly stateItemBytes: number };
  readonly exactlyOnce: readonly DeliveryResult[];
  /** Run 1b: the analytics workload (absent in reports written before it existed). */
  readonly analytics?: readonly AnalyticsResult[];
  readonly ingressCpu: readonly CpuResult[];
  readonly ingressHttp: readonly ThroughputResult[];
  readonly ingressDedupe: DedupeProbe;
  readonly latency: LatencyResult;
  readonly coldStart: readonly ColdStartResult[];
  readonly cost: { readonly pricesTakenOn: string; readonly designs: readonly DesignCost[] };
}

/** Why runs 2a, 2b and 5 have no "CloudEvents batch without ids" line any more. */
export const NO_IDS_NOTE =
  'No ids: CloudEvents batches require `id` since commit 70837cf. A producer without ids sends plain JSON, ' +
  "one event per request (spine-plain-no-ids; 2b and the no-ids design of 5), or, declared delivery: 'at-least-once', " +
  'a JSON array (spine-array-no-ids, 100 per request, beside naive-putrecord-100): a retry of it may store its events twice.';

/** Table 2a, also printed alone by `bench/ingress/only.ts`. */
export const ingressCpuTable = (results: readonly CpuResult[]): string =>
  table(
    `2a. Ingress CPU per validated event, in process; Kinesis and DynamoDB ${
      (results[0]?.wire ?? 'in-process') === 'socket'
        ? 'answered over TLS by a server in its own process'
        : 'faked in process, at the SDK handler'
    }`,
    [
      'scenario',
      'events/request',
      'CPU us/event',
      'ms/request',
      'Kinesis calls/event',
      'DynamoDB calls/event',
      'B/record',
    ],
    results.map((c) => [
      c.scenario,
      c.eventsPerRequest,
      fmt(c.cpuMicrosPerEvent, 1),
      fmt(c.wallMsPerRequest, 2),
      Object.entries(c.kinesisCallsPerEvent)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
      Object.entries(c.dynamoCallsPerEvent)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '0',
      c.recordBytes,
    ]),
  );

/** One probe of the ingress dedupe's DynamoDB traffic (run 2b), as a sentence. */
const dedupeLine = (label: string, d: DedupeFigures): string =>
  `Ingress dedupe (${label}), ${d.events} events in sequential requests of 50: ${fmt(d.wcuPerEvent, 3)} WCU, ` +
  `${fmt(d.rcuPerEvent, 3)} RCU, ${fmt(d.callsPerEvent, 3)} DynamoDB calls per event (${fmt(d.wcuPerRequest, 3)} WCU per request), ` +
  `${fmt(d.msPerRequest, 1)} ms per request.`;

export const printReport = (r: Report, verdicts: readonly Verdict[]): void => {
  const out: string[] = [];
  out.push(
    `Workload: ${r.workload.recordBytes} B Kinesis record (envelope + key), ${r.workload.stateItemBytes} B state item.`,
  );
  out.push(
    table(
      '1. Exactly-once cost per event consumed (DynamoDB Local; transaction units computed at 2x item size, Local under-reports them)',
      [
        'design',
        'batch',
        'WCU first',
        'state WCU',
        'overhead WCU',
        'RCU first',
        'calls first',
        'WCU redeliv.',
        'RCU redeliv.',
        'calls redeliv.',
        'ms/batch',
      ],
      r.exactlyOnce.map((e) => [
        e.design,
        e.batchSize,
        fmt(e.first.wcu, 3),
        fmt(e.stateWcu, 3),
        fmt(e.overheadWcu, 3),
        fmt(e.first.rcu, 3),
        fmt(e.first.calls, 3),
        fmt(e.redelivery.wcu, 3),
        fmt(e.redelivery.rcu, 3),
        fmt(e.redelivery.calls, 3),
        fmt(e.medianInvocationMs, 1),
      ]),
    ),
  );
  if (r.analytics)
    out.push(
      table(
        '1b. Analytics workload per event: the example analytics service, counter adds per decision (DynamoDB Local, batch 100)',
        ['design', 'events', 'WCU', 'RCU', 'calls', 'WCU by table'],
        r.analytics.map((a) => [
          a.design,
          a.events,
          fmt(a.first.wcu, 3),
          fmt(a.first.rcu, 3),
          fmt(a.first.calls, 3),
          Object.entries(a.first.wcuByTable)
            .map(([t, v]) => `${t} ${v}`)
            .join(', '),
        ]),
      ),
    );
  out.push(ingressCpuTable(r.ingressCpu));
  out.push(NO_IDS_NOTE);
  out.push(
    table(
      '2b. Over HTTP in local mode (autocannon) vs raw PutRecords on the same Kinesis emulator',
      ['scenario', 'events/s', 'ratio to raw', 'ms/request', 'non-2xx seen', 'ingress 5xx logged'],
      r.ingressHttp.map((t) => [
        t.scenario,
        t.eventsPerSecond,
        fmt(t.ratioToRaw, 3),
        fmt(t.requestLatencyMsMean, 1),
        t.non2xx ?? '-',
        t.ingress5xx ?? '-',
      ]),
    ),
  );
  const cpu = ingressHttpCpuTable(r.ingressHttp);
  if (cpu) out.push(cpu);
  out.push(dedupeLine('producer ids, one claim per event id', r.ingressDedupe));
  out.push(
    dedupeLine('producer ids, batch Idempotency-Key: one claim per request', r.ingressDedupe.batchKey),
  );
  const l = r.latency;
  out.push(
    table(
      `3. Ingress ack -> state applied, local mode, ${l.ratePerSecond} events/s for ${l.seconds} s, batch ${l.batchSize}, window ${l.batchingWindowSeconds} s`,
      ['applied/sent', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      [[`${l.applied}/${l.sent}`, fmt(l.p50Ms, 0), fmt(l.p95Ms, 0), fmt(l.p99Ms, 0), fmt(l.maxMs, 0)]],
    ),
  );
  // A run where events were acknowledged but not seen applied measured nothing about them: say so.
  if (l.applied < l.acknowledged)
    out.push(
      `WARNING: ${l.acknowledged - l.applied} of ${l.acknowledged} acknowledged events were not seen applied; the percentiles leave them out.`,
    );
  out.push(
    table(
      '4. Cold start: minified bundle and module init (fresh node --enable-source-maps, median of 20)',
      ['function', 'design', 'bundle KB', 'init ms'],
      r.coldStart.map((c) => [c.name, c.design, fmt(c.bundleBytes / 1024, 0), fmt(c.initMsMedian, 1)]),
    ),
  );
  out.push(
    table(
      `5. Dollars per million events, reference deployment (prices of ${r.cost.pricesTakenOn})`,
      [
        'design',
        'API GW',
        'Lambda req',
        'Lambda GB-s',
        'Kinesis',
        'DynamoDB',
        'EventBridge',
        'total',
        'total (prov. Kinesis)',
      ],
      r.cost.designs.map((d) => [
        d.design,
        fmt(d.perMillionEvents.apiGateway, 3),
        fmt(d.perMillionEvents.lambdaRequests, 3),
        fmt(d.perMillionEvents.lambdaGbSeconds, 3),
        fmt(d.perMillionEvents.kinesis, 3),
        fmt(d.perMillionEvents.dynamodb, 3),
        fmt(d.perMillionEvents.eventBridge, 3),
        fmt(d.perMillionEvents.total, 3),
        fmt(d.totalWithProvisionedKinesis, 3),
      ]),
    ),
  );
  out.push(
    table(
      'Targets',
      ['target', 'judged on', 'measured', 'met', 'gap'],
      verdicts.map((v) => [
        v.target,
        v.judgedOn,
        fmt(v.measured, 3),
        v.met ? 'yes' : 'NO',
        v.met ? '-' : fmt(v.gap, 3),
      ]),
    ),
  );
  for (const v of verdicts) if (v.note) out.push(`${v.met ? '' : 'not met: '}${v.target}: ${v.note}`);
  console.log(out.join('\n'));
};
