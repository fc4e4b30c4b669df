#!/usr/bin/env bash
# npm run up: the servers (installed on first use), then the five services, all in the background.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=deploy/local/node-env.sh
source "$ROOT/deploy/local/node-env.sh" # the services run on the node that runs this (>= engines)
bash "$ROOT/deploy/local/servers.sh" start
cd "$ROOT"
# The web console's bundle, built when missing or stale (served by the ingress at /console/).
node --import tsx scripts/console-build.ts
exec node --import tsx scripts/services.ts up
