/* Compare view: the reader ticks 2–4 practices and sees them side by side — by lifecycle stage,
 * components, outcomes and sources. The selection lives in the URL (?p=id1,id2,id3), so a
 * comparison can be bookmarked, sent or printed. Data comes from <script> files (works from
 * file://): the practice list (explore/data/practices.js) and, for the ticked practices only,
 * their details (explore/data/detail/NNN.js). */
(function () {
  "use strict";

  var root = document.getElementById("kb-compare");
  if (!root || !window.KB) return;
  var KB = window.KB, el = KB.el;
  var MIN = 2, MAX = 4, LIST_LIMIT = 200;

  // Lookups keyed by ids are Maps: an id such as "constructor" must not find Object's own.
  var data, byId = new Map(), selected = [], query = "";
  var list, chosen, said, result, search, note;

  KB.loadScript(root.getAttribute("data-kb-data")).then(function () {
    data = window.KB_PRACTICES;
    data.practices.forEach(function (p) { byId.set(p.id, p); });
    selected = readUrl();
    // Opened without a selection in its address: show what the reader collected in the basket.
    if (!new URLSearchParams(location.search).get("p") && KB.basket) selected = KB.basket.ids().filter(function (id) { return byId.has(id); });
    build();
    root.hidden = false;
    update(false, true);
    window.addEventListener("popstate", function () { selected = readUrl(); update(false, true); });
  }, function (error) {
    root.hidden = false;
    root.textContent = "对比功能无法加载（" + error.message + "），下面是全部实践的静态对照。";
  });

  function readUrl() {
    var raw = new URLSearchParams(location.search).get("p") || "";
    var ids = [];
    raw.split(",").forEach(function (id) {
      id = id.trim();
      if (id && byId.has(id) && ids.indexOf(id) < 0 && ids.length < MAX) ids.push(id);
    });
    return ids;
  }

  function writeUrl() {
    var search = selected.length ? "?p=" + selected.map(encodeURIComponent).join(",") : "";
    try {
      history.replaceState(null, "", location.pathname + search + location.hash);
    } catch (e) { /* some file:// setups refuse; the view still works */ }
  }

  function build() {
    search = el("input", { type: "search", class: "kb-compare__q", placeholder: "输入名称、组织或地区，缩小列表……",
      "aria-label": "筛选实践列表" });
    search.addEventListener("input", function () { query = search.value.trim().toLowerCase(); renderList(); });
    chosen = el("div", { class: "kb-compare__chosen" });
    // What a screen reader hears after a tick or a removal (the chips themselves are buttons).
    said = el("p", { class: "kb-sr", role: "status", "aria-live": "polite" });
    note = el("p", { class: "kb-hint kb-compare__note", "aria-live": "polite" });
    list = el("ul", { class: "kb-compare__list", "aria-label": "可对比的实践" });
    result = el("div", { class: "kb-compare__result" });
    root.appendChild(el("div", { class: "kb-compare__pick" }, [
      el("h2", { text: "选择要对比的实践" }),
      el("p", { class: "kb-hint", text: "勾选 " + MIN + "–" + MAX + " 项，下方即并排显示；网址会记住所选，可收藏、发给同事或打印。" }),
      search, chosen, said, list, note,
    ]));
    root.appendChild(result);
  }

  /* rebuildList: after a new filter or URL; a tick only updates the boxes in place, so the row
   * the reader just clicked does not jump away under the pointer. */
  function update(rewrite, rebuildList) {
    if (rewrite) writeUrl();
    if (KB.basket) KB.basket.set(selected);  // the basket is this selection
    root.classList.toggle("kb-compare--active", selected.length >= MIN);
    renderChosen();
    if (rebuildList) renderList(); else syncList();
    renderResult();
  }

  function toggle(id, on) {
    selected = selected.filter(function (x) { return x !== id; });
    if (on && selected.length < MAX) selected.push(id);
    update(true);
    said.textContent = (on ? "已加入 " : "已移除 ") + byId.get(id).name + "；已选 " + selected.length + " 项。";
  }

  /* A removed chip takes its button with it: the focus goes to the chip that took its place (the
   * next one), to the one before it after the last, or to the list when none is left. */
  function focusChipAt(index) {
    var chips = chosen.querySelectorAll(".kb-chip:not(.kb-chip--clear)");
    var chip = chips[index] || chips[index - 1];
    if (chip) chip.focus(); else focusList();
  }
  function focusList() {
    var first = list.querySelector("input:not(:disabled)");
    (first || search).focus();
  }

  function renderChosen() {
    chosen.textContent = "";
    if (!selected.length) {
      chosen.appendChild(el("span", { class: "kb-hint", text: "尚未选择。" }));
      return;
    }
    chosen.appendChild(el("span", { text: "已选 " + selected.length + " 项：" }));
    selected.forEach(function (id, index) {
      var name = byId.get(id).name;
      var remove = el("button", { type: "button", class: "kb-chip", title: "移除 " + name, "data-id": id },
        [name, el("span", { "aria-hidden": "true", text: " ×" }), el("span", { class: "kb-sr", text: "（移除）" })]);
      remove.addEventListener("click", function () {
        toggle(id, false);
        focusChipAt(index);
      });
      chosen.appendChild(remove);
    });
    var clear = el("button", { type: "button", class: "kb-chip kb-chip--clear", text: "全部清除" });
    clear.addEventListener("click", function () {
      selected = [];
      update(true, true);
      said.textContent = "已全部清除。";
      focusList();
    });
    chosen.appendChild(clear);
  }

  function matches(p) {
    if (!query) return true;
    return [p.name, p.aliases.join(" "), p.org, p.region].join(" ").toLowerCase().indexOf(query) >= 0;
  }

  var listed = 0, matching = 0;
  function renderList() {
    list.textContent = "";
    // The ticked practices stay at the top whatever the filter says.
    var rows = selected.map(function (id) { return byId.get(id); });
    var shown = 0, total = 0;
    data.practices.forEach(function (p) {
      if (selected.indexOf(p.id) >= 0 || !matches(p)) return;
      total += 1;
      if (shown < LIST_LIMIT) { rows.push(p); shown += 1; }
    });
    rows.forEach(function (p) {
      var id = "kb-c-" + p.id;
      var box = el("input", { type: "checkbox", id: id, value: p.id });
      box.addEventListener("change", function () { toggle(p.id, box.checked); });
      var where = [p.org, p.region].filter(Boolean).join(" · ");
      list.appendChild(el("li", {}, [box, el("label", { for: id }, [
        el("span", { class: "kb-compare__name", text: p.name }), " ",
        el("span", { class: "kb-count", text: where }),
      ])]));
    });
    listed = shown;
    matching = total;
    syncList();
  }

  function syncList() {
    var full = selected.length >= MAX;
    list.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.checked = selected.indexOf(box.value) >= 0;
      box.disabled = full && !box.checked;
    });
    var parts = [];
    if (full) parts.push("已选满 " + MAX + " 项；要换一项，先取消一项。");
    if (matching > listed) parts.push("列表只显示前 " + LIST_LIMIT + " 项（共 " + matching + " 项），请输入文字缩小范围。");
    if (!matching && query) parts.push("没有名称、组织或地区含“" + search.value.trim() + "”的实践。");
    note.textContent = parts.join(" ");
  }

  /* Load the detail files the ticked practices live in, then draw the table. */
  var drawn = 0;
  function renderResult() {
    var ticket = ++drawn;
    result.textContent = "";
    if (selected.length < MIN) {
      result.appendChild(el("p", { class: "kb-compare__empty",
        text: selected.length ? "再勾选至少 1 项，即可并排对比。" : "勾选 2–4 项实践后，这里并排显示它们的各环节做法、组成部分、成效和出处。" }));
      return;
    }
    var files = [];
    selected.forEach(function (id) {
      var file = new URL(byId.get(id).detail, KB.siteBase()).href;
      if (files.indexOf(file) < 0) files.push(file);
    });
    Promise.all(files.map(KB.loadScript)).then(function () {
      if (ticket === drawn) drawTable();
    }, function (error) {
      if (ticket === drawn) result.appendChild(el("p", { text: "无法加载对比数据（" + error.message + "）。" }));
    });
  }

  function cellList(items) {
    if (!items.length) return [el("span", { class: "kb-none", text: "—" })];
    var out = [];
    items.forEach(function (item, i) {
      if (i) out.push(el("br"));
      out.push(item);
    });
    return out;
  }

  function named(name, text) {
    return el("span", {}, [el("strong", { text: name }), "：" + text]);
  }

  function drawTable() {
    var practices = selected.map(function (id) { return byId.get(id); });
    var details = practices.map(function (p) { return KB.own(window.KB_DETAIL, p.id) || { steps: [], components: [], outcomes: [], sources: [] }; });
    var covered = data.stages.filter(function (s) {
      return details.some(function (d) { return d.steps.some(function (step) { return step[0] === s; }); });
    });
    var missing = data.stages.filter(function (s) { return covered.indexOf(s) < 0; });

    var head = el("tr", {}, [el("th", { scope: "col", text: "对比项" })].concat(practices.map(function (p) {
      return el("th", { scope: "col" }, [el("a", { href: KB.siteHref(p.url), text: p.name })]);
    })));
    var rows = [];
    function row(label, cls, cells) {
      rows.push(el("tr", { class: cls }, [el("th", { scope: "row", text: label })].concat(cells.map(function (c) {
        return el("td", {}, c);
      }))));
    }
    row("组织", "kb-row-org", practices.map(function (p) { return cellList(p.org ? [p.org] : []); }));
    row("地区", "kb-row-region", details.map(function (d) { return [d.place]; }));
    covered.forEach(function (stage) {
      row(stage, "kb-row-stage", details.map(function (d) {
        return cellList(d.steps.filter(function (s) { return s[0] === stage; }).map(function (s) { return named(s[1], s[2]); }));
      }));
    });
    row("组成部分", "kb-row-components", details.map(function (d) {
      return cellList(d.components.map(function (c) { return named(c[0], c[1]); }));
    }));
    row("成效", "kb-row-outcomes", details.map(function (d) {
      return cellList(d.outcomes.map(function (o) { return document.createTextNode(o[0]); }));
    }));
    row("出处", "kb-row-sources", details.map(function (d) {
      return cellList(d.sources.map(function (s) {
        return el("span", { class: "kb-cite" }, [el("a", { href: KB.siteHref(s.url), text: s.name }),
          el("span", { class: "kb-cite__text", text: s.cite })]);
      }));
    }));

    var title = el("h2", { class: "kb-compare__title", text: "对比：" + practices.map(function (p) { return p.name; }).join("、") });
    var print = el("button", { type: "button", class: "md-button kb-print", "data-kb-print": "", text: "打印对比表" });
    var word = el("button", { type: "button", class: "md-button kb-docx", "data-kb-docx": selected.join(","), text: "下载 Word" });
    var table = el("table", {}, [el("thead", {}, [head]), el("tbody", {}, rows)]);
    result.appendChild(el("div", { class: "kb-compare__head" }, [title, el("span", { class: "kb-actions" }, [word, print])]));
    result.appendChild(el("div", { class: "md-typeset__scrollwrap kb-compare__table" }, [el("div", { class: "md-typeset__table" }, [table])]));
    if (missing.length) result.appendChild(el("p", { class: "kb-hint", text: "所选实践均未写明的环节：" + missing.join("、") + "。" }));
  }
})();
