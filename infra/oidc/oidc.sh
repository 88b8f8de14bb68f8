#!/usr/bin/env bash
# The local OpenID Connect provider (infra/oidc/provider.js) for development: the governance dashboard's sign-in.
#
#   infra/oidc/oidc.sh start|stop|status
#
# Environment: OIDC_PORT (3010), OIDC_DATA_DIR (<repo>/.data/oidc: pid and log), and the provider's own variables
# (provider.js). Sign-in state lives in the provider's memory: a restart signs nobody out of governance (its
# sessions are its own), it only cancels sign-ins in flight.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
DATA="${OIDC_DATA_DIR:-$ROOT/.data/oidc}"
PORT="${OIDC_PORT:-3010}"
PIDFILE="$DATA/oidc.pid"
LOG="$DATA/oidc.log"

say() { echo "oidc: $*"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

# Our pid, only while that process is alive and still runs provider.js (pids get reused).
running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$SCRIPT_DIR/provider.js" || return 1
  echo "$pid"
}

case "${1:-}" in
  start)
    if port_open; then say "already answering on 127.0.0.1:$PORT"; exit 0; fi
    mkdir -p "$DATA"
    OIDC_PORT="$PORT" setsid nohup node "$SCRIPT_DIR/provider.js" >>"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 100); do
      if curl -fsS "http://127.0.0.1:$PORT/.well-known/openid-configuration" >/dev/null 2>&1; then
        say "provider on http://127.0.0.1:$PORT (demo users: officer-hosp-a / demo-officer-hosp-a, operator / demo-operator; log $LOG)"
        exit 0
      fi
      sleep 0.1
    done
    echo "oidc: ERROR: the provider did not answer on 127.0.0.1:$PORT; last log lines:" >&2
    tail -n 20 "$LOG" >&2
    exit 1
    ;;
  stop)
    if pid="$(running_pid)"; then
      kill -TERM "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$PIDFILE"
      say "stopped"
    else
      say "not running (from this checkout)"
    fi
    ;;
  status)
    if running_pid >/dev/null; then say "running on 127.0.0.1:$PORT"; exit 0; fi
    say "stopped"
    exit 3
    ;;
  *)
    echo "usage: infra/oidc/oidc.sh start|stop|status" >&2
    exit 2
    ;;
esac
