#!/usr/bin/env bash
# Stops Kafka, the PostgreSQL instances, Ceph and the OpenID provider started by infra/up.sh; data stays in .data/.
#   bash infra/down.sh          (from any folder)
set -euo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Both stop at once: Kafka's clean shutdown takes a few seconds, PostgreSQL's well under one.
bash "$INFRA/kafka/kafka.sh" stop 2>&1 | sed -u 's/^/[kafka]    /' &
kafka_job=$!
bash "$INFRA/postgres/postgres.sh" stop "$@" 2>&1 | sed -u 's/^/[postgres] /' &
pg_job=$!
bash "$INFRA/ceph/ceph.sh" stop 2>&1 | sed -u 's/^/[ceph]     /' &
ceph_job=$!
bash "$INFRA/oidc/oidc.sh" stop 2>&1 | sed -u 's/^/[oidc]     /' &
oidc_job=$!

rc=0
wait "$kafka_job" || rc=1
wait "$pg_job" || rc=1
wait "$ceph_job" || rc=1
wait "$oidc_job" || rc=1
if ((rc)); then
  echo "down: something did not stop cleanly (see above)" >&2
  exit 1
fi
echo "down: all stopped"
