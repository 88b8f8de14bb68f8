#!/usr/bin/env bash
# The entrypoint of each of the compose file's three Kafka nodes (apache/kafka image; KRaft, every node broker and
# controller): writes server.properties as infra/kafka/kafka.sh does for a three-node cluster in sasl_ssl mode (clients
# TLS 1.3 + SASL/SCRAM-SHA-512, controller TLS 1.3 with client certificates, StandardAuthorizer, nothing allowed
# without an ACL; every topic, internal ones included, on 3 replicas with min.insync.replicas 2), formats the storage
# once with a SCRAM user per principal (one password secret each, /run/secrets/kafka-<principal>), then runs the node.
# The ACLs come from `medshare topics create`. KAFKA_NODE_ID (1-3) and KAFKA_HOST_PORT (the node's published port)
# say which node this is.
set -euo pipefail

CONFIG=/tmp/server.properties
DATA=/var/lib/kafka/data
SECRETS=/run/secrets
secret() { tr -d '\n' <"$SECRETS/$1"; }
jaas() { echo "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$1\" password=\"$(secret "kafka-$1")\";"; }

NODE_ID="${KAFKA_NODE_ID:?KAFKA_NODE_ID (1, 2 or 3) is required}"
HOST_PORT="${KAFKA_HOST_PORT:?KAFKA_HOST_PORT is required}"
store_password="$(secret kafka-keystore-password)"
cat >"$CONFIG" <<CONFIG
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093
# SASL_SSL for the containers, HOST (the same, on the node's published port) for clients on the Docker host.
listeners=SASL_SSL://:9092,CONTROLLER://:9093,HOST://:$HOST_PORT
advertised.listeners=SASL_SSL://kafka-$NODE_ID:9092,HOST://127.0.0.1:$HOST_PORT
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL,HOST:SASL_SSL
inter.broker.listener.name=SASL_SSL
controller.listener.names=CONTROLLER
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$(jaas broker)
listener.name.host.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.protocol=TLSv1.3
ssl.enabled.protocols=TLSv1.3
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECRETS/kafka-keystore
ssl.keystore.password=$store_password
ssl.key.password=$store_password
ssl.truststore.type=PEM
ssl.truststore.location=$SECRETS/medshare-ca
listener.name.controller.ssl.client.auth=required
ssl.principal.mapping.rules=RULE:^CN=([A-Za-z0-9._-]+)\$/\$1/,DEFAULT
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:broker;User:operator
log.dirs=$DATA
# Every topic, internal ones included, on all three nodes; an acks=all write needs two of them.
offsets.topic.replication.factor=3
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
share.coordinator.state.topic.num.partitions=1
default.replication.factor=3
min.insync.replicas=2
auto.create.topics.enable=false
num.partitions=6
group.initial.rebalance.delay.ms=0
log.cleaner.dedupe.buffer.size=4194304
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
CONFIG

# For the health check: the operator's client settings.
cat >/tmp/operator.properties <<CONFIG
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$(jaas operator)
ssl.truststore.type=PEM
ssl.truststore.location=$SECRETS/medshare-ca
CONFIG

if [[ ! -f "$DATA/meta.properties" ]]; then
  scram=()
  for file in "$SECRETS"/kafka-*; do
    principal="${file##*/kafka-}"
    [[ "$principal" == keystore || "$principal" == keystore-password ]] && continue
    scram+=(--add-scram "SCRAM-SHA-512=[name=$principal,password=$(secret "kafka-$principal")]")
  done
  /opt/kafka/bin/kafka-storage.sh format -t "${CLUSTER_ID:?CLUSTER_ID is required}" -c "$CONFIG" "${scram[@]}"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$CONFIG"
