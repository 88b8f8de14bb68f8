#!/usr/bin/env bash
# Exit 0 when Kafka, every PostgreSQL instance and Ceph's S3 (radosgw) already answer on their ports (started by this checkout
# or another one), 1 otherwise. test.sh and start.sh reuse such servers and leave them running.
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
answers "${KAFKA_PORT:-19092}" && answers "${PG_STATE_PORT:-55432}" && answers "${PG_LEDGER1_PORT:-55433}" \
  && answers "${PG_LEDGER2_PORT:-55434}" && answers "${PG_LEDGER3_PORT:-55435}" && answers "${CEPH_RGW_PORT:-17480}"
