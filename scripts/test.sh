#!/usr/bin/env bash
# `npm test`: Biome, the import-cycle check and `spine schema check` first (seconds each; a failure stops
# here), then vitest with the type-check and `cdk synth` running beside it. Those two are single-threaded
# and ~75 s together, and vitest leaves the cores partly idle while its files wait on emulators and
# restarts, so beside it they cost less than in line. Their output is kept and printed after vitest; the
# command fails if any of the three failed.
set -uo pipefail
cd "$(dirname "$0")/.."

npm run -s lint && npm run -s check:cycles && npm run -s schema:check || exit 1

mkdir -p test-results
npm run -s typecheck >test-results/typecheck.log 2>&1 &
typecheck=$!
npm run -s synth >test-results/synth.log 2>&1 &
synth=$!

npx vitest run
vitest_status=$?

wait "$typecheck"
typecheck_status=$?
wait "$synth"
synth_status=$?

echo "== typecheck (tsc, beside vitest): exit $typecheck_status"
cat test-results/typecheck.log
echo "== cdk synth (beside vitest): exit $synth_status"
tail -n 20 test-results/synth.log

[ "$vitest_status" -eq 0 ] && [ "$typecheck_status" -eq 0 ] && [ "$synth_status" -eq 0 ]
