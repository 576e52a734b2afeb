import { describe, expect, it } from 'vitest';
import { isLocalModeError } from '../../local';
import type { EmulatorProcess } from '../../local/emulators/process';
import { waitUntilReady } from '../../local/emulators/wait';

/** An emulator process that keeps running until stopped. */
const runningEmulator = () => {
  let running = true;
  const emulator: EmulatorProcess = {
    name: 'kinesis-mock',
    pid: 1,
    logFile: '/tmp/emulator.log',
    isRunning: () => running,
    exited: new Promise(() => {}),
    tail: () => [],
    stop: async () => {
      running = false;
    },
  };
  return emulator;
};

describe('waitUntilReady', () => {
  it('fails at its deadline when a probe never settles, and stops the emulator', async () => {
    // Prepare: the probe's request was accepted and is never answered, and nothing times it out.
    const emulator = runningEmulator();
    const began = Date.now();

    // Act
    const error = await waitUntilReady(emulator, () => new Promise(() => {}), 500).catch((e: unknown) => e);

    // Assess
    expect(isLocalModeError(error) && error.code).toBe('EMULATOR_START_FAILED');
    expect(String((error as Error).message)).toMatch(/no answer within 500 ms.*did not settle/);
    expect(Date.now() - began).toBeLessThan(60_000);
    expect(emulator.isRunning()).toBe(false);
    // Its own budget: without the bound this test hangs, and should fail in minutes, not at the suite's 600 s.
  }, 120_000);

  it('goes on probing after a probe fails, and answers once one succeeds', async () => {
    // Prepare
    const emulator = runningEmulator();
    let probes = 0;
    const probe = async () => {
      probes += 1;
      if (probes < 3) throw new Error('connection refused');
    };

    // Act
    await waitUntilReady(emulator, probe, 60_000);

    // Assess
    expect(probes).toBe(3);
    expect(emulator.isRunning()).toBe(true);
  });
});
