#!/usr/bin/env bash
# The compose broker's entrypoint (apache/kafka image): writes server.properties as infra/kafka/kafka.sh does in
# sasl_ssl mode (clients TLS 1.3 + SASL/SCRAM-SHA-512, controller TLS 1.3 with client certificates, StandardAuthorizer,
# nothing allowed without an ACL), formats the storage once with a SCRAM user per principal (one password secret
# each, /run/secrets/kafka-<principal>), then runs the broker. The ACLs come from `medshare topics create`.
set -euo pipefail

CONFIG=/tmp/server.properties
DATA=/var/lib/kafka/data
SECRETS=/run/secrets
secret() { tr -d '\n' <"$SECRETS/$1"; }
jaas() { echo "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$1\" password=\"$(secret "kafka-$1")\";"; }

store_password="$(secret kafka-keystore-password)"
cat >"$CONFIG" <<CONFIG
process.roles=broker,controller
node.id=${KAFKA_NODE_ID:-1}
controller.quorum.voters=${KAFKA_CONTROLLER_QUORUM_VOTERS:-1@kafka:9093}
# SASL_SSL for the containers, HOST (the same, on the published port) for clients on the Docker host.
listeners=SASL_SSL://:9092,CONTROLLER://:9093,HOST://:19092
advertised.listeners=SASL_SSL://kafka:9092,HOST://127.0.0.1:19092
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
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1
default.replication.factor=1
min.insync.replicas=1
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
