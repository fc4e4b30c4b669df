#!/usr/bin/env bash
# npm run down: the five services, then the servers. Harmless when nothing runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=deploy/local/node-env.sh
source "$ROOT/deploy/local/node-env.sh"
node --import tsx scripts/services.ts down
bash "$ROOT/deploy/local/servers.sh" stop
