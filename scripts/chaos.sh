#!/usr/bin/env bash
# npm run chaos: the fault suite (test/chaos) on clusters, brokers and processes of its own (never the shared servers),
# bounded in time, then the fault table. Exit code non-zero on any failed spec, loss or duplicate.
set -uo pipefail
cd "$(dirname "$0")/.."
results=.data/chaos/results.jsonl
mkdir -p .data/chaos
rm -f "$results"
npm run build || exit 1
# Each spec stops what it started; the process group is killed after the limit whatever happens.
CHAOS_RESULTS="$PWD/$results" timeout --kill-after=30 "${CHAOS_LIMIT_SECONDS:-3600}" npx jest --selectProjects chaos --runInBand
code=$?
node scripts/chaos-table.js "$results" || code=1
exit "$code"
