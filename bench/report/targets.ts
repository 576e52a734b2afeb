import type { ColdStartResult } from '../coldstart/run';
import type { DesignCost } from '../cost/model';
import type { AnalyticsResult } from '../exactly-once/analytics';
import type { DeliveryResult } from '../exactly-once/run';
import type { CpuResult } from '../ingress/cpu';
import type { ThroughputResult } from '../ingress/http';
import { round } from '../lib/stats';

export interface Verdict {
  readonly target: string;
  /** The run and scenario the figure comes from. */
  readonly judgedOn: string;
  readonly measured: number;
  readonly limit: number;
  readonly met: boolean;
  readonly gap: number;
}

/** The figures of one `npm run bench` run the targets are judged on (a `Report` has them all). */
export interface TargetInputs {
  readonly exactlyOnce: readonly (Pick<DeliveryResult, 'design' | 'batchSize' | 'overheadWcu'> & {
    readonly first: Pick<DeliveryResult['first'], 'wcu'>;
  })[];
  readonly analytics?: readonly (Pick<AnalyticsResult, 'design'> & {
    readonly first: Pick<AnalyticsResult['first'], 'wcu'>;
  })[];
  readonly ingressCpu: readonly Pick<CpuResult, 'scenario' | 'cpuMicrosPerEvent'>[];
  readonly ingressHttp: readonly Pick<ThroughputResult, 'scenario' | 'ratioToRaw'>[];
  readonly coldStart: readonly Pick<ColdStartResult, 'name' | 'design' | 'bundleBytes' | 'ratioCpu'>[];
  readonly cost: {
    readonly designs: readonly (Pick<DesignCost, 'design'> & {
      readonly perMillionEvents: Pick<DesignCost['perMillionEvents'], 'total'>;
    })[];
  };
}

/** A figure that must stay at or below `limit`; a missing figure (NaN) is not met. */
const atMost = (target: string, judgedOn: string, measured: number, limit: number, digits = 4): Verdict => ({
  target,
  judgedOn,
  measured,
  limit,
  met: measured <= limit,
  gap: round(measured - limit, digits),
});

/** A figure that must stay at or above `limit`; a missing figure (NaN) is not met. */
const atLeast = (target: string, judgedOn: string, measured: number, limit: number, digits = 3): Verdict => ({
  ...atMost(target, judgedOn, measured, limit, digits),
  met: measured >= limit,
  gap: round(limit - measured, digits),
});

const cpuOf = (r: TargetInputs, scenario: CpuResult['scenario']): number =>
  r.ingressCpu.find((c) => c.scenario === scenario)?.cpuMicrosPerEvent ?? Number.NaN;

const totalOf = (r: TargetInputs, prefix: string): number =>
  r.cost.designs.find((d) => d.design.startsWith(prefix))?.perMillionEvents.total ?? Number.NaN;

/** Cold start: every Spine function with a lean baseline in the run, init CPU over the baseline's. */
const coldStartTargets = (r: TargetInputs): Verdict[] => {
  const spine = r.coldStart.filter((c) => c.design === 'spine');
  const paired = spine.filter((c) => c.ratioCpu !== undefined);
  type Fn = TargetInputs['coldStart'][number];
  const worst = paired.reduce<Fn | undefined>(
    (w, c) => ((c.ratioCpu ?? 0) > (w?.ratioCpu ?? -1) ? c : w),
    undefined,
  );
  const largest = spine.reduce<Fn | undefined>(
    (l, c) => (c.bundleBytes > (l?.bundleBytes ?? -1) ? c : l),
    undefined,
  );
  return [
    atMost(
      'cold start: every Spine function init CPU / its lean baseline <= 0.75',
      `run 4, worst of ${paired.length}: ${worst?.name ?? '(missing)'}`,
      worst?.ratioCpu ?? Number.NaN,
      0.75,
      2,
    ),
    atMost(
      'cold start: every Spine bundle < 350 KB (KB = 1,024 B)',
      `run 4, largest of ${spine.length}: ${largest?.name ?? '(missing)'}`,
      round((largest?.bundleBytes ?? Number.NaN) / 1024, 1),
      349.99,
      1,
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
  const spineCost = totalOf(r, 'Spine (producer ids');
  const handBuiltCost = totalOf(r, 'hand-built');
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
    atMost(
      'cost: Spine with producer ids / hand-built, per million events <= 0.4',
      'run 5, total (on-demand Kinesis)',
      round(spineCost / handBuiltCost, 3),
      0.4,
      3,
    ),
    atMost(
      'ingress CPU us per validated event without ids <= 15',
      'run 2a, spine-array-no-ids (the cheapest way without ids)',
      cpuOf(r, 'spine-array-no-ids'),
      15,
      1,
    ),
    atMost(
      'ingress CPU with ids / hand-built <= 1',
      'run 2a, spine-batch-ids vs naive-putrecord',
      round(cpuOf(r, 'spine-batch-ids') / cpuOf(r, 'naive-putrecord'), 3),
      1,
      3,
    ),
    ...coldStartTargets(r),
    atLeast(
      'ingress events/s over HTTP / raw PutRecords >= 0.8',
      `run 2b, ${ingress?.scenario ?? '(missing)'} vs ${raw?.scenario ?? '(missing)'}`,
      ingress?.ratioToRaw ?? Number.NaN,
      0.8,
    ),
  ];
};
