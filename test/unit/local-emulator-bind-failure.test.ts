import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmulatorPortTakenError, EmulatorStartError, silentLogger } from '../../local';
import { spawnEmulator } from '../../local/emulators/process';
import { waitUntilReady } from '../../local/emulators/wait';
import { freePort } from '../../local/ports';

const dir = mkdtempSync(join(tmpdir(), 'spine-bind-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A real child that prints `lines` and runs on. With `listen`, it listens on that port first and prints
 * the lines after; without it, it answers nothing, as kinesis-mock after a failed bind. With `afterMs`,
 * it prints that much later, and with `exitAfterMs` it exits (code 3) that much after starting.
 */
const spawnPrinting = (
  name: string,
  lines: readonly string[],
  listen?: number,
  later: { afterMs?: number; exitAfterMs?: number } = {},
) => {
  // It stops at the end of its stdin, as emulators on the leash do (leash.ts), so a failed test leaves nothing.
  const printLines = `${JSON.stringify(lines)}.forEach((l) => console.log(l));`;
  const print = `setTimeout(() => { ${printLines} }, ${later.afterMs ?? 0}); process.stdin.on('end', () => process.exit(0)).resume();${
    later.exitAfterMs === undefined ? '' : ` setTimeout(() => process.exit(3), ${later.exitAfterMs});`
  }`;
  const script =
    listen === undefined
      ? print
      : `require('node:net').createServer((s) => s.end()).listen(${listen}, '127.0.0.1', () => { ${print} });`;
  return spawnEmulator({
    name,
    command: process.execPath,
    args: ['-e', script],
    logFile: join(dir, `${name}.log`),
    log: silentLogger,
  });
};

/** A probe the emulator accepted and never answers (the client's own 30 s request timeout not reached). */
const hanging = () => new Promise<never>(() => {});

const refused = async () => {
  throw new Error('connect ECONNREFUSED');
};

describe('emulator readiness and bind failures (wait.ts, process.ts)', () => {
  it('fails as port-taken within seconds when a running emulator logged a bind failure, and stops it', async () => {
    // Prepare: kinesis-mock's own words when its second (TLS) port was taken; it never exits.
    const emulator = spawnPrinting('binds-two', [
      'fs2.io.net.JavaScriptBindException: Address already in use',
      'Caused by: scala.scalajs.js.JavaScriptException: Error: listen EADDRINUSE: address already in use :::27621',
    ]);
    const began = Date.now();

    // Act
    const error = await waitUntilReady(emulator, refused, 90_000, 27_064).catch((e: unknown) => e);

    // Assess: the port-taken error is the one onPickedPorts retries on new ports; before, this waited 90 s.
    expect(error).toBeInstanceOf(EmulatorPortTakenError);
    expect(error).toMatchObject({ port: 27_064 });
    expect(Date.now() - began).toBeLessThan(30_000);
    expect(emulator.isRunning()).toBe(false);
  }, 60_000);

  it('sees a bind failure printed while a probe hangs, without waiting for the probe', async () => {
    // Prepare: the failure is printed 1.5 s after the start, when the first probe is already in flight.
    const emulator = spawnPrinting(
      'binds-late',
      ['Error: listen EADDRINUSE: address already in use :::27622'],
      undefined,
      {
        afterMs: 1_500,
      },
    );
    const began = Date.now();

    // Act: before, a probe in flight was waited for to its end (here: the 60 s deadline).
    const error = await waitUntilReady(emulator, hanging, 60_000, 27_065).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(EmulatorPortTakenError);
    expect(error).toMatchObject({ port: 27_065 });
    expect(Date.now() - began).toBeLessThan(20_000);
    expect(emulator.isRunning()).toBe(false);
  }, 90_000);

  it('sees an exit while a probe hangs, without waiting for the probe', async () => {
    // Prepare: the process exits 1.5 s after it started, with the first probe in flight.
    const emulator = spawnPrinting('exits-late', ['starting'], undefined, { exitAfterMs: 1_500 });
    const began = Date.now();

    // Act
    const error = await waitUntilReady(emulator, hanging, 60_000).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(EmulatorStartError);
    expect(error).toMatchObject({ message: expect.stringContaining('exited during startup') });
    expect(Date.now() - began).toBeLessThan(20_000);
  }, 90_000);

  it("does not read an earlier run's bind failure in the same log as this run's", async () => {
    // Prepare: the log already holds a bind failure from a run before; this run is healthy.
    const port = await freePort();
    writeFileSync(join(dir, 'reused.log'), `Error: listen EADDRINUSE: address already in use :::${port}\n`);
    const emulator = spawnPrinting('reused', ['started'], port);
    let probes = 0;
    const probe = async () => {
      probes += 1;
      // Ready once it printed its startup line, so the poll reads the log at least once before.
      if (!emulator.tail().includes('started')) throw new Error('connect ECONNREFUSED');
    };

    try {
      // Act
      await waitUntilReady(emulator, probe, 60_000, port);

      // Assess
      expect(probes).toBeGreaterThan(0);
      expect(emulator.tail()).toEqual(['started']);
      expect(emulator.isRunning()).toBe(true);
    } finally {
      await emulator.stop();
    }
  }, 60_000);
});
