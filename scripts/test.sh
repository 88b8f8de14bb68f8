#!/usr/bin/env bash
# Runs every test: build, lint (module boundaries, strict types), then the unit, int and e2e tiers against
# real Kafka and PostgreSQL started by infra/ (reused when already running, stopped again if we started them).
# It always ends: a tier that finished but does not exit is ended by test/support/exit-watchdog.js, which names
# what was left open; a tier still running at its time bound (or past the overall bound) is killed with every
# process it started. Either is a failure in the closing line.
set -euo pipefail
export NX_DAEMON=false NX_NO_CLOUD=true
cd "$(dirname "$0")/.."

# Bounds in seconds: per tier, and for the whole script (build and lint included).
TIER_LIMIT_SECONDS=${TIER_LIMIT_SECONDS:-2400}
TEST_LIMIT_SECONDS=${TEST_LIMIT_SECONDS:-5400}
deadline=$((SECONDS + TEST_LIMIT_SECONDS))

npm run build
npm run lint

reports=.data/test-reports
rm -rf "$reports" && mkdir -p "$reports"

# The int and e2e tiers share one set of servers for the whole run; servers already running are reused.
if bash infra/running.sh; then
  echo "test: reusing the running Kafka and PostgreSQL"
else
  # Three Kafka nodes as `npm start` has them, unless KAFKA_NODES=1 (docs/operations.md, "Kafka nodes in tests").
  bash infra/up.sh
  trap 'bash infra/down.sh' EXIT
fi
export MEDSHARE_TEST_INFRA_STARTED=reused

# Each tier runs as TEST_SHARDS in-band Jest processes side by side (--shard=i/n; test/support/shard-sequencer.js
# deals the files out by their durations): e2e specs mostly wait on brokers, services and timeouts, and the unit
# tier is one core's work. Each shard keeps its own exit watchdog (Jest's worker processes would be force-exited
# instead, hiding what a spec left open). docs/operations.md, "Tests in parallel".
TEST_SHARDS=${TEST_SHARDS:-2}
status=0
running=()
# `timeout` runs a shard in a process group of its own, which a Ctrl-C at the terminal does not reach: pass it on.
trap 'for pid in "${running[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done; exit 130' INT TERM
# tier NAME [JEST ARGS...]: runs one tier's shards within the smaller of its bound and what is left of the overall one.
# `timeout` signals its whole process group, so service processes a hung e2e shard started end with it.
tier() {
  local name=$1 limit=$((deadline - SECONDS)) shard code
  shift
  ((limit > TIER_LIMIT_SECONDS)) && limit=$TIER_LIMIT_SECONDS
  if ((limit <= 0)); then
    echo "test: no time left for the $name tier (TEST_LIMIT_SECONDS=$TEST_LIMIT_SECONDS)" | tee "$reports/$name.unfinished" >&2
    status=1
    return
  fi
  for ((shard = 1; shard <= TEST_SHARDS; shard++)); do
    timeout --kill-after=30 "$limit" npx jest --selectProjects "$name" --runInBand --shard="$shard/$TEST_SHARDS" \
      --json --outputFile="$reports/$name-$shard.json" "$@" &
    running+=($!)
  done
  for ((shard = 1; shard <= TEST_SHARDS; shard++)); do
    code=0
    wait "${running[shard - 1]}" || code=$?
    case $code in
      0) ;;
      75) echo "test: $name shard $shard finished but did not exit; open handles are listed above" | tee "$reports/$name-$shard.unfinished" >&2 ;;
      124 | 137) echo "test: $name shard $shard was still running after ${limit} s and was killed" | tee "$reports/$name-$shard.unfinished" >&2 ;;
      # Jest also exits 1 with every test passed, e.g. when a spec's leftover client required a module after tear-down.
      *) echo "test: $name shard $shard exited $code (failed tests, or an error outside any test: see its output above)" >&2 ;;
    esac
    ((code == 0)) || status=1
  done
  running=()
}

tier unit
tier int
tier e2e

node scripts/test-summary.js "$reports"
exit $status
