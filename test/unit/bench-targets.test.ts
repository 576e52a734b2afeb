import { describe, expect, it } from 'vitest';
import { DESIGN } from '../../bench/cost/model';
import type { CpuResult } from '../../bench/ingress/cpu';
import { type TargetInputs, targets } from '../../bench/report/targets';

/** One run's figures, each on the met side of its target unless overridden. */
const run = (over: Partial<TargetInputs> = {}): TargetInputs => ({
  exactlyOnce: [{ design: 'spine', batchSize: 100, first: { wcu: 1.02 }, overheadWcu: 0.02 }],
  analytics: [{ design: 'spine', first: { wcu: 0.25 } }],
  ingressCpu: [
    { scenario: 'spine-array-no-ids', cpuMicrosPerEvent: 14 },
    { scenario: 'spine-batch-ids', cpuMicrosPerEvent: 200 },
    { scenario: 'naive-putrecord', cpuMicrosPerEvent: 400 },
    { scenario: 'naive-putrecord-100', cpuMicrosPerEvent: 200 },
  ],
  ingressHttp: [{ scenario: 'raw' }, { scenario: 'spine', ratioToRaw: 0.9 }],
  coldStart: [
    { name: 'consumer a', design: 'spine', pair: 'consumer', bundleBytes: 300 * 1024, initCpuMsMedian: 50 },
    { name: 'ingress', design: 'spine', pair: 'ingress', bundleBytes: 290 * 1024, initCpuMsMedian: 40 },
    { name: 'queries a', design: 'spine', bundleBytes: 200 * 1024 },
    {
      name: 'lean consumer',
      design: 'baseline',
      pair: 'consumer',
      bundleBytes: 148 * 1024,
      initCpuMsMedian: 100,
    },
    {
      name: 'lean ingress',
      design: 'baseline',
      pair: 'ingress',
      bundleBytes: 740 * 1024,
      initCpuMsMedian: 160,
    },
  ],
  cost: {
    // One claim per event id over the limit, as measured: the target is judged on the batch key.
    designs: [
      { design: DESIGN.spineEventIds, perMillionEvents: { total: 2.7 } },
      { design: DESIGN.spineBatchKey, perMillionEvents: { total: 2 } },
      { design: DESIGN.handBuilt, perMillionEvents: { total: 6 } },
    ],
  },
  ...over,
});

const COST = 'cost: Spine with producer ids (batch Idempotency-Key) / hand-built, per million events <= 0.4';
const COST_ON = 'run 5, total (on-demand Kinesis), one claim per request of 50';

