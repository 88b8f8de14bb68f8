#!/usr/bin/env bash
# `npm start`: Kafka, the PostgreSQL instances, all five services as processes, then demo traffic.
# Ctrl-C stops the demo, the services (SIGTERM, graceful) and the servers, leaving no process behind.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
logs="$root/.data/logs"
mkdir -p "$logs"

services=(ingestion:3001 encryption:3002 access-control:3003 ledger:3004 governance:3005)
pids=()
started_infra=0
started_oidc=0

stop_everything() {
  trap - EXIT INT TERM
  echo
  echo "start: stopping services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$started_infra" = 1 ] && [ "${MEDSHARE_KEEP_INFRA:-0}" != 1 ]; then bash infra/down.sh
  elif [ "$started_oidc" = 1 ]; then bash infra/oidc/oidc.sh stop; fi
  echo "start: everything stopped"
}
trap stop_everything EXIT
trap 'exit 130' INT TERM

[ -f dist/apps/ingestion/src/main.js ] || npm run build
# Servers already running (this checkout's or another's) are reused and left running at the end.
if bash infra/running.sh; then
  echo "start: reusing the running Kafka and PostgreSQL"
else
  started_infra=1
  bash infra/up.sh
fi
# The officers' sign-in: the provider infra/up.sh starts, also when the other servers were reused.
if ! (exec 3<>"/dev/tcp/127.0.0.1/${OIDC_PORT:-3010}") 2>/dev/null; then started_oidc=1; fi
bash infra/oidc/oidc.sh start
# The broker's mode and credentials (SASL_SSL for a fresh start): every service below connects as its own principal.
if [ -f .data/kafka/client.env ]; then
  set -a
  # shellcheck disable=SC1091
  . .data/kafka/client.env
  set +a
fi
echo "start: Kafka ${KAFKA_SECURITY:-plaintext} at ${KAFKA_BROKERS:-127.0.0.1:19092}"
# PostgreSQL over TLS 1.3 with the server's certificate and name checked, as in production, when the servers offer it
# (infra/postgres/postgres.sh writes the file then): the services' default URLs name no sslmode, the environment does.
if [ -f .data/postgres/client.env ]; then
  set -a
  # shellcheck disable=SC1091
  . .data/postgres/client.env
  set +a
  echo "start: PostgreSQL over TLS (sslmode $PGSSLMODE, CA $NODE_EXTRA_CA_CERTS)"
fi
node tools/cli/bin/medshare.js topics create

for entry in "${services[@]}"; do
  name=${entry%%:*}
  port=${entry##*:}
  PORT=$port node "dist/apps/$name/src/main.js" >>"$logs/$name.log" 2>&1 &
  pids+=($!)
done

# One deadline for all: a cold three-node cluster loads its group and transaction coordinators while the services join,
# which on 2 busy cores can take minutes for the last one (governance replays an hour of decisions before it is ready).
ready_by=$((SECONDS + ${START_READY_SECONDS:-300}))
echo "start: waiting for the services to be ready (up to ${START_READY_SECONDS:-300}s)"
for entry in "${services[@]}"; do
  name=${entry%%:*}
  port=${entry##*:}
  while ((SECONDS < ready_by)); do
    if curl -fsS --max-time 5 "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  if ! curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then
    echo "start: $name is not ready on port $port; last log lines:" >&2
    tail -n 20 "$logs/$name.log" >&2
    exit 1
  fi
  echo "  $name ready on http://127.0.0.1:$port"
done

cat <<INFO

medshare is running. Where to look:
  governance dashboard   http://127.0.0.1:3005/   sign in at the local OpenID provider (http://127.0.0.1:3010) as
                         officer-hosp-a / demo-officer-hosp-a (privacy officer of hosp-a; also officer-hosp-b, -hosp-c,
                         -lab-d) or operator / demo-operator (platform operator); APIs: Bearer medshare-dev-operator-token-not-secret
  ledger head            curl http://127.0.0.1:3004/v1/blocks/head
  service status         npx medshare status
  service logs           $logs/<service>.log (JSON, no payloads)
  a dev token            npx medshare token --institution hosp-a --practitioner dr-1 --role physician
Demo traffic follows; Ctrl-C stops everything.

INFO
# DEMO_RATE=0: no demo traffic, the platform runs until stopped (npm run fuzz starts it so).
if [ "${DEMO_RATE:-2}" = 0 ]; then wait; else node tools/cli/bin/medshare.js demo --rate "${DEMO_RATE:-2}"; fi
