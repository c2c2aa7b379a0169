/* nncourse website behaviour. Loaded with `defer`, so it runs after the page is parsed and
 * before DOMContentLoaded, which is when sphinx-togglebutton collapses what we mark here. */
(function () {
  "use strict";

  // Menus at every width. pydata-sphinx-theme 0.17 binds its sidebar dialogs to the first
  // .primary-toggle / .secondary-toggle in the page, which is the button in its own header;
  // sphinx-book-theme hides that header and shows its own buttons, which then do nothing
  // (pydata-sphinx-theme #2451). Each visible button forwards its click to the bound one.
  ["primary", "secondary"].forEach(function (side) {
    var buttons = document.querySelectorAll("." + side + "-toggle");
    var bound = buttons[0];
    Array.prototype.slice.call(buttons, 1).forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
      if (!button.getAttribute("aria-label")) {
        button.setAttribute("aria-label", side === "primary" ? "Site navigation" : "On this page");
      }
    });
  });

  // Icon-only buttons get an accessible name from their tooltip.
  document.querySelectorAll("button, a.btn").forEach(function (button) {
    if (!button.getAttribute("aria-label") && !(button.textContent || "").trim()) {
      var name = button.getAttribute("title") || button.getAttribute("data-bs-original-title");
      if (name) {
        button.setAttribute("aria-label", name);
      }
    }
  });

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
