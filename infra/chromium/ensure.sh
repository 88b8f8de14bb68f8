#!/usr/bin/env bash
# Prints the path of a Chromium for the browser end-to-end tests, installing Debian's `chromium` when it is missing
# and this runs as root (as infra/postgres installs PostgreSQL). Nothing downloads a browser of its own.
#   bash infra/chromium/ensure.sh        (CHROMIUM_PATH overrides the search)
set -euo pipefail

find_chromium() {
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [[ -n "$candidate" && -x "$candidate" ]]; then echo "$candidate"; return 0; fi
  done
  return 1
}

if find_chromium; then exit 0; fi
if [[ "$(id -u)" != 0 ]]; then
  echo "chromium: not installed and not root; install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH" >&2
  exit 1
fi
echo "chromium: installing Debian's chromium" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2 \
  || { DEBIAN_FRONTEND=noninteractive apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2; }
find_chromium
