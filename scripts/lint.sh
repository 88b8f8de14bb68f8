#!/usr/bin/env bash
# npm run lint: the Nx project graph, formatting, lint rules (module boundaries), strict types, packaging, and the
# generated docs and contracts. The three that keep a core busy for tens of seconds (Prettier, ESLint, tsc) run side
# by side; every check runs, each one's output is shown once it ended, and any failure fails the whole.
set -uo pipefail
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH"

nx show projects >/dev/null || exit 1

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
declare -A pids
prettier --check --log-level warn '**/*.{ts,js,mjs,cjs}' >"$logs/prettier" 2>&1 &
pids[prettier]=$!
eslint . >"$logs/eslint" 2>&1 &
pids[eslint]=$!
tsc -p tsconfig.json --noEmit >"$logs/tsc" 2>&1 &
pids[tsc]=$!
status=0
for name in prettier eslint tsc; do
  code=0
  wait "${pids[$name]}" || code=$?
  cat "$logs/$name"
  ((code == 0)) || { echo "lint: $name failed (exit $code)" >&2 && status=1; }
done

node infra/check-packaging.js || status=1
node tools/cli/bin/medshare.js docs check || status=1
node tools/cli/bin/medshare.js contracts check || status=1
exit $status
