/* Browse page: facets that filter the list in place, the filter state in the URL (so a view
 * can be bookmarked and sent), and a download of the filtered records as CSV or Excel. */
(function () {
  "use strict";

  var root = document.getElementById("kb-browse");
  if (!root || !window.KB) return;
  var KB = window.KB, el = KB.el;
  var PAGE = 50;
  var UNKNOWN = "（未详）"; // facet value of a practice whose province or year no source states

  // name in the URL, label, how to read the values of a practice
  var FACETS = [
    { key: "province", label: "省份", values: function (p) { return p.province ? [p.province] : [UNKNOWN]; } },
    { key: "level", label: "层级", values: function (p) { return [p.level]; } },
    { key: "theme", label: "主题", values: function (p) { return p.themes; } },
    { key: "stage", label: "协商环节", values: function (p) { return p.stages; } },
    { key: "method", label: "通用做法", values: function (p) { return p.methods; } },
    { key: "year", label: "起始年份", values: function (p) { return [p.year ? String(p.year) : UNKNOWN]; } },
    { key: "completeness", label: "完整程度", values: function (p) { return [p.completeness]; } },
  ];
  var COLUMNS = [
    ["名称", function (p) { return p.name; }],
    ["别名", function (p) { return p.aliases.join("、"); }],
    ["组织", function (p) { return p.org; }],
    ["省份", function (p) { return p.province; }],
    ["地区", function (p) { return p.region; }],
    ["层级", function (p) { return p.level; }],
    ["主题", function (p) { return p.themes.join("、"); }],
    ["通用做法", function (p) { return p.methods.join("、"); }],
    ["写明的协商环节", function (p) { return p.stages.join("、"); }],
    ["起始年份", function (p) { return p.year || ""; }],
    ["完整程度", function (p) { return p.completeness; }],
    ["概要", function (p) { return p.summary; }],
    ["出处", function (p) { return p.sources.join("\n"); }],
    ["页面", function (p) { return new URL(p.url, KB.siteBase()).href; }],
  ];

  // state.filters is keyed by the facet keys above (our names, never record text).
  var data, state = { filters: {}, q: "", sort: "name", shown: PAGE };

  KB.loadScript(root.getAttribute("data-kb-data")).then(function () {
    data = window.KB_PRACTICES;
    readUrl();
    build();
    root.hidden = false;
    var fallback = document.querySelector(".kb-browse-static");
    if (fallback) fallback.hidden = true;
    window.addEventListener("popstate", function () { readUrl(); update(false); });
  }, function (error) {
    root.hidden = false;
    root.textContent = "筛选功能无法加载（" + error.message + "），下面是全部实践的列表。";
  });

  function readUrl() {
    var params = new URLSearchParams(location.search);
    state.filters = {};
    FACETS.forEach(function (f) {
      var values = params.getAll(f.key);
      if (values.length) state.filters[f.key] = values;
    });
    state.q = params.get("q") || "";
    state.sort = params.get("sort") || "name";
    state.shown = PAGE;
  }

  function writeUrl() {
    var params = new URLSearchParams();
    FACETS.forEach(function (f) { (state.filters[f.key] || []).forEach(function (v) { params.append(f.key, v); }); });
    if (state.q) params.set("q", state.q);
    if (state.sort !== "name") params.set("sort", state.sort);
    var query = params.toString();
    history.pushState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
  }

  function matches(p, skipKey) {
    for (var i = 0; i < FACETS.length; i++) {
      var f = FACETS[i], wanted = state.filters[f.key];
      if (!wanted || !wanted.length || f.key === skipKey) continue;
      var have = f.values(p);
      if (!wanted.some(function (v) { return have.indexOf(v) >= 0; })) return false;
    }
    if (state.q && !(found.q === state.q && found.urls.has(p.url))) {
      var q = state.q.toLowerCase();
      var text = [p.name, p.aliases.join(" "), p.org, p.region, p.summary].join(" ").toLowerCase();
      if (text.indexOf(q) < 0) return false;
    }
    return true;
  }

  // The filter box matches as the header search does (繁简, character pairs, aliases, pinyin,
  // question words): the practices the search engine finds for it, by URL (KB.searchUrls in
  // search.js), besides those holding the text as typed. The engine answers asynchronously;
  // until it has, the typed text alone filters.
  var found = { q: null, urls: new Set() }, asking = null;
  function lookUp() {
    var q = state.q;
    if (!q || !KB.searchUrls || found.q === q || asking === q) return;
    asking = q;
    KB.searchUrls(q, "practice", data.practices.map(function (p) { return p.url; })).then(function (urls) {
      found = { q: q, urls: urls };
      if (asking === q) asking = null;
      if (state.q === q) update(false);
    }, function () { if (asking === q) asking = null; });
  }

  function filtered() {
    var rows = data.practices.filter(function (p) { return matches(p, null); });
    if (state.sort === "added") rows = rows.slice().sort(function (a, b) { return a.added < b.added ? 1 : a.added > b.added ? -1 : 0; });
    if (state.sort === "year") rows = rows.slice().sort(function (a, b) { return (a.year || 9999) - (b.year || 9999); });
    return rows; // "name": the data is already in pinyin order
  }

  var facetBox, resultBox, countLine, searchInput, sortSelect, clearButton;

  function build() {
    facetBox = el("div", { class: "kb-browse__facets", role: "group", "aria-label": "筛选条件", tabindex: "-1" });
    // On a phone the filters fold away under one line, so the results come first.
    var filters = el("details", { class: "kb-browse__filters" }, [el("summary", { text: "筛选条件" }), facetBox]);
    filters.open = !window.matchMedia || window.matchMedia("(min-width: 45em)").matches;
    searchInput = el("input", { type: "search", class: "kb-browse__q md-input", placeholder: "在结果中查找名称、组织、地区……", "aria-label": "在结果中查找" });
    searchInput.value = state.q;
    searchInput.addEventListener("input", function () { state.q = searchInput.value.trim(); state.shown = PAGE; update(true); });
    sortSelect = el("select", { class: "kb-browse__sort", "aria-label": "排序" }, [
      el("option", { value: "name", text: "按名称拼音" }),
      el("option", { value: "added", text: "最近收录在前" }),
      el("option", { value: "year", text: "按起始年份" }),
    ]);
    sortSelect.value = state.sort;
    sortSelect.addEventListener("change", function () { state.sort = sortSelect.value; update(true); });
    clearButton = el("button", { type: "button", class: "md-button kb-browse__clear", text: "清除筛选" });
    // The button hides itself once nothing is filtered: the focus goes to the filter box.
    clearButton.addEventListener("click", function () {
      state.filters = {}; state.q = ""; searchInput.value = ""; state.shown = PAGE;
      update(true);
      searchInput.focus();
    });
    var csv = el("button", { type: "button", class: "md-button", "data-kb-download": "csv", text: "下载 CSV" });
    var xlsx = el("button", { type: "button", class: "md-button", "data-kb-download": "xlsx", text: "下载 Excel" });
    csv.addEventListener("click", downloadCsv);
    xlsx.addEventListener("click", downloadXlsx);
    countLine = el("p", { class: "kb-browse__count", role: "status", "aria-live": "polite" });
    resultBox = el("div", { class: "kb-browse__results" });
    root.appendChild(el("div", { class: "kb-browse__bar" }, [searchInput, sortSelect, clearButton, csv, xlsx]));
    root.appendChild(el("div", { class: "kb-browse__body" }, [filters, el("div", { class: "kb-browse__main" }, [countLine, resultBox])]));
    update(false);
  }

  function update(pushUrl) {
    if (pushUrl) writeUrl();
    lookUp();
    if (searchInput.value.trim() !== state.q) searchInput.value = state.q;  // keeps a space being typed
    sortSelect.value = state.sort;
    renderFacets();
    renderResults();
  }

  /* The facets are drawn anew after every change: the checkbox that had the focus (the one just
   * ticked, with the keyboard or the pointer) gets it back, found by its facet and value. */
  function focusedFacet() {
    var a = document.activeElement;
    return a && facetBox.contains(a) && a.getAttribute("data-facet") ? { facet: a.getAttribute("data-facet"), value: a.value } : null;
  }
  function refocusFacet(key) {
    if (!key) return;
    var boxes = facetBox.querySelectorAll("input[data-facet]"), same = null, first = null;
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].getAttribute("data-facet") !== key.facet) continue;
      if (!first) first = boxes[i];
      if (boxes[i].value === key.value) { same = boxes[i]; break; }
    }
    (same || first || facetBox).focus();
  }

  function renderFacets() {
    var had = focusedFacet();
    facetBox.textContent = "";
    FACETS.forEach(function (f) {
      // A Map, not an object: facet values are record text, and a theme called "constructor"
      // or "__proto__" must count as itself, not as a property every object inherits.
      var counts = new Map();
      data.practices.forEach(function (p) {
        if (!matches(p, f.key)) return;
        f.values(p).forEach(function (v) { counts.set(v, (counts.get(v) || 0) + 1); });
      });
      var selected = state.filters[f.key] || [];
      selected.forEach(function (v) { if (!counts.has(v)) counts.set(v, 0); });
      var values = Array.from(counts.keys());
      if (!values.length) return;
      values.sort(order(f.key));
      var list = el("ul", {});
      values.forEach(function (v) {
        var id = "kb-f-" + f.key + "-" + v;
        var box = el("input", { type: "checkbox", id: id, value: v, "data-facet": f.key });
        box.checked = selected.indexOf(v) >= 0;
        box.addEventListener("change", function () { toggle(f.key, v, box.checked); });
        list.appendChild(el("li", {}, [box, el("label", { for: id }, [v + " ", el("span", { class: "kb-count", text: String(counts.get(v)) })])]));
      });
      facetBox.appendChild(el("fieldset", { class: "kb-facet", "data-facet": f.key }, [el("legend", { text: f.label }), list]));
    });
    refocusFacet(had);
  }

  function order(key) {
    var fixed = key === "stage" ? data.stages : key === "level" ? data.levels : key === "completeness" ? ["完整", "较完整", "简要"] : null;
    return function (a, b) {
      // "not stated" is a real choice but never the first one a reader wants
      if (a === UNKNOWN || b === UNKNOWN) return (a === UNKNOWN) - (b === UNKNOWN);
      if (fixed) return fixed.indexOf(a) - fixed.indexOf(b);
      if (key === "year") return a.localeCompare(b);
      return a.localeCompare(b, "zh-Hans-CN-u-co-pinyin");
    };
  }

  function toggle(key, value, on) {
    var list = (state.filters[key] || []).filter(function (v) { return v !== value; });
    if (on) list.push(value);
    if (list.length) state.filters[key] = list; else delete state.filters[key];
    state.shown = PAGE;
    update(true);
  }

  function renderResults() {
    var rows = filtered();
    var active = Object.keys(state.filters).length || state.q;
    countLine.textContent = "共 " + rows.length + " 项实践" + (active ? "（已筛选，全部 " + data.practices.length + " 项）" : "");
    clearButton.hidden = !active;
    resultBox.textContent = "";
    if (!rows.length) {
      resultBox.appendChild(el("p", { class: "kb-browse__empty", text: "没有符合条件的实践。可以减少筛选条件，或点击“清除筛选”。" }));
      return;
    }
    var body = el("tbody", {});
    rows.slice(0, state.shown).forEach(function (p) {
      body.appendChild(el("tr", {}, [
        el("td", {}, [el("a", { href: KB.siteHref(p.url), text: p.name })]),
        el("td", { text: p.org }),
        el("td", { text: p.region }),
        el("td", { text: p.level }),
        el("td", { text: p.themes.join("、") }),
        el("td", { class: "kb-summary", text: short(p.summary) }),
        el("td", {}, [KB.basket ? KB.basketButton(p.id) : null]),
      ]));
    });
    var head = el("thead", {}, [el("tr", {}, ["实践", "组织", "地区", "层级", "主题", "是什么", "对比"].map(function (h) { return el("th", { text: h }); }))]);
    resultBox.appendChild(el("div", { class: "md-typeset__scrollwrap kb-practices" }, [el("div", { class: "md-typeset__table" }, [el("table", {}, [head, body])])]));
    if (rows.length > state.shown) {
      var more = el("button", { type: "button", class: "md-button", text: "再显示 " + Math.min(PAGE, rows.length - state.shown) + " 项（共 " + rows.length + " 项）" });
      more.addEventListener("click", function () {
        var from = state.shown;
        state.shown += PAGE;
        renderResults();
        // the focus goes on to the first of the rows just shown (the button has gone)
        var link = resultBox.querySelectorAll("tbody tr")[from];
        if (link && (link = link.querySelector("a"))) link.focus();
      });
      resultBox.appendChild(more);
    }
  }

  /* The first line of a summary, as the tables of theme and region pages show it. */
  var SUMMARY_CHARS = 40;
  function short(text) {
    return text.length <= SUMMARY_CHARS ? text : text.slice(0, SUMMARY_CHARS - 1) + "…";
  }

  function table() {
    return [COLUMNS.map(function (c) { return c[0]; })].concat(filtered().map(function (p) {
      return COLUMNS.map(function (c) { return c[1](p); });
    }));
  }

  function filename(ext) {
    return "协商实践-" + new Date().toISOString().slice(0, 10) + "." + ext;
  }

  /* A spreadsheet treats a cell starting with = + - @ as a formula: neutralise (CSV injection). */
  function csvCell(value) {
    var text = String(value === null || value === undefined ? "" : value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function downloadCsv() {
    var text = table().map(function (row) { return row.map(csvCell).join(","); }).join("\r\n") + "\r\n";
    // The BOM makes Excel and WPS read the file as UTF-8 instead of GBK.
    KB.download(filename("csv"), new Blob(["\ufeff" + text], { type: "text/csv;charset=utf-8" }));
  }

  function downloadXlsx() {
    var base = KB.siteBase();
    Promise.all(["assets/kb/zip.js", "assets/kb/xlsx.js"].map(function (js) { return KB.loadScript(new URL(js, base).href); }))
      .then(function () {
        return window.KBXlsx.workbook(table(), "协商实践", { links: [COLUMNS.length - 1] });
      }).then(function (blob) { KB.download(filename("xlsx"), blob); });
  }
})();
