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

# The int and e2e tiers share one set of servers for the whole run. Servers already answering on the
# ports (started by this checkout or another one) are reused and left running.
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if answers "${KAFKA_PORT:-19092}" && answers "${PG_STATE_PORT:-55432}" && answers "${PG_LEDGER1_PORT:-55433}" \
  && answers "${PG_LEDGER2_PORT:-55434}" && answers "${PG_LEDGER3_PORT:-55435}"; then
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
