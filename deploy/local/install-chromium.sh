#!/usr/bin/env bash
# Install Debian's chromium for the console's browser test (playwright-core drives it through
# executablePath; no browser is downloaded). Idempotent: nothing to do when /usr/bin/chromium exists.
#
#   deploy/local/install-chromium.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"

CHROMIUM="${ASYNCFN_CHROMIUM:-/usr/bin/chromium}"
[[ -x "$CHROMIUM" ]] && exit 0
[[ "$(id -u)" == 0 ]] && have apt-get || die "chromium is needed at $CHROMIUM for the console test: apt-get install chromium (as root)"
warn "installing Debian's chromium (console browser test)"
apt=(apt-get -o DPkg::Lock::Timeout=300 -y -q --no-install-recommends)
DEBIAN_FRONTEND=noninteractive "${apt[@]}" install chromium fonts-dejavu-core > /dev/null ||
  { apt-get -o DPkg::Lock::Timeout=300 update -q > /dev/null &&
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install chromium fonts-dejavu-core > /dev/null; }
[[ -x "$CHROMIUM" ]] || die "chromium installed, but $CHROMIUM is missing"
