import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../local';
import { spawnEmulator } from '../../local/emulators/process';

const dir = mkdtempSync(join(tmpdir(), 'spine-stop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A process whose clean shutdown takes 6 s after SIGTERM, as kinesis-mock's final save does on a
 * loaded machine: it exits 0 when done, so a SIGKILL before that shows in its exit signal.
 */
const slowShutdown = async (name: string) => {
  const emulator = spawnEmulator({
    name,
    command: process.execPath,
    args: [
      '-e',
      "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 6000)); process.stdin.resume(); console.log('ready');",
    ],
    logFile: join(dir, `${name}.log`),
    log: silentLogger,
  });
  // Its SIGTERM handler is in place once it says so (a SIGTERM before that would just kill it).
  const deadline = Date.now() + 20_000;
  while (!emulator.tail().includes('ready') && Date.now() < deadline) await sleep(20);
  return emulator;
};

describe('emulator stop (stopGroup)', () => {
  it('lets a shutdown that still has something to save finish past the usual 3 s grace', async () => {
    // Prepare
    const emulator = await slowShutdown('saving');
    // Act: no save holds everything yet, so a kill would lose writes.
    await emulator.stop({ graceMs: 12_000, safeToKill: () => false });
    // Assess: it exited by itself, not by SIGKILL.
    expect(await emulator.exited).toEqual({ code: 0, signal: null });
  }, 30_000);

  it('kills at the usual grace once a kill loses nothing', async () => {
    const emulator = await slowShutdown('saved');
    await emulator.stop({ graceMs: 12_000, safeToKill: () => true });
    // Killed at 3 s: waiting out the grace would have let it exit 0 at 6 s.
    expect(await emulator.exited).toEqual({ code: null, signal: 'SIGKILL' });
  }, 30_000);

  it('kills at the grace when the shutdown outlasts it, whatever it had to save', async () => {
    const emulator = await slowShutdown('hung');
    await emulator.stop({ graceMs: 3_500, safeToKill: () => false });
    expect(await emulator.exited).toEqual({ code: null, signal: 'SIGKILL' });
  }, 30_000);
});
