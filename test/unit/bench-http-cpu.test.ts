import { describe, expect, it } from 'vitest';
import { CpuTally } from '../../bench/ingress/http-cpu';
import { cpuMsOf, startCpuWindow, TICK_MS } from '../../bench/lib/proc-cpu';
import { ingressHttpCpuTable } from '../../bench/report/http-cpu';

const spin = (ms: number) => {
  const until = performance.now() + ms;
  let n = 0;
  while (performance.now() < until) n += 1;
  return n;
};

describe('run 2b CPU per process (bench/lib/proc-cpu, bench/ingress/http-cpu)', () => {
  it('reads a process CPU from /proc as process.cpuUsage sees it, to a tick or two', () => {
    const proc0 = cpuMsOf(process.pid);
    const own0 = process.cpuUsage();
    spin(200);
    const proc = cpuMsOf(process.pid) - proc0;
    const own = process.cpuUsage(own0);
    // /proc counts every thread (GC helpers too), in whole ticks: allow 3 ticks either way.
    expect(Math.abs(proc - (own.user + own.system) / 1000)).toBeLessThanOrEqual(3 * TICK_MS + 20);
    expect(proc).toBeGreaterThan(0);
  });

  it('windows the measuring process and the named ones over the same span', () => {
    const window = startCpuWindow({ self: process.pid });
    spin(100);
    const w = window.stop();
    expect(w.wallMs).toBeGreaterThanOrEqual(100);
    expect(w.generator).toBeGreaterThan(0);
    expect(Object.keys(w.others)).toEqual(['self']);
  });

  it('sums windows per role and divides by the side events, with a total', () => {
    const tally = new CpuTally();
    tally.add({ wallMs: 1000, generator: 300, others: { runtime: 50, kinesis: 70 } });
    tally.add({ wallMs: 1000, generator: 100, others: { runtime: 30, kinesis: 10 } });
    expect(tally.perProcess(400)).toEqual([
      { process: 'generator', msPer100Events: 100, cores: 0.2 },
      { process: 'runtime', msPer100Events: 20, cores: 0.04 },
      { process: 'kinesis', msPer100Events: 20, cores: 0.04 },
      { process: 'total', msPer100Events: 140, cores: 0.28 },
    ]);
  });

  it('prints raw beside ingress with the difference, and nothing without figures', () => {
    const raw = { scenario: 'raw', eventsPerRequest: 1, eventsPerSecond: 800 };
    const ingress = { ...raw, scenario: 'spine', eventsPerSecond: 480, ratioToRaw: 0.6 };
    expect(ingressHttpCpuTable([raw, ingress])).toBeUndefined();
    const row = (process: string, msPer100Events: number) => ({ process, msPer100Events, cores: 0.5 });
    const text = ingressHttpCpuTable([
      { ...raw, cpu: [row('runtime', 40), row('total', 300)] },
      { ...ingress, cpu: [row('runtime', 250.5), row('total', 380)] },
    ]);
    expect(text).toContain('raw 800 events/s, ingress 480 events/s, ratio 0.600');
    expect(text).toMatch(/local runtime .*\| 40\.0 +\| 0\.50 +\| 250\.5 +\| 0\.50 +\| \+210\.5 +\|/);
    expect(text).toMatch(/\| total +\| 300\.0 .*\| \+80\.0 +\|/);
  });
});
