#!/usr/bin/env bash
# Make sure Debian's headless Chromium is present for the browser test (tests/test_site_browser.py).
# The test drives /usr/bin/chromium through Playwright; a browser is never downloaded by Playwright.
set -euo pipefail

CHROMIUM="${NNCOURSE_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    echo "chromium: found $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "chromium: installing Debian's chromium package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
    echo "chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
    exit 0
fi

cat >&2 <<MSG
chromium: $CHROMIUM is missing and this shell cannot install it (not root, or no apt-get).
Install Debian's package yourself:  sudo apt-get install chromium
or point NNCOURSE_CHROMIUM at an existing Chromium binary. The browser test is skipped until then.
MSG
exit 0
