import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmulatorPortTakenError, silentLogger } from '../../local';
import { spawnEmulator } from '../../local/emulators/process';
import { waitUntilReady } from '../../local/emulators/wait';
import { freePort } from '../../local/ports';

const dir = mkdtempSync(join(tmpdir(), 'spine-bind-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A real child that prints `lines` and runs on. With `listen`, it listens on that port first and prints
 * the lines after; without it, it answers nothing, as kinesis-mock after a failed bind.
 */
const spawnPrinting = (name: string, lines: readonly string[], listen?: number) => {
  // It stops at the end of its stdin, as emulators on the leash do (leash.ts), so a failed test leaves nothing.
  const print = `${JSON.stringify(lines)}.forEach((l) => console.log(l)); process.stdin.on('end', () => process.exit(0)).resume();`;
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
