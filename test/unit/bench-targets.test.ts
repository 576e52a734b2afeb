import { describe, expect, it } from 'vitest';
import { type TargetInputs, targets } from '../../bench/report/targets';

/** One run's figures, each on the met side of its target unless overridden. */
const run = (over: Partial<TargetInputs> = {}): TargetInputs => ({
  exactlyOnce: [{ design: 'spine', batchSize: 100, first: { wcu: 1.02 }, overheadWcu: 0.02 }],
  analytics: [{ design: 'spine', first: { wcu: 0.25 } }],
  ingressCpu: [
    { scenario: 'spine-array-no-ids', cpuMicrosPerEvent: 14 },
    { scenario: 'spine-batch-ids', cpuMicrosPerEvent: 200 },
    { scenario: 'naive-putrecord', cpuMicrosPerEvent: 400 },
  ],
  ingressHttp: [{ scenario: 'raw' }, { scenario: 'spine', ratioToRaw: 0.9 }],
  coldStart: [
    { name: 'consumer a', design: 'spine', bundleBytes: 300 * 1024, ratioCpu: 0.5 },
    { name: 'queries a', design: 'spine', bundleBytes: 200 * 1024 },
    { name: 'lean', design: 'baseline', bundleBytes: 900 * 1024 },
  ],
  cost: {
    designs: [
      { design: 'Spine (producer ids: ingress dedupe)', perMillionEvents: { total: 2 } },
      { design: 'hand-built (PutRecord per event + Powertools)', perMillionEvents: { total: 6 } },
    ],
  },
  ...over,
});

describe('bench targets (issue 13, judged on one run)', () => {
  it('meets every target on a run inside every limit', () => {
    expect(targets(run()).filter((v) => !v.met)).toEqual([]);
  });

  it('misses exactly the target a figure crosses, and names the worst function', () => {
    const missed = (over: Partial<TargetInputs>) =>
      targets(run(over))
        .filter((v) => !v.met)
        .map((v) => `${v.target} | ${v.judgedOn}`);
    const cold = run().coldStart.map((c) => (c.name === 'consumer a' ? { ...c, ratioCpu: 0.8 } : c));
    expect(missed({ coldStart: cold })).toEqual([
      'cold start: every Spine function init CPU / its lean baseline <= 0.75 | run 4, worst of 1: consumer a',
    ]);
    const big = run().coldStart.map((c) => (c.name === 'queries a' ? { ...c, bundleBytes: 350 * 1024 } : c));
    expect(missed({ coldStart: big })).toEqual([
      'cold start: every Spine bundle < 350 KB (KB = 1,024 B) | run 4, largest of 2: queries a',
    ]);
    const dear = run().cost.designs.map((d) =>
      d.design.startsWith('Spine') ? { ...d, perMillionEvents: { ...d.perMillionEvents, total: 2.5 } } : d,
    );
    expect(missed({ cost: { designs: dear } })).toEqual([
      'cost: Spine with producer ids / hand-built, per million events <= 0.4 | run 5, total (on-demand Kinesis)',
    ]);
  });

  it('does not meet a target whose figure is missing from the run', () => {
    const verdicts = targets(run({ analytics: undefined, ingressCpu: [], cost: { designs: [] } }));
    expect(verdicts.filter((v) => !v.met).map((v) => v.target)).toEqual([
      'Spine WCU/event on the analytics workload with coalescing, batch 100 <= 0.3',
      'cost: Spine with producer ids / hand-built, per million events <= 0.4',
      'ingress CPU us per validated event without ids <= 15',
      'ingress CPU with ids / hand-built <= 1',
    ]);
  });
});
