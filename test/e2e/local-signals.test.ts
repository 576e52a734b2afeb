import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, LocalSpine } from './helpers/local-process';

/**
 * `npm start` and the ways it gets stopped: SIGTERM to npm (a process manager), SIGINT to the process
 * group (Ctrl-C in a terminal), SIGKILL of the runtime (a crash). After each, nothing of the backbone may
 * be left after 10 s, and the next `npm start` must come up on the same ports and data dir. Starts are
 * slow under load (each boots a JVM and kinesis-mock): timeouts are generous, waits poll conditions.
 */
const GONE_WITHIN_MS = 10_000;
const START_TIMEOUT_MS = 120_000;

describe('npm start: signals and restarts', () => {
  let home = '';
  let spine: LocalSpine;

  /** Waits until no process of the backbone is left; returns those still there at the deadline. */
  const leftAfterStop = async () =>
    (await eventually(async () => (spine.processes().length === 0 ? [] : undefined), GONE_WITHIN_MS, 200)) ??
    spine.processes();

  /**
   * The restarted backbone works end to end: an event posted to the ingress is acknowledged (202, so
   * Kinesis took it) within 60 s. Not `/health`: its probes time out at 2 s on a loaded machine.
   */
  const accepts = async () => {
    const { ingress, producers } = await spine.endpoints();
    const event = {
      specversion: '1.0',
      id: `signals-${Date.now()}`,
      source: '/local-signals',
      type: 'ExchangeRateSet',
      datacontenttype: 'application/json',
      data: { pair: 'USD-EUR', rate: 1.1 },
    };
    return (
      (await eventually(
        async () => {
          const response = await fetch(`${ingress}/topics/rates/events`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${producers['fx-feed']}`,
              'content-type': 'application/cloudevents+json',
            },
            body: JSON.stringify(event),
            signal: AbortSignal.timeout(10_000),
          }).catch(() => undefined);
          return response?.status === 202 ? true : undefined;
        },
        60_000,
        1_000,
      )) ?? false
    );
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'spine-signals-'));
    spine = await LocalSpine.create(home);
    await spine.start([], START_TIMEOUT_MS, { viaNpm: true });
  });

  afterAll(async () => {
    for (const { pid } of spine?.processes() ?? []) process.kill(pid, 'SIGKILL');
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('SIGTERM to the npm process stops the whole backbone cleanly, and npm start comes back on the same ports', async () => {
    // Prepare: a running backbone (beforeAll), npm's pid is the child's
    expect(spine.processes().length).toBeGreaterThanOrEqual(4);

    // Act
    spine.kill('SIGTERM');
    await spine.exited();
    const left = await leftAfterStop();
    const output = spine.output;
    await spine.start([], START_TIMEOUT_MS, { viaNpm: true });

    // Assess
    expect(left).toEqual([]);
    expect(output).toContain('[spine] SIGTERM: stopping');
    expect(output).toMatch(/\[spine\] stopped in \d+ ms/);
    expect(await accepts()).toBe(true);
  });

  it('SIGINT to the process group (Ctrl-C) stops the whole backbone cleanly, and npm start comes back', async () => {
    // Prepare
    expect(spine.running()).toBe(true);

    // Act
    spine.killGroup('SIGINT');
    await spine.exited();
    const left = await leftAfterStop();
    const output = spine.output;
    await spine.start([], START_TIMEOUT_MS, { viaNpm: true });

    // Assess: the runtime ran its stop (the tsx launcher used to SIGKILL it first under load)
    expect(left).toEqual([]);
    expect(output).toContain('[spine] SIGINT: stopping');
    expect(output).toMatch(/\[spine\] stopped in \d+ ms/);
    expect(await accepts()).toBe(true);
  });

  it('SIGKILL of the runtime takes the emulators and npm down with it, and npm start comes back', async () => {
    // Prepare
    const recorded = spine.pids();
    expect(recorded?.emulators.length).toBe(2);
    const runtimePid = recorded?.runtimePid ?? 0;
    expect(runtimePid).toBeGreaterThan(0);

    // Act
    process.kill(runtimePid, 'SIGKILL');
    await spine.exited();
    const left = await leftAfterStop();
    await spine.start([], START_TIMEOUT_MS, { viaNpm: true });
    const up = await accepts();
    spine.kill('SIGTERM');
    await spine.exited();
    const leftAtEnd = await leftAfterStop();

    // Assess
    expect(left).toEqual([]);
    expect(up).toBe(true);
    expect(leftAtEnd).toEqual([]);
  });
});
