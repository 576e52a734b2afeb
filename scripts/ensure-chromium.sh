#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the console's browser test (test/e2e/console.test.ts).
# Does nothing when the binary is there. Otherwise installs the `chromium` package with apt-get: root
# (CI, containers) runs it directly, others through sudo -n (never prompts). About 100 MB of packages;
# measured 2-4 minutes on a fresh Debian machine, most of it download.
# Env: SPINE_CHROMIUM (binary to check, default /usr/bin/chromium).
set -euo pipefail

binary="${SPINE_CHROMIUM:-/usr/bin/chromium}"
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
run apt-get update -qq
run apt-get install -y -qq --no-install-recommends chromium >/dev/null
if [ ! -x "$binary" ]; then
  echo "ensure-chromium: installed the chromium package, but $binary is still missing" >&2
  exit 1
fi
echo "ensure-chromium: chromium installed in $(( $(date +%s) - started )) s ($("$binary" --version 2>/dev/null || echo unknown version))" >&2
