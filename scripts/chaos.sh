#!/usr/bin/env bash
# npm run chaos: the fault suite (test/chaos, and *.chaos.spec.ts under apps/) on clusters, brokers and processes of
# its own (never the shared servers), bounded in time, then the fault table. Exit code non-zero on any failed spec
# (a loss, a duplicate, an outage not alerted in time, a take-over over 5 s, a SIGTERM not exiting 0), or on any row
# that lost or duplicated something.
set -uo pipefail
cd "$(dirname "$0")/.."
results=.data/chaos/results.jsonl
mkdir -p .data/chaos
rm -f "$results"
npm run build || exit 1
# Every process the suite starts inherits this marker: services, and the Kafka nodes and PostgreSQL servers that their
# scripts detach (setsid, pg_ctl), which a spec cut off by the limit cannot stop any more.
export MEDSHARE_CHAOS_RUN="chaos-$$-$(date +%s)"
CHAOS_RESULTS="$PWD/$results" timeout --kill-after=30 "${CHAOS_LIMIT_SECONDS:-5400}" npx jest --selectProjects chaos --runInBand
code=$?
((code == 124)) && echo "chaos: stopped at the limit of ${CHAOS_LIMIT_SECONDS:-5400} s"
left=()
for environ in /proc/[0-9]*/environ; do
  pid=${environ#/proc/}
  pid=${pid%/environ}
  # Not this script nor the commands of this loop (its children).
  [[ $pid == "$$" || $(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null) == "$$" ]] && continue
  grep -qsxz "MEDSHARE_CHAOS_RUN=$MEDSHARE_CHAOS_RUN" "$environ" && left+=("$pid")
done
if ((${#left[@]} > 0)); then
  echo "chaos: ${#left[@]} process(es) left behind, killed: ${left[*]}"
  kill -9 "${left[@]}" 2>/dev/null
fi
node scripts/chaos-table.js "$results" || code=1
exit "$code"
