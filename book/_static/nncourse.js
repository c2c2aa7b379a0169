/* nncourse website behaviour. Loaded with `defer`, so it runs after the page is parsed and
 * before DOMContentLoaded, which is when sphinx-togglebutton collapses what we mark here. */
(function () {
  "use strict";

  // The site's own sentences in the page's language (<html lang>, set per edition); English
  // is the source and needs no entry.
  var WORDS = {
    "pt-BR": {
      "Site navigation": "Navegação do site",
      "On this page": "Nesta página",
      "Open in {site}": "Abrir no {site}",
      "The full explorer, with every control, runs in the lab notebook:":
        "O explorador completo, com todos os controles, roda no notebook do laboratório:",
      "This explorer needs a running Python kernel; the figure shows one setting.":
        "Este explorador precisa de um kernel Python em execução; a figura mostra um ajuste.",
      "Needs a running Python kernel: on this page the controls below are a saved picture and do nothing. Open the notebook to use them:":
        "Precisa de um kernel Python em execução: nesta página, os controles abaixo são uma imagem salva e não fazem nada. Abra o notebook para usá-los:",
      "Show or hide the sections of {entry}": "Mostrar ou ocultar as seções de {entry}",
      "this entry": "este item",
      "Explorer figure (saved state)": "Figura do explorador (estado salvo)",
      "Choose an answer first, then press Check.":
        "Escolha uma resposta primeiro e depois aperte Verificar.",
    },
  };
  function say(text, values) {
    var table = WORDS[document.documentElement.lang] || {};
    var said = table[text] || text;
    Object.keys(values || {}).forEach(function (name) {
      said = said.replace("{" + name + "}", values[name]);
    });
    return said;
  }


  // The main thread stays free while the page loads (a slow phone's budget is 300 ms of
  // blocking in all). The theme's script forces two full layouts of the page from script:
  // - at DOMContentLoaded it measures the active sidebar link to scroll the sidebar to it, before
  //   the page was ever laid out. With a stored position it only sets scrollTop, so one is stored
  //   now, and the same scroll happens after the first paint, when measuring is cheap;
  // - at load it marks scrollable code and outputs focusable, reading each one's size and setting
  //   its tabindex in turn. Each write invalidates style, so the next read lays the page out
  //   again. Writes that change nothing (-1 on an element that is not focusable anyway) are
  //   skipped, so the reads share one layout;
  var SIDEBAR_KEY = "sidebar-scroll-top";
  try {
    if (window.sessionStorage && sessionStorage.getItem(SIDEBAR_KEY) === null) {
      sessionStorage.setItem(SIDEBAR_KEY, "0");
      window.addEventListener("load", function () {
        window.requestAnimationFrame(function () {
          window.setTimeout(scrollSidebarToActive, 0);
        });
      });
    }
  } catch (error) {
    // Storage refused (a private window): the theme measures as before.
  }
  function scrollSidebarToActive() {
    var sidebar = document.querySelector("div.bd-sidebar");
    var active = document.querySelectorAll(".bd-docs-nav .active");
    if (!sidebar || !active.length || sidebar.scrollTop !== 0) {
      return;
    }
    var link = active[active.length - 1];
    var top = link.getBoundingClientRect().y;
    if (top > window.innerHeight * 0.5) {
      sidebar.scrollTop = top - sidebar.getBoundingClientRect().y - sidebar.clientHeight * 0.25;
    }
  }
  // - and the theme re-checks every code block whenever the article changes (300 ms after).
  //   Its check calls this instead (book/_ext/nncourse_book.py points it here): the same test,
  //   made for each block as it comes within a screen of view, when the browser has laid it out
  //   anyway (sections off screen are not laid out, see nncourse.css). Reading a far block's
  //   size would lay out its whole section, so until then every block is a tab stop.
  var tabStopObserver = null;
  function tabStop(entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        var e = entry.target;
        if (tabStopObserver !== null) {
          tabStopObserver.unobserve(e);
        }
        e.tabIndex = e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight ? 0 : -1;
      }
    });
  }
  window.nncourseTabStops = function (selector) {
    if (!window.IntersectionObserver) {
      return tabStop(Array.prototype.map.call(document.querySelectorAll(selector), function (e) {
        return { isIntersecting: true, target: e };
      }));
    }
    if (tabStopObserver !== null) {
      tabStopObserver.disconnect();
    }
    tabStopObserver = new IntersectionObserver(tabStop, { rootMargin: "100% 0px" });
    document.querySelectorAll(selector).forEach(function (e) {
      // Until it is measured a block may scroll: it stays reachable from the keyboard.
      if (!e.hasAttribute("tabindex")) {
        e.tabIndex = 0;
      }
      tabStopObserver.observe(e);
    });
  };
  var tabIndex = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "tabIndex");
  if (tabIndex && tabIndex.set && tabIndex.configurable) {
    Object.defineProperty(HTMLElement.prototype, "tabIndex", {
      configurable: true,
      enumerable: tabIndex.enumerable,
      get: tabIndex.get,
      set: function (value) {
        if (Number(value) === -1 && !this.hasAttribute("tabindex") &&
            tabIndex.get.call(this) === -1) {
          return; // already out of the tab order: no attribute, no style invalidation
        }
        tabIndex.set.call(this, value);
      },
    });
  }

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
        button.setAttribute("aria-label", say(side === "primary" ? "Site navigation" : "On this page"));
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
      a.textContent = say("Open in {site}", { site: link.label });
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
        ? say("The full explorer, with every control, runs in the lab notebook:")
        : say("This explorer needs a running Python kernel; the figure shows one setting.");
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
        var notice = bar(say("Needs a running Python kernel: on this page the controls below " +
          "are a saved picture and do nothing. Open the notebook to use them:"), "kernel-notice");
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
        summary.setAttribute("aria-label", say("Show or hide the sections of {entry}",
          { entry: link ? link.textContent.trim() : say("this entry") }));
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
        img.setAttribute("alt", say("Explorer figure (saved state)") + (text ? ": " + text : ""));
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
        hint.textContent = say("Choose an answer first, then press Check.");
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
