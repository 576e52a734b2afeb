import type { ColdStartResult } from '../coldstart/run';
import { DESIGN, type DesignCost } from '../cost/model';
import type { AnalyticsResult } from '../exactly-once/analytics';
import type { DeliveryResult } from '../exactly-once/run';
import type { CpuResult } from '../ingress/cpu';
import type { ThroughputResult } from '../ingress/http';
import { round } from '../lib/stats';
import { ingressHttpCpuNote } from './http-cpu';
import { fmt } from './table';

export interface Verdict {
  readonly target: string;
  /** The run and scenario the figure comes from. */
  readonly judgedOn: string;
  readonly measured: number;
  readonly limit: number;
  readonly met: boolean;
  readonly gap: number;
  /** What the run measured about the figure beyond the figure itself (2b: CPU per process). */
  readonly note?: string;
}

/** The figures of one `npm run bench` run the targets are judged on (a `Report` has them all). */
export interface TargetInputs {
  readonly exactlyOnce: readonly (Pick<DeliveryResult, 'design' | 'batchSize' | 'overheadWcu'> & {
    readonly first: Pick<DeliveryResult['first'], 'wcu'>;
  })[];
  readonly analytics?: readonly (Pick<AnalyticsResult, 'design'> & {
    readonly first: Pick<AnalyticsResult['first'], 'wcu'>;
  })[];
  readonly ingressCpu: readonly Pick<CpuResult, 'scenario' | 'cpuMicrosPerEvent' | 'wire'>[];
  readonly ingressHttp: readonly Pick<ThroughputResult, 'scenario' | 'ratioToRaw' | 'cpu'>[];
  readonly coldStart: readonly Pick<
    ColdStartResult,
    'name' | 'design' | 'pair' | 'bundleBytes' | 'initCpuMsMedian'
  >[];
  readonly cost: {
    readonly designs: readonly (Pick<DesignCost, 'design'> & {
      readonly perMillionEvents: Pick<DesignCost['perMillionEvents'], 'total'>;
    })[];
  };
}

/**
 * A figure that must stay at or below `limit`, judged on the exact value (shown rounded to `digits`); a
 * missing figure (NaN) is not met.
 */
const atMost = (target: string, judgedOn: string, exact: number, limit: number, digits = 4): Verdict => ({
  target,
  judgedOn,
  measured: round(exact, digits),
  limit,
  met: exact <= limit,
  gap: round(exact - limit, digits),
});

/** A figure that must stay at or above `limit`, as `atMost`. */
const atLeast = (target: string, judgedOn: string, exact: number, limit: number, digits = 3): Verdict => ({
  ...atMost(target, judgedOn, exact, limit, digits),
  met: exact >= limit,
  gap: round(limit - exact, digits),
});

/** Below `limit` (not equal), as `atMost`. */
const below = (target: string, judgedOn: string, exact: number, limit: number, digits = 2): Verdict => ({
  ...atMost(target, judgedOn, exact, limit, digits),
  met: exact < limit,
});

/** The verdict with `note` when there is one; the note never changes `met`. */
const withNote = (v: Verdict, note: string | undefined): Verdict => (note === undefined ? v : { ...v, note });

/**
 * Issue 13 wrote "<= 15 us per validated event without ids" beside a hand-built handler it measured at
 * 164 us. The ratio to the hand-built handler given the same events per request is printed beside the
 * verdict, never judged: the two figures came from 2a's former in-process fake, at 50 events per
 * request with the SDK's default client, and over the socket the hand-built handler pays a whole call
 * per event where Spine's array pays one per 100 (review 20). The run's lean reference (bench/ingress/lean.ts)
 * is printed after it, never judged either.
 */
const noIdsNote = (r: TargetInputs): string | undefined => {
  const spine = cpuOf(r, 'spine-array-no-ids');
  const handBuilt = cpuOf(r, 'naive-putrecord-100');
  const notes: string[] = [];
  if (Number.isFinite(spine) && Number.isFinite(handBuilt))
    notes.push(
      `not judged: spine-array-no-ids / naive-putrecord-100 = ${fmt(spine, 1)} / ${fmt(handBuilt, 1)} = ` +
        `${fmt(spine / handBuilt, 3)} (${r.ingressCpu[0]?.wire ?? 'in-process'} wire); the issue's 15 / 164 = 0.091 ` +
        'was measured in process, at 50 per request, with the SDK default client',
    );
  const lean = cpuOf(r, 'lean-call-no-sdk-client');
  const native = cpuOf(r, 'lean-native-steps');
  if (Number.isFinite(lean) && Number.isFinite(native))
    notes.push(
      `a lean reference in this run (bench/ingress/lean.ts; no validation, no retries, not a lower bound): ` +
        `parse + envelope JSON + UTF-8 ${fmt(native, 1)} us, and with one PutRecords signed and sent ` +
        `without the SDK client ${fmt(lean, 1)} us`,
    );
  return notes.length > 0 ? notes.join('; ') : undefined;
};

const cpuOf = (r: TargetInputs, scenario: CpuResult['scenario']): number =>
  r.ingressCpu.find((c) => c.scenario === scenario)?.cpuMicrosPerEvent ?? Number.NaN;

