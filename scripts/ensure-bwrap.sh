#!/usr/bin/env bash
# Make sure bubblewrap (bwrap) is present: `nncourse grade` runs every submission inside it and
# refuses to grade without it (unless --no-sandbox is passed for trusted notebooks).
# The grader also needs setpriv (util-linux, part of every Debian system) to drop to an
# unprivileged uid inside the sandbox.
set -euo pipefail

BWRAP="${NNCOURSE_BWRAP:-$(command -v bwrap || true)}"

if [ -n "$BWRAP" ] && [ -x "$BWRAP" ]; then
    echo "bwrap: found $("$BWRAP" --version 2>/dev/null || echo "$BWRAP")"
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bwrap: installing Debian's bubblewrap package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends bubblewrap >/dev/null
    echo "bwrap: installed $(bwrap --version 2>/dev/null || echo bwrap)"
    exit 0
fi

cat >&2 <<MSG
bwrap: bubblewrap is missing and this shell cannot install it (not root, or no apt-get).
Install Debian's package yourself:  sudo apt-get install bubblewrap
or point NNCOURSE_BWRAP at an existing bwrap binary. Until then the grader refuses to grade
(nncourse grade --no-sandbox runs trusted notebooks only) and the sandbox tests are skipped.
MSG
exit 0
