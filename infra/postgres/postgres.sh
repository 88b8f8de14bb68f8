#!/usr/bin/env bash
# Several independent PostgreSQL servers side by side, one data folder and one port each:
#   state    55432  one database per service: ingestion encryption access_control ledger governance
#   ledger1  55433  database ledger   (ledger replicas are independent on purpose: no streaming
#   ledger2  55434  database ledger    replication, the ledger service replicates and cross-checks)
#   ledger3  55435  database ledger
#
#   infra/postgres/postgres.sh start|stop|status|restart [NAME...]   (default: all four)
#
# Environment: PG_STATE_PORT, PG_LEDGER<N>_PORT (ledgerN defaults to 55432+N, so ledger4 works too),
# PG_<NAME>_PORT for any other name, PG_<NAME>_DATABASES (space-separated, replaces the defaults),
# PG_BIN (folder with initdb/pg_ctl/psql; default: newest /usr/lib/postgresql/*/bin), PG_OS_USER
# (unprivileged user that runs the servers when this script runs as root; default postgres),
# PG_EXTRA_OPTS (extra server options, e.g. "-c log_statement=all"), PG_TLS (on, the default, or off).
# Superuser role: medshare, no password (trust, 127.0.0.1 only).
# TLS: every server offers TLS 1.3 with a certificate for 127.0.0.1/localhost signed by the checkout's development CA
# (.data/secrets/ca.pem, the one infra/kafka/kafka.sh uses; made here if Kafka has not yet), so clients can connect
# with `?sslmode=verify-full&sslrootcert=.data/secrets/ca.pem`, or take .data/postgres/client.env (PGSSLMODE=verify-full
# and the CA for Node), as `npm start` does for the services. A running server takes it at its next start.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
BASE="$ROOT/.data/postgres"
DEFAULT_INSTANCES=(state ledger1 ledger2 ledger3)
OS_USER="${PG_OS_USER:-postgres}"
DB_USER=medshare
# Short and stable per clone, so two clones on one machine never share a fallback folder.
ROOT_HASH="$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)"
FALLBACK="/tmp/medshare-pg-$ROOT_HASH"

SECRETS="${KAFKA_SECRETS_DIR:-$ROOT/.data/secrets}"
TLS="${PG_TLS:-on}"

