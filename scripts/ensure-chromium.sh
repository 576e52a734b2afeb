#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the console's browser test (test/e2e/console.test.ts).
# Does nothing when the binary is there. Otherwise installs the `chromium` package with apt-get: root
# (CI, containers) runs it directly, others through sudo -n (never prompts). About 100 MB of packages;
# measured 2-4 minutes on a fresh Debian machine, most of it download.
#
# Several suites may start on a fresh machine at once (two clones, a busy CI host). dpkg allows one
# install at a time and apt-get fails at once on a held lock ("Could not get lock
# /var/lib/dpkg/lock-frontend"), which failed a second suite's browser test. So callers queue on one
# lock file, and whoever gets it looks again before installing: the first installs, the rest find the
# binary. apt-get also waits for locks held by other apt users (DPkg::Lock::Timeout) instead of failing.
# Env: SPINE_CHROMIUM (binary to check, default /usr/bin/chromium), SPINE_CHROMIUM_LOCK (the lock file).
set -euo pipefail

binary="${SPINE_CHROMIUM:-/usr/bin/chromium}"
lock="${SPINE_CHROMIUM_LOCK:-${TMPDIR:-/tmp}/spine-ensure-chromium.lock}"
wait_s=540

# Without flock(1) (not Linux) there is no apt-get install to queue for either.
if command -v flock >/dev/null 2>&1; then
  exec 9>>"$lock"
  if ! flock -w "$wait_s" 9; then
    echo "ensure-chromium: another install held $lock for ${wait_s} s; giving up" >&2
    exit 1
  fi
fi
if [ -x "$binary" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $binary is missing and apt-get is not available; install Chromium yourself" \
    "(SPINE_CHROMIUM=/path/to/chromium) or run the suite with SPINE_BROWSER_TEST=off" >&2
  exit 1
fi
run() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}
echo "ensure-chromium: $binary is missing; installing Debian's chromium package..." >&2
started=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
run apt-get -o DPkg::Lock::Timeout="$wait_s" update -qq
run apt-get -o DPkg::Lock::Timeout="$wait_s" install -y -qq --no-install-recommends chromium >/dev/null
if [ ! -x "$binary" ]; then
  echo "ensure-chromium: installed the chromium package, but $binary is still missing" >&2
  exit 1
fi
echo "ensure-chromium: chromium installed in $(( $(date +%s) - started )) s ($("$binary" --version 2>/dev/null || echo unknown version))" >&2
