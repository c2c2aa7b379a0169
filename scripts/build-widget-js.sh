#!/usr/bin/env bash
# JavaScript served with the website, from the npm registry (never a CDN at page load).
#
#   bash scripts/build-widget-js.sh                  install the pinned packages of
#                                                    site/widgets/package-lock.json (npm ci)
#   bash scripts/build-widget-js.sh --copy-into DIR  copy them into DIR/_static/site-js/ and check
#                                                    that no page of DIR loads a script from a CDN
#
# What is served (paths set in _config.yml):
#   _static/site-js/require.js                  AMD loader the widget manager needs (requirejs)
#   _static/site-js/@jupyter-widgets/html-manager/dist/embed-amd.js
#                                              renders saved ipywidgets views (html-manager); the
#                                              folder mirrors the AMD module id so that its icon
#                                              fonts resolve (see book/_static/nncourse-require-config.js)
#   _static/site-js/mathjax/                    MathJax 3 (es5 build): its web fonts, and the
#                                              script for pages with saved widgets
#   _static/nncourse-math.css                   glyph styles of the formulas, which
#                                              scripts/render-math.js typesets at build time
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PKG_DIR="$ROOT/site/widgets"
MODULES="$PKG_DIR/node_modules"

install_packages() {
    if ! command -v npm >/dev/null 2>&1; then
        echo "build-widget-js: npm is missing. Install Node.js 18 or newer (Debian: apt-get install nodejs npm)." >&2
        exit 1
    fi
    # npm ci is skipped when node_modules already matches the lock file (a cached build).
    local stamp="$MODULES/.package-lock.json"
    if [ -f "$stamp" ] && [ "$stamp" -nt "$PKG_DIR/package-lock.json" ] \
        && [ -f "$MODULES/@jupyter-widgets/html-manager/dist/embed-amd.js" ] \
        && [ -f "$MODULES/axe-core/axe.min.js" ]; then
        echo "build-widget-js: node_modules is up to date"
        return
    fi
    echo "build-widget-js: npm ci in site/widgets"
    (cd "$PKG_DIR" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
}

copy_into() {
    local dest="$1/_static/site-js"
    if [ ! -d "$1" ]; then
        echo "build-widget-js: $1 does not exist; build the site first (make book)." >&2
        exit 1
    fi
    [ -f "$MODULES/@jupyter-widgets/html-manager/dist/embed-amd.js" ] || install_packages
    rm -rf "$dest"
    local manager="$dest/@jupyter-widgets/html-manager/dist"
    mkdir -p "$manager" "$dest/mathjax"
    cp "$MODULES/requirejs/require.js" "$dest/require.js"
    # embed-amd.js bundles the base, controls and output widgets; the font files beside it are
    # the icons its stylesheet refers to (relative URLs, so they must sit next to it).
    local dist="$MODULES/@jupyter-widgets/html-manager/dist"
    cp "$dist/embed-amd.js" "$dist"/*.woff "$dist"/*.woff2 "$dist"/*.ttf "$dist"/*.eot "$dist"/*.svg \
        "$manager/"
    # Some widget stylesheets resolve the same fonts one folder up (@jupyter-widgets/): a copy
    # there too, so no page requests a font that is not served.
    cp "$dist"/*.woff "$dist"/*.woff2 "$dist"/*.ttf "$dist"/*.eot "$dist"/*.svg "$dest/@jupyter-widgets/"
    # MathJax loads its TeX extensions and fonts on demand, relative to the entry script.
    local mj="$MODULES/mathjax/es5"
    cp "$mj/tex-mml-chtml.js" "$dest/mathjax/"
    cp -r "$mj/input" "$mj/ui" "$mj/a11y" "$mj/adaptors" "$mj/sre" "$dest/mathjax/"
    mkdir -p "$dest/mathjax/output"
    cp -r "$mj/output/chtml" "$mj/output/chtml.js" "$dest/mathjax/output/"
    cp "$MODULES/mathjax/LICENSE" "$dest/mathjax/LICENSE"
    echo "build-widget-js: copied widget and MathJax scripts into ${dest#"$ROOT"/}"

    # Formulas are typeset here, once, with the same MathJax (the browser then has no MathJax
    # work on pages without saved widgets; see scripts/render-math.js).
    node "$ROOT/scripts/render-math.js" "$1"

    # Guard: a page that still points at a CDN would break offline and leak requests.
    local hits
    hits="$(grep -rlE '(src|href)="https?://(cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com)' \
        --include='*.html' "$1" || true)"
    if [ -n "$hits" ]; then
        echo "build-widget-js: these pages load scripts from a CDN:" >&2
        echo "$hits" >&2
        exit 1
    fi
}

case "${1:-}" in
    "") install_packages ;;
    --copy-into)
        [ -n "${2:-}" ] || { echo "usage: $0 [--copy-into DIR]" >&2; exit 2; }
        copy_into "$2" ;;
    *) echo "usage: $0 [--copy-into DIR]" >&2; exit 2 ;;
esac
