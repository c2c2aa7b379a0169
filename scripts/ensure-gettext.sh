#!/usr/bin/env bash
# Make sure GNU gettext (msgfmt, msgmerge) is present: the translation checks
# (tests/test_translations.py) run `msgfmt -c` on every catalogue under locales/.
set -euo pipefail

if command -v msgfmt >/dev/null 2>&1 && command -v msgmerge >/dev/null 2>&1; then
    echo "gettext: found $(msgfmt --version | head -n 1)"
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "gettext: installing Debian's gettext package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends gettext >/dev/null
    echo "gettext: installed $(msgfmt --version | head -n 1)"
    exit 0
fi

cat >&2 <<MSG
gettext: msgfmt is missing and this shell cannot install it (not root, or no apt-get).
Install Debian's package yourself:  sudo apt-get install gettext
The msgfmt check of the translations is skipped until then.
MSG
exit 0
