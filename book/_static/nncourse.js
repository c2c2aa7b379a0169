/* nncourse website behaviour. Loaded with `defer`, so it runs after the page is parsed and
 * before DOMContentLoaded, which is when sphinx-togglebutton collapses what we mark here. */
(function () {
  "use strict";

  // Lab code cells that hold a solution (`# BEGIN SOLUTION` ... `# END SOLUTION`) start
  // collapsed, like cells tagged "solution" and the chapters' {solution} blocks.
  document.querySelectorAll("div.cell").forEach(function (cell) {
    var source = cell.querySelector(".cell_input");
    if (source && /#+\s*BEGIN SOLUTION/i.test(source.textContent)) {
      cell.classList.add("tag_solution");
    }
  });

  // Explorers need a live kernel. A cell tagged "explorer" shows the explorer's static figure;
  // under it we add the page's launch links (the same ones as the rocket menu in the header).
  // Colab opens .ipynb files only: on a chapter written in MyST Markdown its link would fail,
  // so it is removed there (Binder and JupyterHub open .md pages through jupytext).
  document.querySelectorAll(".dropdown-launch-buttons a[href]").forEach(function (a) {
    var href = a.getAttribute("href") || "";
    if (href.indexOf("colab.research.google.com") !== -1 && /\.md$/.test(href)) {
      var item = a.closest("li") || a;
      item.parentNode.removeChild(item);
    }
  });

  function launchLinks() {
    var links = [];
    document.querySelectorAll(".dropdown-launch-buttons a[href]").forEach(function (a) {
      var text = a.querySelector(".btn__text-container") || a;
      var label = (text.textContent || "").trim();
      if (label) {
        links.push({ href: a.getAttribute("href"), label: label });
      }
    });
    return links;
  }

  function addLaunchBars() {
    var targets = document.querySelectorAll(".cell.tag_explorer, div.nncourse-explorer");
    if (!targets.length) {
      return;
    }
    var links = launchLinks();
    targets.forEach(function (target) {
      if (target.nextElementSibling && target.nextElementSibling.classList.contains("nncourse-launch-bar")) {
        return;
      }
      var bar = document.createElement("div");
      bar.className = "nncourse-launch-bar";
      var text = document.createElement("span");
      text.textContent = "This explorer needs a running Python kernel. The figure shows its default setting.";
      bar.appendChild(text);
      links.forEach(function (link) {
        var a = document.createElement("a");
        a.className = "nncourse-launch";
        a.href = link.href;
        a.textContent = "Launch on " + link.label;
        a.target = "_blank";
        a.rel = "noopener";
        bar.appendChild(a);
      });
      target.insertAdjacentElement("afterend", bar);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", addLaunchBars);
  } else {
    addLaunchBars();
  }
})();
