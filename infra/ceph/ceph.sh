#!/usr/bin/env bash
# Native Ceph (Debian's packages) as medshare's replicated S3 store for attachments: one monitor, one manager,
# three BlueStore OSDs on sparse files, cephx, pools size 3 / min_size 2, radosgw (S3) on 127.0.0.1.
# All state lives in <repo>/.data/ceph (CEPH_DATA_DIR).
#
#   infra/ceph/ceph.sh start|stop|status|wait|restart
#   infra/ceph/ceph.sh env            # prints the S3_* variables of this store (eval "$(… env)"; tests read it)
#   infra/ceph/ceph.sh kill-osd N     # SIGKILL OSD N (tests: lose a storage node); `start` brings it back
#   infra/ceph/ceph.sh ceph ARGS...   # the `ceph` CLI against this cluster (e.g. ceph -s, ceph osd tree)
#
# Environment: CEPH_MON_PORT (16789, messenger v1) and CEPH_MON_V2_PORT (13300), CEPH_RGW_PORT (17480),
# CEPH_PORT_MIN/CEPH_PORT_MAX (16800/16999: OSD and manager ports), CEPH_OSD_SIZE (sparse block file per OSD,
# 20G), CEPH_DATA_DIR (<repo>/.data/ceph), CEPH_WAIT_TIMEOUT (120 s), S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY
# (the S3 user created on first start; development defaults below), S3_BUCKET (medshare-files).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
DATA="${CEPH_DATA_DIR:-$ROOT/.data/ceph}"
[[ "$DATA" == /* ]] || DATA="$PWD/$DATA"
CONF="$DATA/ceph.conf"
ADMIN_KEYRING="$DATA/client.admin.keyring"
MON_PORT="${CEPH_MON_PORT:-16789}"
MON_V2_PORT="${CEPH_MON_V2_PORT:-13300}"
RGW_PORT="${CEPH_RGW_PORT:-17480}"
PORT_MIN="${CEPH_PORT_MIN:-16800}"
PORT_MAX="${CEPH_PORT_MAX:-16999}"
OSD_SIZE="${CEPH_OSD_SIZE:-20G}"
OSDS=(0 1 2)
WAIT_TIMEOUT="${CEPH_WAIT_TIMEOUT:-120}"
# Development credentials, public like the dev seed; production stores get their own through the environment.
ACCESS_KEY="${S3_ACCESS_KEY_ID:-medshare-dev}"
SECRET_KEY="${S3_SECRET_ACCESS_KEY:-medshare-dev-secret-not-for-production}"
BUCKET="${S3_BUCKET:-medshare-files}"

say() { echo "ceph: $*"; }
die() { echo "ceph: ERROR: $*" >&2; exit 1; }

for p in "$MON_PORT" "$MON_V2_PORT" "$RGW_PORT" "$PORT_MIN" "$PORT_MAX" "$WAIT_TIMEOUT"; do
  [[ "$p" =~ ^[0-9]+$ ]] || die "not a number: '$p' (check the CEPH_* variables)"
done

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
cephcli() { ceph --conf "$CONF" --name client.admin --keyring "$ADMIN_KEYRING" --connect-timeout 10 "$@"; }

# A daemon's pid, only while that process is alive and is the daemon of this data folder (pids get reused).
pid_of() {
  local file="$DATA/run/$1.pid" pid
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$CONF" || return 1
  echo "$pid"
}

ensure_packages() {
  local missing=()
  command -v ceph-mon >/dev/null || missing+=(ceph-mon)
  command -v ceph-osd >/dev/null || missing+=(ceph-osd)
  command -v ceph-mgr >/dev/null || missing+=(ceph-mgr)
  command -v radosgw >/dev/null || missing+=(radosgw)
  command -v ceph >/dev/null || missing+=(ceph-common)
  ((${#missing[@]} == 0)) && return 0
  if ((EUID != 0)); then
    die "Ceph binaries missing (${missing[*]}). Install them as root:
  apt-get install -y --no-install-recommends ceph-mon ceph-osd ceph-mgr radosgw ceph-common"
  fi
  say "installing Debian's Ceph packages (${missing[*]}; ~40 s, ~75 MB)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ceph-mon ceph-osd ceph-mgr radosgw ceph-common >"$DATA/apt.out" 2>&1 \
    || { apt-get update >>"$DATA/apt.out" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ceph-mon ceph-osd ceph-mgr radosgw ceph-common >>"$DATA/apt.out" 2>&1; } \
    || die "apt-get install failed (see $DATA/apt.out)"
}

# Regenerated on every start (change this script, not the file). Pitfalls measured on one host: without
# chooseleaf type 0 placement groups never go active; the packaged defaults (ports 6800-7300, 4 GiB memory
# target per OSD) would collide with other software and swamp a small machine; radosgw's 7-8 pools need small
# placement-group counts on three OSDs.
write_conf() {
  cat >"$CONF" <<CONF
[global]
fsid = $(cat "$DATA/fsid")
mon host = [v2:127.0.0.1:$MON_V2_PORT,v1:127.0.0.1:$MON_PORT]
mon initial members = a
public network = 127.0.0.0/8
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
run dir = $DATA/run
pid file = $DATA/run/\$name.pid
admin socket = $DATA/run/\$cluster-\$name.asok
log file = $DATA/log/\$name.log
ms bind port min = $PORT_MIN
ms bind port max = $PORT_MAX
osd pool default size = 3
osd pool default min size = 2
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon max pg per osd = 400
mon allow pool delete = true
auth allow insecure global id reclaim = false
mon warn on pool no redundancy = false
mon data avail warn = 5
mon data avail crit = 2

[client]
keyring = $DATA/\$name.keyring

[mon]
mon data = $DATA/mon/\$cluster-\$id

[mgr]
mgr data = $DATA/mgr/\$cluster-\$id
mgr initial modules = status

[osd]
osd data = $DATA/osd/\$cluster-\$id
osd objectstore = bluestore
bluestore block create = true
bluestore block size = $(numfmt --from=iec "$OSD_SIZE")
osd memory target = 939524096
bluestore cache autotune = true
osd op num threads per shard = 1
osd heartbeat grace = 10

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $DATA/rgw/\$cluster-\$id
rgw thread pool size = 64
rgw crypt require ssl = false
rgw enable usage log = false
CONF
}

# First start only: keys, monitor map and the monitor's store.
bootstrap_mon() {
  [[ -d "$DATA/mon/ceph-a" ]] && return 0
  say "bootstrapping a new cluster in $DATA"
  cat /proc/sys/kernel/random/uuid >"$DATA/fsid"
  write_conf
  ceph-authtool --create-keyring "$DATA/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$ADMIN_KEYRING" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
  ceph-authtool "$DATA/mon.keyring" --import-keyring "$ADMIN_KEYRING" >/dev/null
  monmaptool --create --fsid "$(cat "$DATA/fsid")" --addv a "[v2:127.0.0.1:$MON_V2_PORT,v1:127.0.0.1:$MON_PORT]" "$DATA/monmap" >/dev/null
  mkdir -p "$DATA/mon/ceph-a"
  ceph-mon --conf "$CONF" --mkfs -i a --monmap "$DATA/monmap" --keyring "$DATA/mon.keyring"
}

start_mon() {
  pid_of mon.a >/dev/null && return 0
  ceph-mon --conf "$CONF" -i a 2>>"$DATA/log/mon.a.out"
}

start_mgr() {
  pid_of mgr.x >/dev/null && return 0
  if [[ ! -f "$DATA/mgr/ceph-x/keyring" ]]; then
    mkdir -p "$DATA/mgr/ceph-x"
    cephcli auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' -o "$DATA/mgr/ceph-x/keyring"
  fi
  ceph-mgr --conf "$CONF" -i x --keyring "$DATA/mgr/ceph-x/keyring" 2>>"$DATA/log/mgr.x.out"
}

# Ids come from the monitor one at a time; `osd new` with a kept uuid is idempotent, so an interrupted first start
# gets the same id again.
allocate_osd() {
  local n="$1" dir="$DATA/osd/ceph-$1" uuid id
  [[ -f "$dir/ready" ]] && return 0
  uuid="$(cat "$dir.uuid" 2>/dev/null || cat /proc/sys/kernel/random/uuid)"
  echo "$uuid" >"$dir.uuid"
  id="$(cephcli osd new "$uuid")"
  [[ "$id" == "$n" ]] || die "the monitor gave OSD id $id, expected $n (remove $DATA and start again)"
}

# Formats a new OSD's BlueStore (a sparse block file in its folder) once, then starts it.
start_osd() {
  local n="$1" dir="$DATA/osd/ceph-$1"
  pid_of "osd.$n" >/dev/null && return 0
  if [[ ! -f "$dir/ready" ]]; then
    rm -rf "$dir" && mkdir -p "$dir"
    ceph-osd --conf "$CONF" -i "$n" --no-mon-config --mkfs --mkkey --osd-uuid "$(cat "$dir.uuid")" --keyring "$dir/keyring" >"$DATA/log/osd.$n.mkfs.out" 2>&1 \
      || die "ceph-osd --mkfs failed for osd.$n (see $DATA/log/osd.$n.mkfs.out)"
    cephcli auth add "osd.$n" osd 'allow *' mon 'allow profile osd' mgr 'allow profile osd' -i "$dir/keyring" >/dev/null 2>&1 || true
    touch "$dir/ready"
  fi
  ceph-osd --conf "$CONF" -i "$n" --keyring "$dir/keyring" 2>>"$DATA/log/osd.$n.out"
}

start_rgw() {
  pid_of client.rgw.a >/dev/null && return 0
  if [[ ! -f "$DATA/rgw/ceph-rgw.a/keyring" ]]; then
    mkdir -p "$DATA/rgw/ceph-rgw.a"
    cephcli auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' -o "$DATA/rgw/ceph-rgw.a/keyring"
  fi
  radosgw --conf "$CONF" -n client.rgw.a --keyring "$DATA/rgw/ceph-rgw.a/keyring" 2>>"$DATA/log/rgw.a.out"
}

# The S3 user, once radosgw has created its pools (radosgw-admin would otherwise create them with other settings).
ensure_user() {
  [[ -f "$DATA/rgw/user-created" ]] && return 0
  radosgw-admin --conf "$CONF" -n client.admin --keyring "$ADMIN_KEYRING" user create --uid=medshare --display-name=medshare \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >"$DATA/rgw/user.json" 2>"$DATA/log/radosgw-admin.err" \
    || radosgw-admin --conf "$CONF" -n client.admin --keyring "$ADMIN_KEYRING" user info --uid=medshare >"$DATA/rgw/user.json" 2>>"$DATA/log/radosgw-admin.err" \
    || return 1
  touch "$DATA/rgw/user-created"
}

s3_env() {
  cat <<ENV
S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
S3_REGION=default
S3_ACCESS_KEY_ID=$ACCESS_KEY
S3_SECRET_ACCESS_KEY=$SECRET_KEY
S3_BUCKET=$BUCKET
ENV
}

# Ready means a signed PUT and GET of an object went through radosgw: health answers long before that.
s3_ready() {
  env $(s3_env) node "$SCRIPT_DIR/s3-probe.js" >"$DATA/log/probe.out" 2>&1
}

wait_ready() {
  local deadline=$((SECONDS + WAIT_TIMEOUT))
  until port_open "$RGW_PORT" && ensure_user && s3_ready; do
    if ((SECONDS >= deadline)); then
      echo "ceph: not S3-ready after ${WAIT_TIMEOUT}s; last probe: $(tail -n 3 "$DATA/log/probe.out" 2>/dev/null)" >&2
      cephcli -s >&2 2>&1 || true
      return 1
    fi
    sleep 1
  done
}

cmd_start() {
  mkdir -p "$DATA"/{run,log,mon,mgr,osd,rgw}
  ensure_packages
  [[ -f "$ROOT/node_modules/@aws-sdk/client-s3/package.json" ]] || die "run npm ci first (the readiness probe uses @aws-sdk/client-s3)"
  local t0=$SECONDS
  # Every step starts only what is not running: after `kill-osd` this brings back just that OSD.
  bootstrap_mon
  write_conf
  start_mon
  start_mgr
  for n in "${OSDS[@]}"; do allocate_osd "$n"; done
  local jobs=() job
  for n in "${OSDS[@]}"; do start_osd "$n" & jobs+=($!); done
  for job in "${jobs[@]}"; do wait "$job" || die "an OSD did not start (see $DATA/log)"; done
  start_rgw
  wait_ready || die "see the logs in $DATA/log"
  say "S3 ready on http://127.0.0.1:$RGW_PORT after $((SECONDS - t0))s (bucket $BUCKET; credentials: bash $0 env)"
}

stop_daemon() {
  local pid
  pid="$(pid_of "$1")" || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do [[ -e "/proc/$pid" ]] || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# radosgw first (it would hang on OSDs that are gone), then the OSDs, then manager and monitor.
cmd_stop() {
  stop_daemon client.rgw.a
  for n in "${OSDS[@]}"; do stop_daemon "osd.$n" & done
  wait
  stop_daemon mgr.x
  stop_daemon mon.a
  say "stopped"
}

cmd_status() {
  local name rc=0
  for name in mon.a mgr.x osd.0 osd.1 osd.2 client.rgw.a; do
    if pid_of "$name" >/dev/null; then say "$name running"; else say "$name stopped"; rc=3; fi
  done
  return $rc
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) cmd_stop && cmd_start ;;
  status) cmd_status ;;
  wait) wait_ready ;;
  env) s3_env ;;
  kill-osd)
    [[ "${2:-}" =~ ^[0-2]$ ]] || die "kill-osd needs an OSD number 0-2"
    pid="$(pid_of "osd.$2")" || die "osd.$2 is not running"
    kill -9 "$pid" && say "osd.$2 (pid $pid) killed with SIGKILL" ;;
  ceph) shift; cephcli "$@" ;;
  *) echo "usage: $0 start|stop|restart|status|wait|env|kill-osd N|ceph ARGS..." >&2; exit 2 ;;
esac
