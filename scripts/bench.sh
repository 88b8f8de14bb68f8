#!/usr/bin/env bash
# `npm run bench [module...]`: build, make sure Kafka and PostgreSQL run, then the benchmark modules.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build
bash infra/up.sh >/dev/null
node tools/cli/bin/medshare.js topics create
node dist/test/bench/src/main.js "$@"