const totalOf = (r: TargetInputs, design: string): number =>
  r.cost.designs.find((d) => d.design === design)?.perMillionEvents.total ?? Number.NaN;

/**
 * Cost is judged on the cheapest way with producer ids, a batch `Idempotency-Key` (one claim per request
 * of 50); the note gives the one-claim-per-event-id design's ratio beside it, since a producer that
 * sends no key still pays that.
 */
const costTarget = (r: TargetInputs): Verdict => {
  const handBuilt = totalOf(r, DESIGN.handBuilt);
  const money = (n: number) => (Number.isNaN(n) ? '(missing)' : `$${fmt(n, 2)}`);
  const ratio = (design: string, label: string) =>
    `${label}: ${money(totalOf(r, design))} / ${money(handBuilt)} = ${fmt(totalOf(r, design) / handBuilt, 3)}`;
  return withNote(
    atMost(
      'cost: Spine with producer ids (batch Idempotency-Key) / hand-built, per million events <= 0.4',
      'run 5, total (on-demand Kinesis), one claim per request of 50',
      totalOf(r, DESIGN.spineBatchKey) / handBuilt,
      0.4,
      3,
    ),
    `${ratio(DESIGN.spineBatchKey, 'batch Idempotency-Key, one claim per request')}; ${ratio(DESIGN.spineEventIds, 'without a key, one claim per event id')}`,
  );
};

/**
 * Cold start: every Spine function with a lean baseline (`pair`), init CPU over that baseline's, from the
 * unrounded medians; a function or baseline without a figure makes the target not met.
 */
const coldStartTargets = (r: TargetInputs): Verdict[] => {
  const spine = r.coldStart.filter((c) => c.design === 'spine');
  const baselineCpu = (pair: string) =>
    r.coldStart.find((c) => c.design === 'baseline' && c.pair === pair)?.initCpuMsMedian ?? Number.NaN;
  const ratios = spine
    .filter((c) => c.pair !== undefined)
    .map((c) => ({ name: c.name, ratio: (c.initCpuMsMedian ?? Number.NaN) / baselineCpu(c.pair ?? '') }));
  // NaN sorts first, so a missing figure is the "worst" and fails the target.
  const worst = [...ratios].sort((a, b) =>
    Number.isNaN(a.ratio) ? -1 : Number.isNaN(b.ratio) ? 1 : b.ratio - a.ratio,
  )[0];
  const largest = [...spine].sort((a, b) => b.bundleBytes - a.bundleBytes)[0];
  const bundleKb = (largest?.bundleBytes ?? Number.NaN) / 1024;
  return [
    atMost(
      'cold start: every Spine function init CPU / its lean baseline <= 0.75',
      `run 4, worst of ${ratios.length}: ${worst?.name ?? '(missing)'}`,
      worst?.ratio ?? Number.NaN,
      0.75,
      3,
    ),
    below(
      'cold start: every Spine bundle < 350 KB (KB = 1,024 B)',
      `run 4, largest of ${spine.length}: ${largest?.name ?? '(missing)'}`,
      bundleKb,
      350,
    ),
  ];
};

/**
 * Issue 13's targets (and issue 7's WCU overhead), judged on one run's figures: the bench prints them
 * and writes them to the report; it never fails on them.
 */
export const targets = (r: TargetInputs): Verdict[] => {
  const spine100 = r.exactlyOnce.find((e) => e.design === 'spine' && e.batchSize === 100);
  const ingress = r.ingressHttp.find((t) => t.ratioToRaw !== undefined);
  const raw = r.ingressHttp.find((t) => t.ratioToRaw === undefined);
  const analytics = r.analytics?.find((a) => a.design === 'spine')?.first.wcu ?? Number.NaN;
  return [
    atMost(
      'Spine WCU/event for single-item effects, batch 100 <= 1.05',
      'run 1, spine, batch 100',
      spine100?.first.wcu ?? Number.NaN,
      1.05,
    ),
    atMost(
      'Spine WCU/event on the analytics workload with coalescing, batch 100 <= 0.3',
      'run 1b, spine (coalesce on), batch 100',
      analytics,
      0.3,
    ),
    atMost(
      'Spine WCU/event over the state write, batch 100 <= 0.1',
      'run 1, spine, batch 100',
      spine100?.overheadWcu ?? Number.NaN,
      0.1,
    ),
    costTarget(r),
    withNote(
      atMost(
        'ingress CPU us per validated event without ids <= 15',
        'run 2a, spine-array-no-ids (the cheapest way without ids)',
        cpuOf(r, 'spine-array-no-ids'),
        15,
        1,
      ),
      noIdsNote(r),
    ),
    atMost(
      'ingress CPU with ids / hand-built <= 1',
      'run 2a, spine-batch-ids vs naive-putrecord',
      cpuOf(r, 'spine-batch-ids') / cpuOf(r, 'naive-putrecord'),
      1,
      3,
    ),
    ...coldStartTargets(r),
    withNote(
      atLeast(
        'ingress events/s over HTTP / raw PutRecords >= 0.8',
        `run 2b, ${ingress?.scenario ?? '(missing)'} vs ${raw?.scenario ?? '(missing)'}`,
        ingress?.ratioToRaw ?? Number.NaN,
        0.8,
      ),
      ingressHttpCpuNote(r.ingressHttp),
    ),
  ];
};
