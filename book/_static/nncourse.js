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

  // Lab code cells that hold a solution (`# BEGIN SOLUTION` ... `# END SOLUTION`) start
  // collapsed, like cells tagged "solution" and the chapters' {solution} blocks.
  document.querySelectorAll("div.cell").forEach(function (cell) {
    var source = cell.querySelector(".cell_input");
    if (source && /#+\s*BEGIN SOLUTION/i.test(source.textContent)) {
      cell.classList.add("tag_solution");
    }
  });

  // Launch links: the same ones as the rocket menu in the header (each opens the page's student
  // notebook, see book/_ext/nncourse_launch.py).
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

  function bar(message, kind) {
    var box = document.createElement("div");
    box.className = "nncourse-launch-bar nncourse-" + kind;
    var text = document.createElement("span");
    text.textContent = message;
    box.appendChild(text);
    launchLinks().forEach(function (link) {
      var a = document.createElement("a");
      a.className = "nncourse-launch";
      a.href = link.href;
      a.textContent = "Open in " + link.label;
      a.target = "_blank";
      a.rel = "noopener";
      box.appendChild(a);
    });
    return box;
  }

  // Under a chapter's explorer (precomputed frames): where the full explorer runs.
  function addLaunchBars() {
    document.querySelectorAll(".cell.tag_explorer").forEach(function (cell) {
      var next = cell.nextElementSibling;
      if (next && next.classList.contains("nncourse-launch-bar")) {
        return;
      }
      var message = cell.querySelector(".nncourse-frames")
        ? "The full explorer, with every control, runs in the lab notebook:"
        : "This explorer needs a running Python kernel; the figure shows one setting.";
      cell.insertAdjacentElement("afterend", bar(message, "explorer-launch"));
    });
  }

  // Saved widgets (labs, the introduction) look live but have no kernel behind them: say so
  // above each one, with the launch links.
  function addKernelNotices() {
    var seen = [];
    document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')
      .forEach(function (script) {
        var output = script.closest(".cell_output, .output, .nncourse-saved-widget") || script.parentElement;
        if (!output || seen.indexOf(output) !== -1) {
          return;
        }
        seen.push(output);
        var notice = bar("Needs a running Python kernel: on this page the controls below are a " +
          "saved picture and do nothing. Open the notebook to use them:", "kernel-notice");
        notice.setAttribute("role", "note");
        output.insertAdjacentElement("beforebegin", notice);
      });
  }

  // Icon-only buttons (copy, Play/Stop, theme buttons) get an accessible name from their
  // tooltip; some are added after load (copy buttons, widgets), so this runs again on changes.
  function nameIconButtons(root) {
    (root || document).querySelectorAll("button, a.btn, .widget-play button").forEach(function (b) {
      if (b.getAttribute("aria-label") || (b.textContent || "").trim()) {
        return;
      }
      var name = b.getAttribute("title") || b.getAttribute("data-tooltip") ||
        b.getAttribute("data-bs-original-title");
      if (!name) {
        var icon = b.querySelector("i.fa, i[class*='fa-']");
        var cls = icon ? icon.className : "";
        name = /fa-play/.test(cls) ? "Play" : /fa-pause/.test(cls) ? "Pause" :
          /fa-stop/.test(cls) ? "Stop" : /fa-(repeat|retweet)/.test(cls) ? "Repeat" : "";
      }
      if (name) {
        b.setAttribute("aria-label", name);
      }
    });
  }

  // Names that assistive technology reads out: the sidebar's expand/collapse toggles, search
  // buttons whose visible text differs from their label, sliders and figures of saved widgets.
  function nameControls() {
    document.querySelectorAll("nav summary").forEach(function (summary) {
      if (!summary.getAttribute("aria-label") && !(summary.textContent || "").trim()) {
        var item = summary.closest("li");
        var link = item && item.querySelector("a");
        summary.setAttribute("aria-label", "Show or hide the sections of " +
          (link ? link.textContent.trim() : "this entry"));
      }
    });
    // Folded cells: the toggle's visible text ("Show code cell source", or the exercise it
    // answers) names it; a fixed "Toggle hidden content" label would contradict it.
    document.querySelectorAll("details > summary[aria-label], .search-button-field[aria-label]")
      .forEach(function (button) {
      if ((button.textContent || "").trim()) {
        button.removeAttribute("aria-label"); // its visible text ("Search Ctrl+K") names it
      }
    });
    document.querySelectorAll(".widget-slider .noUi-handle, .widget-slider [role=slider]")
      .forEach(function (handle) {
        if (!handle.getAttribute("aria-label")) {
          var slider = handle.closest(".widget-slider");
          var label = slider && slider.querySelector(".widget-label");
          handle.setAttribute("aria-label", label && label.textContent.trim() || "slider");
        }
      });
    document.querySelectorAll("img.widget-image:not([alt]), .widget-image img:not([alt])")
      .forEach(function (img) {
        // The explorer's status line (written by its describe()) says what the figure shows.
        var box = img.closest(".widget-vbox");
        var status = box && box.querySelector(".widget-html-content");
        var text = status && status.textContent.trim();
        img.setAttribute("alt", "Explorer figure (saved state)" + (text ? ": " + text : ""));
      });
  }

  // Quizzes (nncourse.exercises.quiz): feedback answers the Check that asked for it, so typing
  // a new number clears it; Check with no option chosen says what to do instead of nothing.
  function improveQuizzes() {
    document.querySelectorAll("form.nncourse-quiz-question:not([data-hint-ready])")
      .forEach(function (form) {
        form.setAttribute("data-hint-ready", "1");
        var result = form.querySelector(".nncourse-quiz-result") || form;
        var hint = document.createElement("p");
        hint.className = "nncourse-quiz-hint";
        hint.hidden = true;
        hint.textContent = "Choose an answer first, then press Check.";
        result.appendChild(hint);
        function clear() {
          hint.hidden = true;
          form.querySelectorAll(".nncourse-quiz-feedback").forEach(function (p) {
            p.hidden = true;
          });
        }
        form.addEventListener("input", clear);
        form.addEventListener("change", function () { hint.hidden = true; });
        form.addEventListener("submit", function () {
          var choice = form.getAttribute("data-kind") === "choice";
          hint.hidden = !choice || !!form.querySelector("input[type=radio]:checked");
        });
      });
  }

  function ready() {
    improveQuizzes();
    addLaunchBars();
    addKernelNotices();
    nameIconButtons();
    nameControls();
    var pending = null;
    new MutationObserver(function () {
      if (pending === null) {
        pending = window.setTimeout(function () {
          pending = null;
          nameIconButtons();
          nameControls();
        }, 200);
      }
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
