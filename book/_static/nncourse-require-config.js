/* Loaded between require.js and the widget manager (embed-amd.js) on pages with saved widgets.
 * The manager finds its icon fonts relative to the URL that RequireJS gives its module
 * ("@jupyter-widgets/html-manager/dist/..."). Setting the base URL to _static/site-js/ makes that
 * _static/site-js/@jupyter-widgets/html-manager/dist/, where scripts/build-widget-js.sh puts
 * the fonts, on every page whatever its folder. */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  if (!here || typeof window.require === "undefined" || !window.require.config) {
    return;
  }
  var staticRoot = here.split("?")[0].replace(/[^/]*$/, "");
  window.require.config({ baseUrl: staticRoot + "site-js/" });
})();
