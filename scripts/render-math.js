#!/usr/bin/env node
// Formulas typeset once, when the site is built, instead of in every reader's browser.
//
//   node scripts/render-math.js SITE_DIR
//
// Every `<span|div class="math notranslate nohighlight">` of every page under SITE_DIR gets
// MathJax's CommonHTML markup (with a hidden MathML copy for screen readers); one shared
// stylesheet, _static/nncourse-math.css, holds the glyph styles and points at MathJax's own web
// fonts (copied into _static/site-js/mathjax by build-widget-js.sh). A page whose formulas are
// all typeset drops the MathJax script: typesetting in the browser took over a second of main
// thread on a slow phone. Pages that show saved widgets keep it (widget labels may hold math
// the page only sees at run time). Running it twice changes nothing.
"use strict";

const fs = require("fs");
const path = require("path");

const site = process.argv[2];
if (!site || !fs.existsSync(path.join(site, "_static"))) {
  console.error("usage: node scripts/render-math.js SITE_DIR (a built site with _static/)");
  process.exit(2);
}
const modules = path.join(__dirname, "..", "site", "widgets", "node_modules");
const MATH = /<(span|div) class="math notranslate nohighlight"([^>]*)>([\s\S]*?)<\/\1>/g;
const EQNO = /<span class="eqno">[\s\S]*?<\/span>/;
const MATHJAX_SCRIPTS = [
  /\s*<script>window\.MathJax = [\s\S]*?<\/script>/,
  /\s*<script[^>]*src="[^"]*site-js\/mathjax\/[^"]*"[^>]*><\/script>/,
];
const WIDGET_STATE = "application/vnd.jupyter.widget-state+json";
const STYLESHEET = "nncourse-math.css";

function unescape(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

function pages(folder) {
  const out = [];
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory() && !["_static", "_images", "_sources", "_notebooks"].includes(entry.name)) {
      out.push(...pages(full));
    } else if (entry.isFile() && entry.name.endsWith(".html")) {
      out.push(full);
    }
  }
  return out;
}

require(path.join(modules, "mathjax", "es5", "node-main.js")).init({
  loader: {
    paths: { mathjax: path.join(modules, "mathjax", "es5") },
    load: ["input/tex", "output/chtml", "a11y/assistive-mml"],
  },
  tex: { packages: { "[+]": ["ams"] } },
  // Relative to _static/nncourse-math.css.
  chtml: { fontURL: "site-js/mathjax/output/chtml/fonts/woff-v2" },
  startup: { typeset: false },
}).then((MathJax) => {
  const adaptor = MathJax.startup.adaptor;
  let formulas = 0;
  const failures = [];
  for (const file of pages(site)) {
    const page = fs.readFileSync(file, "utf8");
    let changed = false;
    let body = page.replace(MATH, (whole, tag, attrs, inner) => {
      if (inner.includes("<mjx-container")) {
        return whole;  // typeset by an earlier run
      }
      const eqno = (inner.match(EQNO) || [""])[0];
      let tex = unescape(inner.replace(EQNO, "")).trim();
      let display = tag === "div";
      if (tex.startsWith("\\(") && tex.endsWith("\\)")) {
        tex = tex.slice(2, -2);
        display = false;
      } else if (tex.startsWith("\\[") && tex.endsWith("\\]")) {
        tex = tex.slice(2, -2);
        display = true;
      } else if (!display) {
        return whole;  // not a formula MathJax would have read
      }
      const node = MathJax.tex2chtml(tex, { display });
      const html = adaptor.outerHTML(node);
      if (html.includes("<mjx-merror")) {
        failures.push(`${path.relative(site, file)}: ${tex.slice(0, 80)}`);
      }
      formulas += 1;
      changed = true;
      return `<${tag} class="math notranslate nohighlight"${attrs}>${eqno}${html}</${tag}>`;
    });
    const hasMath = changed || page.includes("<mjx-container");
    if (hasMath && !body.includes(STYLESHEET)) {
      const depth = path.relative(site, path.dirname(file)).split(path.sep).filter(Boolean).length;
      const href = "../".repeat(depth) + "_static/" + STYLESHEET;
      body = body.replace("</head>", `<link rel="stylesheet" href="${href}" />\n</head>`);
      changed = true;
    }
    if (!body.includes(WIDGET_STATE)) {  // nothing left for MathJax to do on this page
      for (const script of MATHJAX_SCRIPTS) {
        if (script.test(body)) {
          body = body.replace(script, "");
          changed = true;
        }
      }
    }
    if (changed) {
      fs.writeFileSync(file, body);
    }
  }
  // Written last: the stylesheet holds the glyphs of every formula typeset above.
  const css = adaptor.textContent(MathJax.chtmlStylesheet());
  const sheet = path.join(site, "_static", STYLESHEET);
  const before = fs.existsSync(sheet) ? fs.readFileSync(sheet, "utf8") : "";
  if (formulas > 0 || !before) {
    fs.writeFileSync(sheet, before && formulas === 0 ? before : mergeRules(before, css));
  }
  console.log(`render-math: ${formulas} formulas typeset in ${path.relative(process.cwd(), site) || "."}`);
  if (failures.length) {
    console.error("render-math: TeX errors in\n  " + failures.join("\n  "));
    process.exit(1);
  }
}).catch((error) => {
  console.error("render-math:", error);
  process.exit(1);
});

// A second run adds the glyphs of newly typeset formulas without dropping earlier ones.
function mergeRules(before, css) {
  if (!before) {
    return css;
  }
  // MathJax writes one rule per blank-line-separated block.
  const seen = new Set(before.split("\n\n"));
  const extra = css.split("\n\n").filter((rule) => !seen.has(rule));
  return before + (extra.length ? "\n\n" + extra.join("\n\n") : "");
}
