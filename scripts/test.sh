#!/usr/bin/env bash
# Runs every test: build, lint (module boundaries, strict types), then the unit, int and e2e tiers against
# real Kafka and PostgreSQL started by infra/ (reused when already running, stopped again if we started them).
set -euo pipefail
export NX_DAEMON=false NX_NO_CLOUD=true
cd "$(dirname "$0")/.."

npm run build
npm run lint

reports=.data/test-reports
rm -rf "$reports" && mkdir -p "$reports"

# The int and e2e tiers share one set of servers for the whole run; servers already running are reused.
if bash infra/running.sh; then
  echo "test: reusing the running Kafka and PostgreSQL"
else
  bash infra/up.sh
  trap 'bash infra/down.sh' EXIT
fi
export MEDSHARE_TEST_INFRA_STARTED=reused

status=0
npx jest --selectProjects unit --json --outputFile="$reports/unit.json" || status=1
npx jest --selectProjects int --json --outputFile="$reports/int.json" || status=1
npx jest --selectProjects e2e --runInBand --json --outputFile="$reports/e2e.json" || status=1

node scripts/test-summary.js "$reports"/*.json
exit $status
