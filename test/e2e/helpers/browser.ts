import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** `SPINE_BROWSER_TEST=off` skips the browser test, loudly, with this reason. */
export const BROWSER_TEST_ENV = 'SPINE_BROWSER_TEST';
export const browserTestOff = (): boolean => process.env[BROWSER_TEST_ENV] === 'off';

/** Debian's Chromium, or the binary `SPINE_CHROMIUM` names. */
export const chromiumPath = (): string => process.env.SPINE_CHROMIUM || '/usr/bin/chromium';

/**
 * Installs Chromium with scripts/ensure-chromium.sh when it is missing, so `npm install && npm test`
 * works on a fresh machine (apt-get, as root or through sudo -n; ~40 s measured). The script runs
 * even when the binary is there: another suite may be installing it right now (the binary exists
 * before dpkg has configured its libraries), and the script waits for that install's lock. Throws
 * with the way out when it cannot: the suite then fails rather than skipping the browser test.
 */
export const ensureChromium = (root: string): string => {
  const binary = chromiumPath();
  try {
    execFileSync(join(root, 'scripts', 'ensure-chromium.sh'), { stdio: 'inherit', timeout: 600_000 });
  } catch (error) {
    throw new Error(
      `Chromium is missing at ${binary} and scripts/ensure-chromium.sh could not install it. Install it (apt-get install chromium), point SPINE_CHROMIUM at one, or run the suite without the browser test: ${BROWSER_TEST_ENV}=off npm test`,
      { cause: error },
    );
  }
  if (!existsSync(binary)) throw new Error(`scripts/ensure-chromium.sh succeeded, but ${binary} is missing`);
  return binary;
};
