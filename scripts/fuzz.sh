#!/usr/bin/env bash
# `npm run fuzz`: schemathesis (4.x, from PyPI, in a venv under .data/fuzz/) against every service's
# GET /openapi.json, with the development credentials. Reuses a platform already answering on the default
# ports 3001-3005 (`npm start`); otherwise starts one of its own (test/support/fuzz-platform.ts: its own broker,
# databases and free ports, so it disturbs nobody) and removes it at the end.
#   FUZZ_MAX_EXAMPLES  test cases per operation (default 50; `npm run fuzz -- --smoke` uses 5)
#   FUZZ_SERVICES      which services (default all five)
#   FUZZ_PRIVATE=1     always start a platform of its own, even when one answers on 3001-3005
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

if [ "${FUZZ_PRIVATE:-0}" != 1 ] && ready; then
  echo "fuzz: reusing the platform running on ports 3001-3005"
else
  [ -f dist/test/support/fuzz-platform.js ] || npm run build
  echo "fuzz: starting a platform of its own (log: $out/platform.log)"
  node dist/test/support/fuzz-platform.js "fuzz$$" >"$out/platform.log" 2>&1 &
  platform_pid=$!
  for _ in $(seq 1 360); do grep -qx ready "$out/platform.log" && break; kill -0 "$platform_pid" 2>/dev/null || break; sleep 0.5; done
  grep -qx ready "$out/platform.log" || { echo "fuzz: the platform did not become ready; see $out/platform.log" >&2; exit 1; }
  for name in "${!ports[@]}"; do ports[$name]=$(sed -n "s/^$name=//p" "$out/platform.log"); done
fi

# Tokens per security scheme (scripts/fuzz.toml): a physician of hosp-a (registered first, so reads get past the role
# check), the operator; governance takes a privacy officer of hosp-a where an institution's token is accepted.
export FUZZ_OPERATOR_TOKEN=${OPERATOR_TOKEN:-medshare-dev-operator-token-not-secret}
physician=$(node tools/cli/bin/medshare.js token --institution hosp-a --practitioner dr-1 --role physician --ttl 3600)
officer=$(node tools/cli/bin/medshare.js token --institution hosp-a --practitioner po-1 --role privacy-officer --ttl 3600)
curl -fsS -o /dev/null -X POST "http://127.0.0.1:${ports[access-control]}/v1/roles" -H 'content-type: application/json' \
  -H "authorization: Bearer $(node tools/cli/bin/medshare.js token --institution hosp-a --ttl 600)" -d '{"practitioner":"dr-1","role":"physician"}'
declare -A institution_tokens=([ingestion]=$physician [encryption]=$physician [access-control]=$physician [ledger]=$physician [governance]=$officer)

# The echo check must be able to fail: it finds a planted echo before it is trusted with the services' answers.
PYTHONPATH=. "$venv/bin/python" -m scripts.fuzz_hooks

failed=()
for name in "${services[@]}"; do
  echo "fuzz: $name (${examples} examples per operation)"
  if ! FUZZ_INSTITUTION_TOKEN=${institution_tokens[$name]} SCHEMATHESIS_HOOKS=scripts.fuzz_hooks PYTHONPATH=. "$venv/bin/st" \
    --config-file scripts/fuzz.toml run "http://127.0.0.1:${ports[$name]}/openapi.json" \
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
