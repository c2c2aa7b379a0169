// Search result snippets leave out folded blocks (answers, hidden code). Sphinx cuts a snippet
// from the page's own HTML; the answers pages and folded blocks are already left out of the
// index (book/_ext/nncourse_answers.py), this keeps them out of the text shown under a result.
(function () {
  "use strict";
  const FOLDED = [
    "div.solution", ".admonition.dropdown", "details", ".toggle", ".cell.tag_solution",
    ".cell.tag_hide-input", ".cell.tag_hide-cell", ".cell.tag_hide-output",
  ].join(", ");

  function patch() {
    if (typeof Search === "undefined" || Search.nncourseFolded) {
      return;
    }
    const original = Search.htmlToText;
    Search.htmlToText = function (htmlString, anchor) {
      const page = new DOMParser().parseFromString(htmlString, "text/html");
      page.querySelectorAll(FOLDED).forEach((element) => element.remove());
      page.querySelectorAll(".cell").forEach((cell) => {
        const source = cell.querySelector(".cell_input pre");
        if (source && /#+\s*BEGIN SOLUTION/i.test(source.textContent)) {
          cell.remove();
        }
      });
      return original.call(this, page.documentElement.outerHTML, anchor);
    };
    Search.nncourseFolded = true;
  }

  patch();
  document.addEventListener("DOMContentLoaded", patch);
})();
