import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCRIPT = join(__dirname, '..', '..', 'scripts', 'ensure-chromium.sh');

/**
 * An `apt-get` that behaves as dpkg does without a lock timeout: it fails at once while another
 * apt-get holds the lock (exit 100, "Could not get lock"), and an install takes a while before the
 * binary appears. It logs each call, so the test can count installs.
 */
const FAKE_APT = `#!/usr/bin/env bash
exec 8>>"$FAKE_DPKG_LOCK"
flock -n 8 || { echo "E: Could not get lock $FAKE_DPKG_LOCK. It is held by another process" >&2; exit 100; }
echo "$*" >> "$FAKE_APT_LOG"
case " $* " in
  *" install "*) sleep 1; printf '#!/bin/sh\\necho Chromium 1.0 fake\\n' > "$SPINE_CHROMIUM"; chmod +x "$SPINE_CHROMIUM" ;;
esac
`;

describe('scripts/ensure-chromium.sh', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A temp dir with a bin/ whose `apt-get` runs `script`, first on PATH. */
  const world = (script: string) => {
    dir = mkdtempSync(join(tmpdir(), 'spine-chromium-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'apt-get'), script);
    chmodSync(join(bin, 'apt-get'), 0o755);
    return {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      SPINE_CHROMIUM: join(dir, 'chromium'),
      SPINE_CHROMIUM_LOCK: join(dir, 'ensure.lock'),
    };
  };

  it('installs once when two suites start on a machine without Chromium at the same moment', async () => {
    // Prepare: a PATH whose apt-get is the fake, a binary path that does not exist yet.
    const env = world(FAKE_APT);
    Object.assign(env, { FAKE_DPKG_LOCK: join(dir, 'dpkg.lock'), FAKE_APT_LOG: join(dir, 'apt.log') });

    // Act: two callers at once, as two fresh-clone suites' browser tests are.
    const outcomes = await Promise.allSettled([run(SCRIPT, [], { env }), run(SCRIPT, [], { env })]);

    // Assess: both succeed, the binary is there, and apt-get installed once (the second caller waited
    // for the first and found the binary instead of failing on dpkg's lock).
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : String(o.reason)))).toEqual(['ok', 'ok']);
    expect(existsSync(env.SPINE_CHROMIUM)).toBe(true);
    const installs = readFileSync(join(dir, 'apt.log'), 'utf8')
      .split('\n')
      .filter((line) => / install /.test(` ${line} `));
    expect(installs).toHaveLength(1);
  }, 60_000);

  it('does nothing when the binary is already there', async () => {
    const env = world('#!/bin/sh\necho "apt-get must not run" >&2\nexit 1\n');
    writeFileSync(env.SPINE_CHROMIUM, '#!/bin/sh\n');
    chmodSync(env.SPINE_CHROMIUM, 0o755);

    await expect(run(SCRIPT, [], { env })).resolves.toBeDefined();
  }, 60_000);
});
