// Progress that stays, in the reader's browser: quiz answers are kept in IndexedDB, keyed by
// the question's id and a hash of its content (a changed question starts afresh). The progress
// page (book/progress.md) lists them and exports or imports them as a file. No account, no
// server: nothing leaves the browser.
(function () {
  "use strict";
  const DB_NAME = "nncourse-progress";
  const STORE = "quiz";
  const FORMAT = "nncourse-site-progress";
  const VERSION = 1;

  // FNV-1a, 32 bits: a stable fingerprint of a question's text (not a security measure).
  function fingerprint(text) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < text.length; i += 1) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash.toString(16).padStart(8, "0");
  }

  function openDatabase() {
    return new Promise((resolve, reject) => {
      if (!window.indexedDB) {
        reject(new Error("this browser keeps no IndexedDB data"));
        return;
      }
      const request = indexedDB.open(DB_NAME, VERSION);
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(STORE)) {
          request.result.createObjectStore(STORE, { keyPath: "key" });
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function transaction(mode, work) {
    return openDatabase().then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const store = tx.objectStore(STORE);
      let result;
      Promise.resolve(work(store)).then((value) => { result = value; });
      tx.oncomplete = () => { db.close(); resolve(result); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    }));
  }

  function requestValue(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function allRecords() {
    return transaction("readonly", (store) => requestValue(store.getAll()))
      .then((records) => records || []);
  }

  // The better of two records of one question: correct beats wrong, attempts add up.
  function merge(old, fresh) {
    if (!old) {
      return fresh;
    }
    const keepFresh = fresh.correct || !old.correct;
    return Object.assign({}, keepFresh ? fresh : old, {
      correct: Boolean(old.correct || fresh.correct),
      attempts: (old.attempts || 0) + (fresh.attempts || 0),
      first: old.first < fresh.first ? old.first : fresh.first,
      updated: old.updated > fresh.updated ? old.updated : fresh.updated,
    });
  }

  function save(record) {
    return transaction("readwrite", (store) => requestValue(store.get(record.key))
      .then((old) => requestValue(store.put(merge(old, record)))));
  }

  function chapterOf(id) {
    const match = /^ch(\d\d)\b/.exec(id) || /\/book\/(\d\d)_/.exec(window.location.pathname);
    return match ? `ch${match[1]}` : "other";
  }

  function questionKey(form) {
    const id = form.querySelector("input[name]")?.getAttribute("name") || form.id;
    const text = [form.querySelector("legend")?.textContent || "",
      ...Array.from(form.querySelectorAll("label")).map((label) => label.textContent),
      form.dataset.answer || "", form.dataset.rtol || "", form.dataset.atol || "",
      ...Array.from(form.querySelectorAll(".nncourse-quiz-feedback"))
        .map((p) => `${p.dataset.for}:${p.className}`)].join("\u241e").replace(/\s+/g, " ");
    const hash = fingerprint(text);
    return { id, hash, key: `${id}#${hash}` };
  }

  function chosenAnswer(form) {
    if (form.dataset.kind === "choice") {
      return form.querySelector("input[type=radio]:checked")?.value ?? null;
    }
    return form.querySelector("input[type=number]")?.value ?? null;
  }

  function restore(form, record) {
    if (record.answer === null || record.answer === undefined) {
      return;
    }
    if (form.dataset.kind === "choice") {
      const radio = form.querySelector(`input[type=radio][value="${record.answer}"]`);
      if (radio) {
        radio.checked = true;
      }
    } else {
      const input = form.querySelector("input[type=number]");
      if (input) {
        input.value = record.answer;
      }
    }
    form.dataset.restoring = "1";
    form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    delete form.dataset.restoring;
  }

  function watchQuizzes() {
    const forms = Array.from(document.querySelectorAll("form.nncourse-quiz-question"));
    if (!forms.length) {
      return Promise.resolve();
    }
    const keys = new Map(forms.map((form) => [form, questionKey(form)]));
    forms.forEach((form) => {
      form.addEventListener("submit", () => {
        if (form.dataset.restoring) {
          return;
        }
        const shown = form.querySelector(".nncourse-quiz-feedback:not([hidden])");
        if (!shown || shown.dataset.for === "invalid") {
          return;
        }
        const { id, hash, key } = keys.get(form);
        const now = new Date().toISOString();
        save({
          key, id, hash, chapter: chapterOf(id),
          correct: shown.classList.contains("is-correct"),
          answer: chosenAnswer(form), attempts: 1, first: now, updated: now,
          page: document.querySelector("h1")?.textContent.replace(/[#¶]\s*$/, "").trim() || "",
          url: `${window.location.href.split("#")[0]}#${form.id}`,
          prompt: (form.querySelector("legend")?.textContent || "").trim().slice(0, 200),
        }).catch(() => {});
      });
    });
    // Bring back the answers kept for these questions; drop those of changed questions.
    return allRecords().then((records) => {
      const current = new Set(Array.from(keys.values()).map((k) => k.key));
      const ids = new Set(Array.from(keys.values()).map((k) => k.id));
      const stale = records.filter((r) => ids.has(r.id) && !current.has(r.key));
      keys.forEach((k, form) => {
        const record = records.find((r) => r.key === k.key);
        if (record) {
          restore(form, record);
        }
      });
      if (stale.length) {
        return transaction("readwrite", (store) => stale.forEach((r) => store.delete(r.key)));
      }
      return undefined;
    }).catch(() => {});
  }

  // ---- the progress page ------------------------------------------------------------------

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
    (children || []).forEach((child) => node.append(child));
    return node;
  }

  function renderTable(panel, records) {
    const table = panel.querySelector(".nncourse-progress-table");
    table.replaceChildren();
    if (!records.length) {
      table.append(element("p", {}, ["No quiz answered in this browser yet."]));
      return;
    }
    const chapters = new Map();
    records.forEach((r) => {
      const row = chapters.get(r.chapter) || { correct: 0, answered: 0, questions: [] };
      row.answered += 1;
      row.correct += r.correct ? 1 : 0;
      row.questions.push(r);
      chapters.set(r.chapter, row);
    });
    const body = element("tbody");
    Array.from(chapters.keys()).sort().forEach((chapter) => {
      const row = chapters.get(chapter);
      const links = row.questions.sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => {
        const link = element("a", { href: r.url || "#", title: r.prompt || r.id },
          [`${r.correct ? "✔" : "✘"} ${r.id}`]);
        return element("li", {}, [link]);
      });
      body.append(element("tr", { "data-chapter": chapter }, [
        element("td", {}, [chapter]),
        element("td", { class: "nncourse-progress-count" }, [`${row.correct} / ${row.answered}`]),
        element("td", {}, [element("ul", {}, links)]),
      ]));
    });
    table.append(element("table", {}, [
      element("thead", {}, [element("tr", {}, [
        element("th", { scope: "col" }, ["Chapter"]),
        element("th", { scope: "col" }, ["Correct / answered"]),
        element("th", { scope: "col" }, ["Questions"]),
      ])]),
      body,
    ]));
  }

  function say(panel, text) {
    panel.querySelector(".nncourse-progress-status").textContent = text;
  }

  function exportFile(records) {
    const data = { format: FORMAT, version: VERSION, exported: new Date().toISOString(),
      quiz: records };
    const blob = new Blob([JSON.stringify(data, null, 1)], { type: "application/json" });
    const link = element("a", { href: URL.createObjectURL(blob),
      download: "nncourse-progress.json" });
    document.body.append(link);
    link.click();
    link.remove();
    return data;
  }

  function importText(text) {
    let data;
    try {
      data = JSON.parse(text);
    } catch (error) {
      return Promise.reject(new Error("the file is not JSON"));
    }
    if (!data || data.format !== FORMAT || data.version !== VERSION || !Array.isArray(data.quiz)) {
      return Promise.reject(new Error(`the file is not an nncourse progress file (version ${VERSION})`));
    }
    const valid = data.quiz.filter((r) => r && typeof r.key === "string" && typeof r.id === "string");
    return Promise.all(valid.map((r) => save(Object.assign({ attempts: 1 }, r))))
      .then(() => valid.length);
  }

  function progressPage() {
    const panel = document.getElementById("nncourse-progress");
    if (!panel) {
      return;
    }
    const refresh = () => allRecords().then((records) => { renderTable(panel, records); return records; })
      .catch((error) => say(panel, `Progress cannot be kept here: ${error.message}.`));
    panel.querySelector(".nncourse-progress-export").addEventListener("click", () => {
      allRecords().then((records) => {
        exportFile(records);
        say(panel, `Exported ${records.length} answer(s) to nncourse-progress.json.`);
      });
    });
    const picker = panel.querySelector(".nncourse-progress-import");
    picker.addEventListener("change", () => {
      const file = picker.files && picker.files[0];
      if (!file) {
        return;
      }
      file.text().then(importText)
        .then((count) => { say(panel, `Imported ${count} answer(s).`); return refresh(); })
        .catch((error) => say(panel, `Nothing imported: ${error.message}.`))
        .finally(() => { picker.value = ""; });
    });
    panel.querySelector(".nncourse-progress-clear").addEventListener("click", () => {
      transaction("readwrite", (store) => store.clear())
        .then(() => { say(panel, "Forgotten: this browser keeps no quiz answer now."); return refresh(); });
    });
    refresh();
  }

  window.nncourseProgress = { allRecords, importText, fingerprint, questionKey,
    ready: watchQuizzes().then(progressPage) };
})();