describe('bench targets (issue 13, judged on one run)', () => {
  it('meets every target on a run inside every limit', () => {
    expect(targets(run()).filter((v) => !v.met)).toEqual([]);
  });

  it('misses exactly the target a figure crosses, and names the worst function', () => {
    const missed = (over: Partial<TargetInputs>) =>
      targets(run(over))
        .filter((v) => !v.met)
        .map((v) => `${v.target} | ${v.judgedOn}`);
    const coldWith = (name: string, change: object) =>
      run().coldStart.map((c) => (c.name === name ? { ...c, ...change } : c));
    const COLD = 'cold start: every Spine function init CPU / its lean baseline <= 0.75';
    // 75.04 / 100 is over, though it shows as 0.75 at two places.
    expect(missed({ coldStart: coldWith('consumer a', { initCpuMsMedian: 75.04 }) })).toEqual([
      `${COLD} | run 4, worst of 2: consumer a`,
    ]);
    // A function without a figure, or without its baseline's, is not met.
    expect(missed({ coldStart: coldWith('ingress', { initCpuMsMedian: undefined }) })).toEqual([
      `${COLD} | run 4, worst of 2: ingress`,
    ]);
    expect(missed({ coldStart: run().coldStart.filter((c) => c.name !== 'lean ingress') })).toEqual([
      `${COLD} | run 4, worst of 2: ingress`,
    ]);
    const BUNDLE = 'cold start: every Spine bundle < 350 KB (KB = 1,024 B)';
    expect(missed({ coldStart: coldWith('queries a', { bundleBytes: 358_380 }) })).toEqual([]);
    expect(missed({ coldStart: coldWith('queries a', { bundleBytes: 350 * 1024 }) })).toEqual([
      `${BUNDLE} | run 4, largest of 3: queries a`,
    ]);
    const spineCost = (total: number) => ({
      designs: run().cost.designs.map((d) =>
        d.design === DESIGN.spineBatchKey ? { ...d, perMillionEvents: { total } } : d,
      ),
    });
    // 2.4024 / 6 = 0.4004: over, though it shows as 0.4 at three places.
    expect(missed({ cost: spineCost(2.4024) })).toEqual([`${COST} | ${COST_ON}`]);
    expect(missed({ cost: spineCost(2.4) })).toEqual([]);
    const cpuWith = (arrayNoIds: number, handBuilt100: number) =>
      run().ingressCpu.map((c) =>
        c.scenario === 'spine-array-no-ids'
          ? { ...c, cpuMicrosPerEvent: arrayNoIds }
          : c.scenario === 'naive-putrecord-100'
            ? { ...c, cpuMicrosPerEvent: handBuilt100 }
            : c,
      );
    const ABSOLUTE =
      'ingress CPU us per validated event without ids <= 15 | run 2a, spine-array-no-ids (the cheapest way without ids)';
    // Judged on the absolute figure alone: a ratio to the hand-built handler never meets or misses it.
    expect(missed({ ingressCpu: cpuWith(15, 164) })).toEqual([]);
    expect(missed({ ingressCpu: cpuWith(15.01, 1_000_000) })).toEqual([ABSOLUTE]);
    expect(missed({ ingressCpu: cpuWith(14, 20) })).toEqual([]);
  });

  it('prints the no-ids ratio to the hand-built handler beside the absolute verdict, without judging it', () => {
    // Act
    const noIds = targets(run()).find((v) =>
      v.target.startsWith('ingress CPU us per validated event without ids'),
    );
    const socket = targets(
      run({ ingressCpu: run().ingressCpu.map((c) => ({ ...c, wire: 'socket' as const })) }),
    ).find((v) => v.target.startsWith('ingress CPU us per validated event without ids'));

    // Assess
    expect(noIds?.note).toBe(
      'not judged: spine-array-no-ids / naive-putrecord-100 = 14.0 / 200.0 = 0.070 (in-process wire); ' +
        "the issue's 15 / 164 = 0.091 was measured in process, at 50 per request, with the SDK default client",
    );
    expect(socket?.note).toContain('(socket wire)');
  });

  it("notes the run's lean reference beside the no-ids verdict, and the reference never changes the verdict", () => {
    // Arrange: Spine over 15 us, the reference under it; then the reference over 15 us with Spine under it.
    const withLean = (
      spine: number,
      ...lean: { scenario: CpuResult['scenario']; cpuMicrosPerEvent: number }[]
    ) =>
      targets(
        run({
          ingressCpu: [
            ...run().ingressCpu.map((c) =>
              c.scenario === 'spine-array-no-ids' ? { ...c, cpuMicrosPerEvent: spine } : c,
            ),
            ...lean,
          ],
        }),
      ).find((v) => v.target.startsWith('ingress CPU us per validated event without ids'));
    const native = (us: number) => ({ scenario: 'lean-native-steps' as const, cpuMicrosPerEvent: us });
    const call = (us: number) => ({ scenario: 'lean-call-no-sdk-client' as const, cpuMicrosPerEvent: us });

    // Act
    const over = withLean(40, native(11.25), call(12));
    const under = withLean(14, native(11), call(33.3));
    const halfOnly = withLean(40, native(11));

    // Assess
    expect(over).toMatchObject({ measured: 40, met: false });
    expect(over?.note).toContain(
      '; a lean reference in this run (bench/ingress/lean.ts; no validation, no retries, not a lower bound): ' +
        'parse + envelope JSON + UTF-8 11.3 us, and with one PutRecords signed and sent without the SDK client 12.0 us',
    );
    expect(under).toMatchObject({ measured: 14, met: true });
    expect(under?.note).toContain('without the SDK client 33.3 us');
    expect(halfOnly).toMatchObject({ measured: 40, met: false });
    expect(halfOnly?.note).not.toContain('lean reference');
  });

  it('judges cost on the batch Idempotency-Key design and notes the per-event-id ratio beside it', () => {
    // Act
    const cost = targets(run()).find((v) => v.target === COST);
    // Assess
    expect(cost).toMatchObject({ judgedOn: COST_ON, measured: 0.333, met: true });
    expect(cost?.note).toBe(
      'batch Idempotency-Key, one claim per request: $2.00 / $6.00 = 0.333; ' +
        'without a key, one claim per event id: $2.70 / $6.00 = 0.450',
    );
  });

  it('does not fall back on the per-event-id design when the batch-key figure is missing', () => {
    // Prepare: the per-event-id design alone would meet the limit (2 / 6).
    const designs = [
      { design: DESIGN.spineEventIds, perMillionEvents: { total: 2 } },
      { design: DESIGN.handBuilt, perMillionEvents: { total: 6 } },
    ];
    // Act
    const cost = targets(run({ cost: { designs } })).find((v) => v.target === COST);
    // Assess
    expect(cost?.met).toBe(false);
    expect(cost?.note).toBe(
      'batch Idempotency-Key, one claim per request: (missing) / $6.00 = -; ' +
        'without a key, one claim per event id: $2.00 / $6.00 = 0.333',
    );
  });

  it('judges 2b on the ratio alone and carries its CPU per process as the note', () => {
    const cpu = (generator: number, runtime: number) => [
      { process: 'generator', msPer100Events: generator, cores: generator > runtime ? 0.7 : 0.1 },
      { process: 'runtime', msPer100Events: runtime, cores: generator > runtime ? 0.1 : 0.8 },
    ];
    const with2b = (ratioToRaw: number) =>
      targets(
        run({
          ingressHttp: [
            { scenario: 'raw', cpu: cpu(300, 40) },
            { scenario: 'spine', ratioToRaw, cpu: cpu(50, 380) },
          ],
        }),
      ).find((v) => v.target.startsWith('ingress events/s over HTTP'));
    const below = with2b(0.7999);
    expect(below).toMatchObject({ met: false, gap: 0 });
    expect(below?.note).toBe(
      'ms CPU per 100 events, raw -> ingress: generator 300.0 -> 50.0, runtime 40.0 -> 380.0; ' +
        'busiest process raw generator (0.70 core), ingress runtime (0.80 core): their CPU per event gives 0.79',
    );
    expect(with2b(0.8)?.met).toBe(true);
    // A run without CPU figures (reports written before them) has no note.
    expect(targets(run()).find((v) => v.target.startsWith('ingress events/s'))?.note).toBeUndefined();
  });

  it('does not meet a target whose figure is missing from the run', () => {
    const verdicts = targets(run({ analytics: undefined, ingressCpu: [], cost: { designs: [] } }));
    expect(verdicts.filter((v) => !v.met).map((v) => v.target)).toEqual([
      'Spine WCU/event on the analytics workload with coalescing, batch 100 <= 0.3',
      COST,
      'ingress CPU us per validated event without ids <= 15',
      'ingress CPU with ids / hand-built <= 1',
    ]);
  });
});