log() { echo "postgres[$1]: ${*:2}"; }
die() { echo "postgres: ERROR: $*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

port_of() {
  local name="$1" var def=""
  var="PG_${name^^}_PORT"
  if [[ "$name" == state ]]; then
    def=55432
  elif [[ "$name" =~ ^ledger([0-9]+)$ ]]; then
    def=$((55432 + 10#${BASH_REMATCH[1]}))
  fi
  local port="${!var:-$def}"
  [[ -n "$port" ]] || die "no port for instance '$name': set $var"
  if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then die "$var='$port' is not a port"; fi
  echo "$port"
}

databases_of() {
  local var="PG_${1^^}_DATABASES"
  if [[ -n "${!var:-}" ]]; then
    echo "${!var}"
  elif [[ "$1" == state ]]; then
    echo "ingestion encryption access_control ledger governance"
  elif [[ "$1" =~ ^ledger[0-9]+$ ]]; then
    echo "ledger"
  fi
}

# Server binaries: PG_BIN, else the newest Debian-style /usr/lib/postgresql/<major>/bin.
newest_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN"; return 0; fi
  local d
  d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
  [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]] && echo "$d"
}

ensure_binaries() {
  BIN="$(newest_bin || true)"
  if [[ -n "$BIN" ]]; then
    [[ -x "$BIN/initdb" && -x "$BIN/pg_ctl" && -x "$BIN/psql" ]] \
      || die "$BIN lacks initdb, pg_ctl or psql"
    return 0
  fi
  if ((EUID != 0)); then
    die "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin).
  Install them as root:  apt-get update && apt-get install -y postgresql
  (PostgreSQL 15 or newer), or set PG_BIN to a folder that holds initdb, pg_ctl and psql."
  fi
  echo "postgres: server binaries missing: installing the Debian package 'postgresql'"
  local before
  before="$(pg_lsclusters -h 2>/dev/null | awk '{print $1"/"$2}' || true)"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
  # Debian creates and starts a 'main' cluster on 5432: nothing of that may stay running.
  local vc
  for vc in $(pg_lsclusters -h 2>/dev/null | awk '{print $1"/"$2}'); do
    if ! grep -qxF "$vc" <<<"$before"; then
      echo "postgres: removing the cluster $vc that the package created (medshare runs its own)"
      pg_dropcluster --stop "${vc%%/*}" "${vc#*/}" || pg_ctlcluster "${vc%%/*}" "${vc#*/}" stop || true
    fi
  done
  BIN="$(newest_bin || true)"
  [[ -n "$BIN" ]] || die "installed 'postgresql' but still no /usr/lib/postgresql/*/bin/initdb"
}

# initdb refuses to run as root: as root, servers run as the unprivileged OS user.
as_pg() {
  if ((EUID == 0)); then
    (cd / && runuser -u "$OS_USER" -- "$@")
  else
    "$@"
  fi
}

# The instance folder: <repo>/.data/postgres/<name> when the server's user can reach it, else
# (e.g. a clone under /root, mode 0700) /tmp/medshare-pg-<hash>/<name>, symlinked from .data.
instance_dir() {
  local name="$1" dir
  local link="$BASE/$name"
  if [[ -L "$link" ]]; then
    dir="$(readlink "$link")"
    mkdir -p "$dir" # /tmp may have been wiped since; the instance then starts empty again
    if ((EUID == 0)); then chown "$OS_USER:" "$(dirname "$dir")" "$dir"; fi
    echo "$dir"
    return 0
  fi
  mkdir -p "$link"
  if ((EUID != 0)); then echo "$link"; return 0; fi
  chown "$OS_USER:" "$link"
  if as_pg test -w "$link" 2>/dev/null; then
    echo "$link"
    return 0
  fi
  rmdir "$link" 2>/dev/null || die "$link is not usable by '$OS_USER' and not empty: move it away"
  dir="$FALLBACK/$name"
  mkdir -p "$dir"
  chmod 755 "$FALLBACK"
  chown "$OS_USER:" "$FALLBACK" "$dir"
  ln -sfn "$dir" "$link"
  cat >"$BASE/WHERE-IS-THE-DATA.txt" <<EOF
The user '$OS_USER' that runs PostgreSQL cannot reach $BASE
(some parent folder lacks search permission for it, e.g. a clone under /root).
So the instances live under $FALLBACK/<name>; the entries here are symlinks to them.
infra/postgres/postgres.sh finds them again through these symlinks.
EOF
  log "$name" "'$OS_USER' cannot reach $BASE: using $dir (symlinked from $link)" >&2
  echo "$dir"
}

socket_dir() {
  local dir="$1/run" port="$2" name="$3"
  # A Unix socket path is limited to 107 bytes: deep clones get a short one under /tmp.
  if ((${#dir} + 14 + ${#port} > 107)); then
    dir="$FALLBACK/$name.run"
  fi
  mkdir -p "$dir"
  if ((EUID == 0)); then chown "$OS_USER:" "$dir"; fi
  echo "$dir"
}

pg_is_running() { as_pg "$1/pg_ctl" status -D "$2" >/dev/null 2>&1; }

# The development CA (if no broker made it yet) and one server certificate for every instance; the same files and
# lock as infra/kafka/kafka.sh, nothing committed.
ensure_tls_material() {
  [[ "$TLS" == on ]] || { [[ "$TLS" == off ]] && return 0; die "PG_TLS must be on or off (got '$TLS')"; }
  command -v openssl >/dev/null || die "openssl not found (Debian: apt-get install -y openssl), or set PG_TLS=off"
  mkdir -p "$SECRETS"
  chmod 700 "$SECRETS"
  exec 8>"$SECRETS/.lock"
  flock 8
  (
    umask 077
    cd "$SECRETS"
    if [[ ! -s ca.key ]]; then
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=medshare development CA" \
        -keyout ca.key -out ca.pem 2>/dev/null
      chmod 644 ca.pem
    fi
    if [[ ! -s postgres.pem ]]; then
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=postgres" -keyout postgres.key -out postgres.csr 2>/dev/null
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >postgres.ext
      openssl x509 -req -in postgres.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -extfile postgres.ext -out postgres.pem 2>/dev/null
      rm -f postgres.csr postgres.ext ca.srl
    fi
  ) || die "could not make the PostgreSQL TLS certificate in $SECRETS"
  exec 8>&-
}

# What a client needs for TLS when its URL names no sslmode (`npm start` reads it, as it reads Kafka's client.env):
# node-postgres takes PGSSLMODE=verify-full from the environment and Node trusts the development CA through
# NODE_EXTRA_CA_CERTS, so the services' default URLs get TLS with the certificate and the server's name checked, as
# the production profile's `sslmode=verify-full` URLs do. Written only when every server just started answers such a
# client (PG_TLS=off, or a server still running from before TLS, offers none: no file, clients stay in clear text).
write_client_env() {
  local name
  rm -f "$BASE/client.env"
  [[ "$TLS" == on ]] || return 0
  for name in "$@"; do
    "$BIN/psql" -X -q -c 'SELECT 1' \
      "host=127.0.0.1 port=$(port_of "$name") user=$DB_USER dbname=postgres sslmode=verify-full sslrootcert=$SECRETS/ca.pem" >/dev/null 2>&1 \
      || { log "$name" "offers no TLS (restart it to take the certificate): clients connect without TLS"; return 0; }
  done
  printf '# Written by infra/postgres/postgres.sh start: the servers offer TLS 1.3.\nPGSSLMODE=verify-full\nNODE_EXTRA_CA_CERTS=%s\n' \
    "$SECRETS/ca.pem" >"$BASE/client.env"
}

# Server options for TLS: the certificate copied into the instance, where the server's user alone may read the key.
tls_opts() {
  [[ "$TLS" == on ]] || return 0
  local dir="$1"
  mkdir -p "$dir/tls"
  cp "$SECRETS/postgres.pem" "$dir/tls/server.crt"
  cp "$SECRETS/postgres.key" "$dir/tls/server.key"
  chmod 600 "$dir/tls/server.key"
  if ((EUID == 0)); then chown -R "$OS_USER:" "$dir/tls"; fi
  echo " -c ssl=on -c ssl_cert_file='$dir/tls/server.crt' -c ssl_key_file='$dir/tls/server.key' -c ssl_min_protocol_version=TLSv1.3"
}

start_one() {
  local name="$1" port dir data sock bin
  port="$(port_of "$name")"
  dir="$(instance_dir "$name")"
  data="$dir/data"
  sock="$(socket_dir "$dir" "$port" "$name")"
  bin="$BIN"
  if [[ -f "$data/PG_VERSION" ]]; then
    # Data written by one major version needs that version's server.
    local ver
    ver="$(cat "$data/PG_VERSION")"
    if [[ -z "${PG_BIN:-}" && -x "/usr/lib/postgresql/$ver/bin/postgres" ]]; then
      bin="/usr/lib/postgresql/$ver/bin"
    elif [[ "$("$bin/postgres" --version | grep -oE '[0-9]+' | head -n1)" != "$ver" ]]; then
      die "$data was made by PostgreSQL $ver but only $bin is available: install $ver or remove $dir"
    fi
  else
    log "$name" "initdb $data ($("$bin/postgres" --version))"
    as_pg "$bin/initdb" -D "$data" -A trust -U "$DB_USER" -E UTF8 --locale=C --no-sync \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed for $name"; }
    if ((EUID == 0)); then chown "$OS_USER:" "$dir/initdb.log"; fi
  fi

  if pg_is_running "$bin" "$data"; then
    local running_port
    running_port="$(sed -n 4p "$data/postmaster.pid" 2>/dev/null || as_pg sed -n 4p "$data/postmaster.pid")"
    if [[ "$running_port" != "$port" ]]; then
      die "$name is already running on port $running_port, not $port: stop it first ($0 stop $name)"
    fi
    log "$name" "already running on 127.0.0.1:$port"
  else
    port_open "$port" && die "port $port (instance $name) is taken by another process: set PG_${name^^}_PORT"
    # Logs keep no SQL text and no DETAIL lines: they could carry data values (security invariant 1).
    local opts="-p $port -k '$sock' -c listen_addresses=127.0.0.1 -c max_connections=200"
    opts+=" -c shared_buffers=128MB -c log_min_error_statement=panic -c log_error_verbosity=terse"
    opts+="$(tls_opts "$dir") ${PG_EXTRA_OPTS:-}"
    if ! as_pg "$bin/pg_ctl" start -D "$data" -l "$dir/postgres.log" -w -t 60 -o "$opts" \
        >"$dir/pg_ctl.out" 2>&1; then
      cat "$dir/pg_ctl.out" >&2
      echo "---- last lines of $dir/postgres.log ----" >&2
      tail -n 20 "$dir/postgres.log" >&2 || true
      die "$name did not start on port $port"
    fi
    log "$name" "started on 127.0.0.1:$port (data $data)"
  fi

  local dbs
  dbs="$(databases_of "$name")"
  if [[ -n "$dbs" ]]; then
    # One round trip; \gexec runs a CREATE DATABASE only for those that do not exist yet.
    "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$DB_USER" -d postgres <<EOF \
      || die "could not create the databases on $name"
SELECT format('CREATE DATABASE %I', d)
FROM unnest(string_to_array('$dbs', ' ')) AS d
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d)
\gexec
EOF
  fi
}

stop_one() {
  local name="$1" link="$BASE/$1" dir data
  if [[ ! -e "$link" ]]; then log "$name" "not initialised"; return 0; fi
  dir="$(readlink -f "$link")"
  data="$dir/data"
  if ! pg_is_running "$BIN" "$data"; then log "$name" "not running"; return 0; fi
  as_pg "$BIN/pg_ctl" stop -D "$data" -m fast -w -t 60 >/dev/null \
    || die "$name did not stop within 60 s (see $dir/postgres.log)"
  log "$name" "stopped"
}

status_one() {
  local name="$1" link="$BASE/$1" port dir
  port="$(port_of "$name")"
  if [[ ! -e "$link" ]]; then log "$name" "not initialised (port $port)"; return 3; fi
  dir="$(readlink -f "$link")"
  if pg_is_running "$BIN" "$dir/data"; then
    log "$name" "running on 127.0.0.1:$port, data $dir/data"
  else
    log "$name" "stopped (port $port, data $dir/data)"
    return 3
  fi
}

# Runs one action for every instance at once (initdb and start are mostly waiting), then reports.
for_all() {
  local action="$1" name rc=0
  shift
  local -a pids=()
  for name in "$@"; do
    "$action" "$name" &
    pids+=($!)
  done
  local pid
  for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
  return "$rc"
}

main() {
  local cmd="${1:-}"
  shift || true
  local -a names=("$@")
  ((${#names[@]})) || names=("${DEFAULT_INSTANCES[@]}")
  local n
  for n in "${names[@]}"; do
    [[ "$n" =~ ^[a-z][a-z0-9_]*$ ]] || die "bad instance name '$n' (lower-case letters, digits, _)"
    port_of "$n" >/dev/null
  done
  case "$cmd" in
    start | stop | status | restart) ;;
    *) echo "usage: $0 start|stop|status|restart [NAME...]   (default: ${DEFAULT_INSTANCES[*]})" >&2; exit 2 ;;
  esac
  if ((EUID == 0)); then
    id -u "$OS_USER" >/dev/null 2>&1 \
      || die "user '$OS_USER' does not exist (create it: useradd --system --home-dir /var/lib/postgresql $OS_USER)"
  fi
  if [[ "$cmd" == status || "$cmd" == stop ]]; then
    BIN="$(newest_bin || true)"
    [[ -n "$BIN" ]] || die "no PostgreSQL binaries found (nothing can be running)"
  else
    ensure_binaries
  fi
  mkdir -p "$BASE"
  # One start/stop at a time per clone; fd 9 is closed for the servers so they never hold it.
  exec 9>"$BASE/.lock"
  flock 9
  case "$cmd" in
    start) ensure_tls_material && for_all start_one "${names[@]}" 9>&- && write_client_env "${names[@]}" ;;
    stop) for_all stop_one "${names[@]}" 9>&- ;;
    restart) for_all stop_one "${names[@]}" 9>&- && ensure_tls_material && for_all start_one "${names[@]}" 9>&- && write_client_env "${names[@]}" ;;
    status)
      # Sequential: a status listing reads best in a fixed order.
      local rc=0
      for n in "${names[@]}"; do status_one "$n" || rc=$?; done
      return "$rc"
      ;;
  esac
}

main "$@"
