#!/usr/bin/env bash
# Native Apache Kafka (KRaft) for medshare development and tests: three combined broker+controller nodes by default
# (every topic, internal ones included, at replication factor 3 with min.insync.replicas 2), or one (KAFKA_NODES=1).
# Jars come from Maven Central via infra/kafka/pom.xml; all state lives in <repo>/.data/kafka (KAFKA_DATA_DIR): one node
# in it directly (the layout of earlier checkouts), a cluster's node N in node-N/ on ports KAFKA_PORT + 2(N-1) and
# KAFKA_CONTROLLER_PORT + 2(N-1) (19092/19093, 19094/19095, 19096/19097).
#
#   infra/kafka/kafka.sh start|stop|status|wait|restart
#   infra/kafka/kafka.sh topics ARGS...   # TopicCommand against this broker (e.g. topics --list)
#   infra/kafka/kafka.sh groups ARGS...   # ConsumerGroupCommand (e.g. groups --list)
#   infra/kafka/kafka.sh acls ARGS...     # AclCommand (e.g. acls --list), as the operator in sasl_ssl mode
#   infra/kafka/kafka.sh lib              # resolves the jars if needed and prints their folder (test/chaos clusters use it)
#
# Security (KAFKA_SECURITY): sasl_ssl (clients: TLS 1.3 + SASL/SCRAM-SHA-512, one principal per service; controller
# listener: TLS 1.3 with client certificates; StandardAuthorizer, no ACL = denied; the default for a fresh data
# folder), or plaintext. A formatted data folder keeps its mode (one formatted before modes existed is plaintext).
# The dev CA, broker certificate and passwords are generated once into KAFKA_SECRETS_DIR (<repo>/.data/secrets),
# shared by every broker of the checkout. Each start writes $KAFKA_DATA_DIR/client.env (KAFKA_BROKERS,
# KAFKA_SECURITY, KAFKA_CA_FILE, KAFKA_CREDENTIALS_DIR) for medshare's clients and client.properties (the
# operator's) for Kafka's own CLIs.
#
# Environment: KAFKA_NODES (3, or 1), KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (19093), KAFKA_DATA_DIR (<repo>/.data/kafka),
# KAFKA_LIB_DIR (<repo>/.data/kafka/lib: a second broker's data folder can share the jars), KAFKA_SECURITY,
# KAFKA_SECRETS_DIR, KAFKA_PRINCIPALS (SCRAM users made at format time), KAFKA_HEAP per node ("-Xms128m -Xmx512m" for
# one node, -Xmx384m each for three, or just a size such as 1g for -Xmx), KAFKA_WAIT_TIMEOUT (120 s: three JVMs on two busy cores), KAFKA_STOP_TIMEOUT (20 s).
# `stop` stops whatever runs from KAFKA_DATA_DIR, one node or a cluster.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/pom.xml"
DATA="${KAFKA_DATA_DIR:-$ROOT/.data/kafka}"
LIB="${KAFKA_LIB_DIR:-$ROOT/.data/kafka/lib}"
# Absolute: the pid check matches the broker's command line, and log.dirs must not depend on the cwd.
[[ "$DATA" == /* ]] || DATA="$PWD/$DATA"
[[ "$LIB" == /* ]] || LIB="$PWD/$LIB"
LIB_MARKER="$LIB/.complete"
PROPS="$DATA/server.properties"
LOG4J="$DATA/log4j2.properties"
TOOLS_LOG4J="$DATA/tools-log4j2.properties" # CLIs log warnings to stderr, never into server.log
LOG="$DATA/server.log"
OUT="$DATA/kafka.out" # JVM stdout/stderr: crashes before log4j is up land here
PIDFILE="$DATA/kafka.pid"
PORT="${KAFKA_PORT:-19092}"
CPORT="${KAFKA_CONTROLLER_PORT:-19093}"
WAIT_TIMEOUT="${KAFKA_WAIT_TIMEOUT:-120}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"
NODES="${KAFKA_NODES:-3}"
# Set (by this script) when it runs as one node of a cluster: its id, the controller quorum and the cluster id.
NODE_ID="${KAFKA_NODE_ID:-1}"
REPLICAS=$((NODES < 3 ? NODES : 3))
MIN_ISR=$((REPLICAS < 2 ? REPLICAS : 2))
HEAP="${KAFKA_HEAP:--Xms128m -Xmx$((NODES > 1 ? 384 : 512))m}"
[[ "$HEAP" == -* ]] || HEAP="-Xms128m -Xmx$HEAP"
STARTED_RE='Kafka Server started'
SECRETS="${KAFKA_SECRETS_DIR:-$ROOT/.data/secrets}"
[[ "$SECRETS" == /* ]] || SECRETS="$PWD/$SECRETS"
CREDENTIALS="$SECRETS/kafka-credentials"
# One SCRAM user per service, the operator CLI (a super user: whoever may change ACLs may do anything) and the
# platform's analysts; libs/contracts' kafkaPrincipals lists the same names (test/unit/kafka-acls.spec.ts).
PRINCIPALS="${KAFKA_PRINCIPALS:-operator ingestion encryption access-control ledger governance analyst-platform}"
SECURITY_FILE="$DATA/security" # the mode the storage was formatted with
DEFAULT_SECURITY=sasl_ssl # for a fresh data folder
CLIENT_ENV="$DATA/client.env"
CLIENT_PROPS="$DATA/client.properties"

say() { echo "kafka${KAFKA_NODE_ID:+ node $KAFKA_NODE_ID}: $*"; }
die() { echo "kafka: ERROR: $*" >&2; exit 1; }

for p in "$PORT" "$CPORT" "$WAIT_TIMEOUT" "$STOP_TIMEOUT" "$NODES"; do
  [[ "$p" =~ ^[0-9]+$ ]] || die "not a number: '$p' (check KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_*_TIMEOUT, KAFKA_NODES)"
done
[[ "$NODES" == 1 || "$NODES" == 3 ]] || die "KAFKA_NODES must be 1 or 3 (got $NODES)"
# A cluster's node N listens on PORT + 2(N-1) and CPORT + 2(N-1): the two ranges must not meet.
((PORT - CPORT >= 2 * NODES || CPORT - PORT >= 2 * NODES || (PORT - CPORT) % 2 != 0)) \
  || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT ($PORT, $CPORT) overlap for $NODES node(s): node N uses both + 2(N-1)"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Our pid, only if that process is still alive and really is our broker (pids get reused).
running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$PROPS" || return 1
  echo "$pid"
}

log_tail() {
  echo "---- last lines of $LOG ----" >&2
  tail -n 30 "$LOG" 2>/dev/null >&2 || echo "(no server.log yet)" >&2
  if [[ -s "$OUT" ]]; then
    echo "---- last lines of $OUT ----" >&2
    tail -n 15 "$OUT" >&2
  fi
}

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found: $2"; }

# Resolve the jars once; the marker holds the pom's hash, so a second run needs no Maven at all.
ensure_lib() {
  local want
  want="$(sha256sum "$POM" | cut -d' ' -f1)"
  if [[ -f "$LIB_MARKER" && "$(cat "$LIB_MARKER")" == "$want" ]]; then
    return 0
  fi
  need mvn "install Maven 3.6+ (Debian: apt-get install -y maven)"
  say "resolving Kafka jars from Maven Central into $LIB (first run only)"
  local tmp="$DATA/lib.tmp"
  rm -rf "$tmp"
  mkdir -p "$(dirname "$LIB")"
  # Into a temp folder first: an interrupted download must never look complete.
  if ! (cd "$SCRIPT_DIR" && mvn -B -q -Dstyle.color=never -f "$POM" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp") \
      >"$DATA/mvn.out" 2>&1; then
    tail -n 40 "$DATA/mvn.out" >&2
    die "Maven could not resolve the Kafka jars (is Maven Central reachable?); full output: $DATA/mvn.out"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "Maven ran but no kafka_2.13 jar is in $tmp"
  rm -rf "$LIB"
  mv "$tmp" "$LIB"
  echo "$want" >"$LIB_MARKER"
  local jars=("$LIB"/*.jar)
  say "${#jars[@]} jars in $LIB"
}

# The mode of a data folder ($1, default this one): what it was formatted with, else KAFKA_SECURITY, else the default.
resolve_security() {
  local dir="${1:-$DATA}" recorded=""
  if [[ -f "$dir/logs/meta.properties" ]]; then
    recorded="$(cat "$dir/security" 2>/dev/null || echo plaintext)"
  fi
  local wanted="${KAFKA_SECURITY:-${recorded:-$DEFAULT_SECURITY}}"
  [[ "$wanted" == plaintext || "$wanted" == sasl_ssl ]] || die "KAFKA_SECURITY must be plaintext or sasl_ssl (got '$wanted')"
  [[ -z "$recorded" || "$recorded" == "$wanted" ]] \
    || die "$dir was formatted for $recorded, KAFKA_SECURITY asks for $wanted: unset it, or stop the broker and delete $dir/logs to start afresh"
  SECURITY="$wanted"
}

secret() { cat "$CREDENTIALS/$1.password"; }

# Dev CA, the broker's certificate (CN=broker: its principal on the mutual-TLS controller listener) and one random
# password per principal; made once, never committed (.data/ is git-ignored), readable by this user only.
ensure_secrets() {
  need openssl "install OpenSSL (Debian: apt-get install -y openssl)"
  mkdir -p "$CREDENTIALS"
  chmod 700 "$SECRETS" "$CREDENTIALS"
  exec 8>"$SECRETS/.lock"
  flock 8
  local name
  for name in broker $PRINCIPALS; do
    [[ "$name" =~ ^[a-z0-9-]+$ ]] || die "principal names are lower-case letters, digits and dashes (got '$name')"
    [[ -s "$CREDENTIALS/$name.password" ]] || (umask 077 && openssl rand -hex 24 >"$CREDENTIALS/$name.password")
  done
  if [[ ! -s "$SECRETS/broker.p12" ]]; then
    say "generating the development CA and the broker certificate in $SECRETS"
    (
      umask 077
      cd "$SECRETS"
      # One CA for the whole machine: infra/postgres/postgres.sh may have made it first (same lock).
      if [[ ! -s ca.key ]]; then
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=medshare development CA" \
          -keyout ca.key -out ca.pem 2>/dev/null
      fi
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=broker" -keyout broker.key -out broker.csr 2>/dev/null
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >broker.ext
      openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -extfile broker.ext -out broker.pem 2>/dev/null
      openssl rand -hex 24 >broker.p12.password
      openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker \
        -passout "file:broker.p12.password" -out broker.p12.tmp
      mv broker.p12.tmp broker.p12
      rm -f broker.csr broker.ext ca.srl
      chmod 644 ca.pem
    ) || die "could not generate the development certificates in $SECRETS"
  fi
  exec 8>&-
}

listener_config() {
  if [[ "$SECURITY" == plaintext ]]; then
    cat <<CONFIG
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
CONFIG
    return
  fi
  local store_password
  store_password="$(cat "$SECRETS/broker.p12.password")"
  cat <<CONFIG
# Clients: TLS 1.3 + SCRAM-SHA-512 (brokers talk to each other the same way, as user broker).
# Controller: TLS 1.3 with client certificates (the broker's certificate maps to user broker).
listeners=SASL_SSL://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=SASL_SSL://127.0.0.1:$PORT
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL
inter.broker.listener.name=SASL_SSL
controller.listener.names=CONTROLLER
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$(secret broker)";
ssl.protocol=TLSv1.3
ssl.enabled.protocols=TLSv1.3
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECRETS/broker.p12
ssl.keystore.password=$store_password
ssl.key.password=$store_password
ssl.truststore.type=PEM
ssl.truststore.location=$SECRETS/ca.pem
listener.name.controller.ssl.client.auth=required
ssl.principal.mapping.rules=RULE:^CN=([A-Za-z0-9._-]+)\$/\$1/,DEFAULT
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:broker;User:operator
CONFIG
}

# What clients need to reach this broker: an env file (services, tests, npm start) and the operator's properties
# for Kafka's own CLIs (kafka.sh topics|groups|acls|users).
write_client_files() {
  {
    echo "KAFKA_BROKERS=$(bootstrap)"
    echo "KAFKA_SECURITY=$SECURITY"
    if [[ "$SECURITY" == sasl_ssl ]]; then
      echo "KAFKA_CA_FILE=$SECRETS/ca.pem"
      echo "KAFKA_CREDENTIALS_DIR=$CREDENTIALS"
    fi
  } >"$CLIENT_ENV"
  if [[ "$SECURITY" == sasl_ssl ]]; then
    (umask 077 && cat >"$CLIENT_PROPS" <<CONFIG
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="operator" password="$(secret operator)";
ssl.truststore.type=PEM
ssl.truststore.location=$SECRETS/ca.pem
CONFIG
    )
  else
    echo "security.protocol=PLAINTEXT" >"$CLIENT_PROPS"
  fi
}

# The broker's log4j2 configuration, logging to the file $1 (test clusters take it too: `kafka.sh log4j FILE`).
broker_log4j() {
  cat <<EOF
# Generated by infra/kafka/kafka.sh: broker logs go to one file, rotated by the script on start.
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $1
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.kafkaclient.name = org.apache.kafka.clients
logger.kafkaclient.level = WARN
EOF
}

# The client addresses of every node: "127.0.0.1:19092,127.0.0.1:19094,127.0.0.1:19096" for three.
bootstrap() {
  local i list=()
  for ((i = 0; i < NODES; i++)); do list+=("127.0.0.1:$((PORT + 2 * i))"); done
  local IFS=,
  echo "${list[*]}"
}

write_config() {
  (umask 077 && cat >"$PROPS" <<EOF
# Generated by infra/kafka/kafka.sh on every start: edit the script, not this file.
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=${KAFKA_QUORUM:-1@127.0.0.1:$CPORT}
$(listener_config)
log.dirs=$DATA/logs
# Every topic, internal ones included, on min(3, nodes) nodes; an acks=all write needs min(2, that) of them.
offsets.topic.replication.factor=$REPLICAS
offsets.topic.num.partitions=$NODES
transaction.state.log.replication.factor=$REPLICAS
transaction.state.log.min.isr=$MIN_ISR
transaction.state.log.num.partitions=$NODES
share.coordinator.state.topic.replication.factor=$REPLICAS
share.coordinator.state.topic.min.isr=$MIN_ISR
share.coordinator.state.topic.num.partitions=1
default.replication.factor=$REPLICAS
min.insync.replicas=$MIN_ISR
# medshare creates its topics from its registry: a typo must fail, not make a new topic.
auto.create.topics.enable=false
num.partitions=6
# Tests start consumers right away; the default 3 s delay only helps big groups.
group.initial.rebalance.delay.ms=0
# Default is 128 MiB of heap for the compaction dedupe buffer: too much for a 512 MiB dev broker.
log.cleaner.dedupe.buffer.size=4194304
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF
  )

  broker_log4j "$LOG" >"$LOG4J"
  write_tools_log4j
}

write_tools_log4j() {
  cat >"$TOOLS_LOG4J" <<EOF
# Generated by infra/kafka/kafka.sh: for StorageTool and the admin CLIs.
status = warn
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
}

new_cluster_id() {
  local id
  id="$(java -cp "$LIB/*" -Dlog4j2.configurationFile="$TOOLS_LOG4J" kafka.tools.StorageTool random-uuid | tail -n1)"
  [[ -n "$id" ]] || die "StorageTool random-uuid printed no cluster id"
  echo "$id"
}

# Format the KRaft storage once; meta.properties marks a formatted log dir.
ensure_formatted() {
  [[ -f "$DATA/logs/meta.properties" ]] && return 0
  local id="${KAFKA_CLUSTER_ID:-}"
  [[ -n "$id" ]] || id="$(new_cluster_id)"
  say "formatting KRaft storage (cluster id $id, security $SECURITY)"
  # SCRAM users must exist before the first start: the broker's own inter-broker login is one of them.
  local scram=() name
  if [[ "$SECURITY" == sasl_ssl ]]; then
    for name in broker $PRINCIPALS; do scram+=(--add-scram "SCRAM-SHA-512=[name=$name,password=$(secret "$name")]"); done
  fi
  java -cp "$LIB/*" -Dlog4j2.configurationFile="$TOOLS_LOG4J" kafka.tools.StorageTool format \
    --cluster-id="$id" -c "$PROPS" "${scram[@]}" >"$DATA/format.out" 2>&1 \
    || { cat "$DATA/format.out" >&2; die "storage format failed"; }
  echo "$SECURITY" >"$SECURITY_FILE"
}

wait_ready() {
  local pid="$1" deadline=$((SECONDS + WAIT_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail
      die "the broker (pid $pid) exited during start-up"
    fi
    if port_open "$PORT" && grep -qF "$STARTED_RE" "$LOG" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  log_tail
  die "broker not ready after ${WAIT_TIMEOUT}s (port $PORT open: $(port_open "$PORT" && echo yes || echo no)); it is still running as pid $pid, stop it with: $0 stop"
}

cmd_start() {
  need java "install a Java 17+ runtime (Debian: apt-get install -y openjdk-17-jre-headless)"
  mkdir -p "$DATA"
  # Serialise concurrent starts/stops; fd 9 is closed for the broker so it never holds the lock.
  exec 9>"$DATA/.lock"
  flock 9
  local pid
  if pid="$(running_pid)"; then
    say "already running (pid $pid) on 127.0.0.1:$PORT"
    return 0
  fi
  port_open "$PORT" && die "port $PORT is already taken by another process (set KAFKA_PORT to use another)"
  port_open "$CPORT" && die "port $CPORT is already taken by another process (set KAFKA_CONTROLLER_PORT)"
  ensure_lib
  resolve_security
  [[ "$SECURITY" == plaintext ]] || ensure_secrets
  write_config
  ensure_formatted
  [[ -n "${KAFKA_NODE_ID:-}" ]] || write_client_files # a cluster writes them once for all its nodes
  # Keep the previous run's log for post-mortems; the readiness check reads only this run's.
  [[ -f "$LOG" ]] && mv -f "$LOG" "$LOG.prev"
  : >"$OUT"
  # setsid+nohup: the broker must outlive this shell, its terminal and its process group.
  # The inner shell writes its own pid and execs java, so the pid file is right even if setsid forks.
  rm -f "$PIDFILE"
  # shellcheck disable=SC2016,SC2086  # $$ is the inner shell's; HEAP is a list of JVM flags
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PIDFILE" \
    java $HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dkafka.logs.dir="$DATA" -Dlog4j2.configurationFile="$LOG4J" \
    -cp "$LIB/*" kafka.Kafka "$PROPS" </dev/null >>"$OUT" 2>&1 9>&- &
  local i
  for ((i = 0; i < 50; i++)); do [[ -s "$PIDFILE" ]] && break; sleep 0.1; done
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || { log_tail; die "the broker did not start (no pid file)"; }
  say "starting (pid $pid, heap: $HEAP), log: $LOG"
  local t0=$SECONDS
  wait_ready "$pid"
  say "ready on 127.0.0.1:$PORT ($SECURITY; controller 127.0.0.1:$CPORT) after $((SECONDS - t0))s; clients: $CLIENT_ENV"
}

cmd_stop() {
  mkdir -p "$DATA"
  exec 9>"$DATA/.lock"
  flock 9
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PIDFILE"
    say "not running"
    return 0
  fi
  say "stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    say "still alive after ${STOP_TIMEOUT}s: sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PIDFILE"
  say "stopped"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    if port_open "$PORT"; then
      say "running (pid $pid) on 127.0.0.1:$PORT, data $DATA"
    else
      say "process running (pid $pid) but port $PORT does not answer (starting, or wrong KAFKA_PORT?)"
    fi
    return 0
  fi
  say "stopped"
  return 3 # LSB: program is not running
}

cmd_wait() {
  local pid
  pid="$(running_pid)" || die "not running (start it with: $0 start)"
  wait_ready "$pid"
  say "ready on 127.0.0.1:$PORT"
}

cmd_tool() {
  local cls="$1"
  shift
  [[ -f "$LIB_MARKER" && -f "$TOOLS_LOG4J" ]] || die "jars not resolved yet: run $0 start first"
  local config=()
  [[ -f "$CLIENT_PROPS" ]] && config=(--command-config "$CLIENT_PROPS")
  exec java -Xmx256m -Dlog4j2.configurationFile="$TOOLS_LOG4J" -cp "$LIB/*" "$cls" \
    --bootstrap-server "$(bootstrap)" "${config[@]}" "$@"
}

# A cluster is this script once per node (KAFKA_NODE_ID set), in node-N/ on its own ports, all at once: a KRaft node is
# ready only once a majority of the controller quorum is up. Runs command $1 on nodes 1..$2 (default KAFKA_NODES).
on_nodes() {
  local count="${2:-$NODES}" i voters=() jobs=() rc=0
  for ((i = 1; i <= NODES; i++)); do voters+=("$i@127.0.0.1:$((CPORT + 2 * (i - 1)))"); done
  for ((i = 1; i <= count; i++)); do
    KAFKA_NODES="$NODES" KAFKA_NODE_ID="$i" KAFKA_DATA_DIR="$DATA/node-$i" KAFKA_PORT=$((PORT + 2 * (i - 1))) \
      KAFKA_CONTROLLER_PORT=$((CPORT + 2 * (i - 1))) KAFKA_QUORUM="$(IFS=, && echo "${voters[*]}")" KAFKA_LIB_DIR="$LIB" \
      KAFKA_SECRETS_DIR="$SECRETS" KAFKA_SECURITY="${SECURITY:-}" KAFKA_CLUSTER_ID="${CLUSTER_ID:-}" KAFKA_HEAP="$HEAP" \
      bash "$SCRIPT_DIR/kafka.sh" "$1" &
    jobs+=($!)
  done
  for i in "${jobs[@]}"; do wait "$i" || rc=1; done
  return "$rc"
}

cluster_start() {
  need java "install a Java 17+ runtime (Debian: apt-get install -y openjdk-17-jre-headless)"
  mkdir -p "$DATA"
  exec 9>"$DATA/.lock" # one cluster start at a time (each node takes its own folder's lock too)
  flock 9
  local pid
  if pid="$(running_pid)"; then
    die "a single-node broker (KAFKA_NODES=1) runs from $DATA (pid $pid): stop it first ($0 stop)"
  fi
  # Once, before the nodes start in parallel: the jars, the secrets and the cluster id all nodes share.
  ensure_lib
  resolve_security "$DATA/node-1"
  [[ "$SECURITY" == plaintext ]] || ensure_secrets
  write_tools_log4j
  [[ -s "$DATA/cluster.id" ]] || new_cluster_id >"$DATA/cluster.id"
  CLUSTER_ID="$(cat "$DATA/cluster.id")"
  local t0=$SECONDS
  on_nodes start || die "not every node started (see above); stop what did with: $0 stop"
  write_client_files
  say "$NODES nodes ready on $(bootstrap) ($SECURITY; replication factor $REPLICAS, min.insync.replicas $MIN_ISR) after $((SECONDS - t0))s; clients: $CLIENT_ENV"
}

# Whatever runs from this data folder: the single node and every node-N of a cluster.
stop_all() {
  local formed=0
  [[ -n "${KAFKA_NODE_ID:-}" ]] || formed="$(find "$DATA" -maxdepth 1 -type d -name 'node-*' 2>/dev/null | wc -l)"
  if [[ -f "$PROPS" ]] || ((formed == 0)); then cmd_stop; fi
  ((formed == 0)) || on_nodes stop "$formed"
}

cluster=0
if ((NODES > 1)) && [[ -z "${KAFKA_NODE_ID:-}" ]]; then cluster=1; fi

case "${1:-}" in
  start) if ((cluster)); then cluster_start; else cmd_start; fi ;;
  stop) stop_all ;;
  restart) stop_all && if ((cluster)); then cluster_start; else cmd_start; fi ;;
  status) if ((cluster)); then on_nodes status; else cmd_status; fi ;;
  wait) if ((cluster)); then on_nodes wait; else cmd_wait; fi ;;
  topics) shift; cmd_tool org.apache.kafka.tools.TopicCommand "$@" ;;
  groups) shift; cmd_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@" ;;
  acls) shift; cmd_tool org.apache.kafka.tools.AclCommand "$@" ;;
  lib) mkdir -p "$DATA" && ensure_lib >&2 && echo "$LIB" ;;
  log4j) broker_log4j "${2:?usage: $0 log4j LOGFILE}" ;;
  *)
    echo "usage: $0 start|stop|restart|status|wait|lib | log4j LOGFILE | topics ARGS... | groups ARGS... | acls ARGS..." >&2
    exit 2
    ;;
esac
