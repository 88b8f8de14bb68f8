#!/usr/bin/env bash
# Starts everything medshare needs locally: Kafka (KRaft, three nodes unless KAFKA_NODES=1), the PostgreSQL instances (state + ledger
# replicas), Ceph's S3 store for attachments and the local OpenID provider, side by side, then prints how to
# connect. Safe to run again.
#   bash infra/up.sh            (from any folder; env overrides: see infra/README.md)
set -euo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
t0=$(date +%s.%N)

# Kafka's first start waits on Maven and the JVM, PostgreSQL on initdb: run both at once.
# Prefixing keeps the interleaved output readable; pipefail keeps each one's exit status.
bash "$INFRA/kafka/kafka.sh" start 2>&1 | sed -u 's/^/[kafka]    /' &
kafka_job=$!
bash "$INFRA/postgres/postgres.sh" start "$@" 2>&1 | sed -u 's/^/[postgres] /' &
pg_job=$!
bash "$INFRA/ceph/ceph.sh" start 2>&1 | sed -u 's/^/[ceph]     /' &
ceph_job=$!
bash "$INFRA/oidc/oidc.sh" start 2>&1 | sed -u 's/^/[oidc]     /' &
oidc_job=$!

rc=0
wait "$kafka_job" || { rc=1; echo "up: Kafka did not start (see the [kafka] lines above)" >&2; }
wait "$pg_job" || { rc=1; echo "up: PostgreSQL did not start (see the [postgres] lines above)" >&2; }
wait "$ceph_job" || { rc=1; echo "up: Ceph did not start (see the [ceph] lines above)" >&2; }
wait "$oidc_job" || { rc=1; echo "up: the OIDC provider did not start (see the [oidc] lines above)" >&2; }
if ((rc)); then
  echo "up: FAILED; what did start keeps running, stop it with: bash $INFRA/down.sh" >&2
  exit 1
fi

elapsed=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
client_env="${KAFKA_DATA_DIR:-$INFRA/../.data/kafka}/client.env"
s="${PG_STATE_PORT:-55432}"
l1="${PG_LEDGER1_PORT:-55433}"
l2="${PG_LEDGER2_PORT:-55434}"
l3="${PG_LEDGER3_PORT:-55435}"
cat <<INFO

up: all running after ${elapsed}s
  Kafka bootstrap      $(sed -n 's/^KAFKA_BROKERS=//p' "$client_env" 2>/dev/null)   (${KAFKA_NODES:-3} KRaft node(s), controllers from ${KAFKA_CONTROLLER_PORT:-19093}; topics are not auto-created)
  Kafka clients        $(grep '^KAFKA_SECURITY=' "$client_env" 2>/dev/null || echo 'KAFKA_SECURITY=?'): settings in ${KAFKA_DATA_DIR:-.data/kafka}/client.env
  PostgreSQL state     postgres://medshare@127.0.0.1:$s/{ingestion,encryption,access_control,ledger,governance}
  ledger replica 1     postgres://medshare@127.0.0.1:$l1/ledger
  ledger replica 2     postgres://medshare@127.0.0.1:$l2/ledger
  ledger replica 3     postgres://medshare@127.0.0.1:$l3/ledger
  S3 (Ceph radosgw)    http://127.0.0.1:${CEPH_RGW_PORT:-17480}   bucket and credentials: bash $INFRA/ceph/ceph.sh env
  OpenID provider      http://127.0.0.1:${OIDC_PORT:-3010}   (officers sign in to the governance dashboard: officer-hosp-a / demo-officer-hosp-a)
  (no password: trust on 127.0.0.1 only)   stop all: bash $INFRA/down.sh
INFO
