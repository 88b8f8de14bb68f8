#!/usr/bin/env bash
# Native Apache Kafka (KRaft, one combined broker+controller) for medshare development and tests.
# Jars come from Maven Central via infra/kafka/pom.xml; all state lives in <repo>/.data/kafka (KAFKA_DATA_DIR).
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
# Environment: KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (19093), KAFKA_DATA_DIR (<repo>/.data/kafka),
# KAFKA_LIB_DIR (<repo>/.data/kafka/lib: a second broker's data folder can share the jars), KAFKA_SECURITY,
# KAFKA_SECRETS_DIR, KAFKA_PRINCIPALS (SCRAM users made at format time), KAFKA_HEAP ("-Xms128m -Xmx512m", or just a size
# such as 1g for -Xmx), KAFKA_WAIT_TIMEOUT (60 s), KAFKA_STOP_TIMEOUT (20 s).
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
WAIT_TIMEOUT="${KAFKA_WAIT_TIMEOUT:-60}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"
HEAP="${KAFKA_HEAP:--Xms128m -Xmx512m}"
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

say() { echo "kafka: $*"; }
die() { echo "kafka: ERROR: $*" >&2; exit 1; }

for p in "$PORT" "$CPORT" "$WAIT_TIMEOUT" "$STOP_TIMEOUT"; do
  [[ "$p" =~ ^[0-9]+$ ]] || die "not a number: '$p' (check KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_*_TIMEOUT)"
done
[[ "$PORT" != "$CPORT" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ (both $PORT)"

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

# The mode of this data folder: what it was formatted with, else KAFKA_SECURITY, else the default.
resolve_security() {
  local recorded=""
  if [[ -f "$DATA/logs/meta.properties" ]]; then
    recorded="$(cat "$SECURITY_FILE" 2>/dev/null || echo plaintext)"
  fi
  local wanted="${KAFKA_SECURITY:-${recorded:-$DEFAULT_SECURITY}}"
  [[ "$wanted" == plaintext || "$wanted" == sasl_ssl ]] || die "KAFKA_SECURITY must be plaintext or sasl_ssl (got '$wanted')"
  [[ -z "$recorded" || "$recorded" == "$wanted" ]] \
    || die "$DATA was formatted for $recorded, KAFKA_SECURITY asks for $wanted: unset it, or stop the broker and delete $DATA/logs to start afresh"
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
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=medshare development CA" \
        -keyout ca.key -out ca.pem 2>/dev/null
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
    echo "KAFKA_BROKERS=127.0.0.1:$PORT"
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

write_config() {
  (umask 077 && cat >"$PROPS" <<EOF
# Generated by infra/kafka/kafka.sh on every start: edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
$(listener_config)
log.dirs=$DATA/logs
# One node: every internal topic must fit on it.
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

# Format the KRaft storage once; meta.properties marks a formatted log dir.
ensure_formatted() {
  [[ -f "$DATA/logs/meta.properties" ]] && return 0
  local id
  id="$(java -cp "$LIB/*" -Dlog4j2.configurationFile="$TOOLS_LOG4J" kafka.tools.StorageTool random-uuid | tail -n1)"
  [[ -n "$id" ]] || die "StorageTool random-uuid printed no cluster id"
  say "formatting KRaft storage (cluster id $id, security $SECURITY)"
  # SCRAM users must exist before the first start: the broker's own inter-broker login is one of them.
  local scram=() name
  if [[ "$SECURITY" == sasl_ssl ]]; then
    for name in broker $PRINCIPALS; do scram+=(--add-scram "SCRAM-SHA-512=[name=$name,password=$(secret "$name")]"); done
  fi
  java -cp "$LIB/*" -Dlog4j2.configurationFile="$TOOLS_LOG4J" kafka.tools.StorageTool format \
    -t "$id" -c "$PROPS" "${scram[@]}" >"$DATA/format.out" 2>&1 \
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
  write_client_files
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
    --bootstrap-server "127.0.0.1:$PORT" "${config[@]}" "$@"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) cmd_stop && cmd_start ;;
  status) cmd_status ;;
  wait) cmd_wait ;;
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
