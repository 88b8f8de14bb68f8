#!/usr/bin/env bash
# `npm run fuzz`: schemathesis (4.x, from PyPI, in a venv under .data/fuzz/) against every service's
# GET /openapi.json, with the development credentials. Reuses a platform already answering on the default
# ports; otherwise starts one (`npm start` without demo traffic) and stops it at the end.
#   FUZZ_MAX_EXAMPLES  test cases per operation (default 50; `npm run fuzz -- --smoke` uses 5)
#   FUZZ_SERVICES      which services (default all five)
# Checks: schemathesis' (no 5xx, status codes, content types, headers and bodies as documented, negative data
# refused, ...) plus scripts/fuzz_hooks.py (errors never echo the request's values). Reports in .data/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.data/fuzz
venv="$out/venv"
mkdir -p "$out"

examples=${FUZZ_MAX_EXAMPLES:-50}
[ "${1:-}" = "--smoke" ] && examples=5

if [ ! -x "$venv/bin/st" ]; then
  echo "fuzz: installing schemathesis 4.x into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'schemathesis>=4,<5'
fi

declare -A ports=([ingestion]=3001 [encryption]=3002 [access-control]=3003 [ledger]=3004 [governance]=3005)
services=(${FUZZ_SERVICES:-ingestion encryption access-control ledger governance})

ready() {
  for name in "${services[@]}"; do curl -fsS "http://127.0.0.1:${ports[$name]}/health/ready" >/dev/null 2>&1 || return 1; done
}

platform_pid=""
stop_platform() {
  if [ -n "$platform_pid" ]; then
    kill -TERM "$platform_pid" 2>/dev/null || true
    wait "$platform_pid" 2>/dev/null || true
  fi
}
trap stop_platform EXIT

if ready; then
  echo "fuzz: reusing the platform running on ports 3001-3005"
else
  echo "fuzz: starting the platform (log: $out/platform.log)"
  DEMO_RATE=0 bash scripts/start.sh >"$out/platform.log" 2>&1 &
  platform_pid=$!
  for _ in $(seq 1 240); do ready && break; sleep 0.5; done
  ready || { echo "fuzz: the platform did not become ready; see $out/platform.log" >&2; exit 1; }
fi

institution="Bearer $(node tools/cli/bin/medshare.js token --institution hosp-a --practitioner dr-1 --role physician --ttl 3600)"
operator="Bearer ${OPERATOR_TOKEN:-medshare-dev-operator-token-not-secret}"
declare -A credentials=([ingestion]=$institution [encryption]=$operator [access-control]=$institution [ledger]=$operator [governance]=$operator)

failed=()
for name in "${services[@]}"; do
  echo "fuzz: $name (${examples} examples per operation)"
  if ! SCHEMATHESIS_HOOKS=scripts.fuzz_hooks PYTHONPATH=. "$venv/bin/st" run "http://127.0.0.1:${ports[$name]}/openapi.json" \
    --header "Authorization: ${credentials[$name]}" \
    --checks all --exclude-checks positive_data_acceptance \
    --max-examples "$examples" --request-timeout 20 --max-response-time 5 \
    --generation-database none --no-color \
    --report junit --report-junit-path "$out/$name.junit.xml" 2>&1 | tee "$out/$name.log"; then
    failed+=("$name")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in ${failed[*]} (reports in $out/)" >&2
  exit 1
fi
echo "fuzz: no failures (reports in $out/)"
