/* Loaded between require.js and the widget manager (embed-amd.js) on pages with saved widgets.
 * The manager finds its icon fonts relative to the URL that RequireJS gives its module
 * ("@jupyter-widgets/html-manager/dist/..."). Setting the base URL to _static/site-js/ makes that
 * _static/site-js/@jupyter-widgets/html-manager/dist/, where scripts/build-widget-js.sh puts
 * the fonts, on every page whatever its folder. */
(function () {
  "use strict";
  // The widget controls typeset their labels with the MathJax 2 call MathJax.Hub.Queue; the
  // site runs MathJax 3, so without this bridge every label throws. Installed now, and again once
  // the deferred MathJax script has set up its global (before the widgets render).
  function bridgeMathJax() {
    var mathjax = window.MathJax;
    if (!mathjax || mathjax.Hub) {
      return;
    }
    mathjax.Hub = {
      Queue: function (job) {
        var element = job && job[2];
        if (element && window.MathJax && window.MathJax.typesetPromise) {
          // Labels write math as $w_1$; the site's MathJax reads \( \) for inline math.
          var walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
          for (var node = walker.nextNode(); node; node = walker.nextNode()) {
            if (node.nodeValue.indexOf("$") !== -1) {
              node.nodeValue = node.nodeValue.replace(/\$([^$]+)\$/g, "\\($1\\)");
            }
          }
          window.MathJax.typesetPromise([element]).catch(function () {});
        }
      },
    };
  }
  bridgeMathJax();
  document.addEventListener("DOMContentLoaded", bridgeMathJax);
  window.addEventListener("load", bridgeMathJax);

  var here = document.currentScript && document.currentScript.src;
  if (!here || typeof window.require === "undefined" || !window.require.config) {
    return;
  }
  var staticRoot = here.split("?")[0].replace(/[^/]*$/, "");
  window.require.config({ baseUrl: staticRoot + "site-js/" });
})();
