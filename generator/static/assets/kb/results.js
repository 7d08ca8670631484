/* The search results page (explore/search.html?q=…): every hit of a query, 20 to a page, each
 * with its title, kind, organization · region and a snippet around the place where the query
 * occurs; filters by kind, province and level with counts for the current query. Query,
 * filters and page number live in the URL, so a filtered page can be bookmarked and sent, and
 * reloading shows the same page. Loaded by search.js, whose engine it uses (KB.searchEngine).
 * Record text is inserted as text only. */
(function () {
  "use strict";

  var root = document.getElementById("kb-results");
  if (!root || !window.KB || !window.KB.searchEngine) return;
  var KB = window.KB, el = KB.el, S = KB.searchEngine;
  var base = KB.siteBase();
  var PER_PAGE = 20;
  var FACETS = [
    { key: "kind", label: "类别" },
    { key: "province", label: "省份" },
    { key: "level", label: "层级" },
  ];

  // state.filters is keyed by the facet keys above (our names, never record text).
  var state = { q: "", filters: {}, page: 1 };
  var ranked = null, table = null, seq = 0;
  // What gets the focus back once the page is drawn anew: a facet checkbox ({facet, value}) the
  // reader ticked, or the first result after a page change.
  var refocus = null;
  var form, queryBox, statusLine, dropLine, filterBox, filterSummary, facetBox, listBox, pager, clearButton;

  function readUrl() {
    var params = new URLSearchParams(location.search);
    state.q = (params.get("q") || "").trim();
    state.filters = {};
    FACETS.forEach(function (f) {
      var values = params.getAll(f.key).filter(Boolean);
      if (values.length) state.filters[f.key] = values;
    });
    state.page = Math.max(1, parseInt(params.get("page"), 10) || 1);
  }
  function urlFor(page) {
    var params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    FACETS.forEach(function (f) { (state.filters[f.key] || []).forEach(function (v) { params.append(f.key, v); }); });
    if (page > 1) params.set("page", String(page));
    return location.pathname + "?" + params.toString();
  }
  function go(page) {
    state.page = page;
    history.pushState(null, "", urlFor(page));
    render();
  }

  function build() {
    queryBox = el("input", { type: "search", name: "q", class: "kb-results__q", "aria-label": "搜索",
                             placeholder: "搜索实践、组织、地区、术语……", autocomplete: "off", enterkeyhint: "search" });
    // Not a <form>: no form is ever inside a page's article (tests/test_security_xss.py holds
    // every page to that, so that record text can never have made one).
    var button = el("button", { type: "button", class: "md-button md-button--primary kb-results__go", text: "搜索" });
    form = el("div", { class: "kb-results__form", role: "search" }, [queryBox, button]);
    var ask = function () {
      state.q = queryBox.value.trim();
      state.filters = {};
      go(1);
    };
    button.addEventListener("click", ask);
    queryBox.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.isComposing) { e.preventDefault(); ask(); }
    });
    statusLine = el("p", { class: "kb-results__status", role: "status", "aria-live": "polite" });
    dropLine = el("p", { class: "kb-results__dropped", hidden: "hidden" });
    clearButton = el("button", { type: "button", class: "md-button kb-results__clear", text: "清除筛选", hidden: "hidden" });
    // The button hides itself once nothing is filtered: the focus goes to the search box.
    clearButton.addEventListener("click", function () { state.filters = {}; go(1); queryBox.focus(); });
    facetBox = el("div", { class: "kb-results__facets", role: "group", "aria-label": "筛选条件", tabindex: "-1" });
    // On a phone the filters fold away above the results; on a wide screen they stand beside them.
    filterSummary = el("summary", { text: "筛选（类别、省份、层级）" });
    filterBox = el("details", { class: "kb-results__filters" }, [filterSummary, facetBox, clearButton]);
    // open where there is room beside the results, and wherever a link came with filters ticked
    var wide = window.matchMedia && window.matchMedia("(min-width: 60em)").matches;
    if (wide || Object.keys(state.filters).length) filterBox.open = true;
    listBox = el("ol", { class: "kb-results__list" });
    pager = el("nav", { class: "kb-results__pager", "aria-label": "分页" });
    pager.addEventListener("click", function (e) {
      var a = e.target.closest ? e.target.closest("a[data-page]") : null;
      if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button) return;
      e.preventDefault();
      refocus = "first-result";  // the pager is drawn anew: the reader goes on at the new page's first result
      go(+a.getAttribute("data-page"));
      root.scrollIntoView({ block: "start" });
    });
    root.appendChild(form);
    root.appendChild(statusLine);
    root.appendChild(dropLine);
    root.appendChild(el("div", { class: "kb-results__body" }, [filterBox, el("div", { class: "kb-results__main" }, [listBox, pager])]));
    root.hidden = false;
  }

  // Kind, province and level of a hit (the kind from its number, the rest from the facet table).
  function valuesOf(hit) {
    if (!hit.facets) {
      var place = S.placeOf(hit.doc);
      hit.facets = { kind: S.kindOf(hit.doc), province: place.province, level: place.level };
    }
    return hit.facets;
  }
  function matches(hit, skipKey) {
    var values = valuesOf(hit);
    for (var i = 0; i < FACETS.length; i++) {
      var f = FACETS[i], wanted = state.filters[f.key];
      if (!wanted || f.key === skipKey) continue;
      if (wanted.indexOf(values[f.key]) < 0) return false;
    }
    return true;
  }

  function render() {
    var mine = ++seq;
    queryBox.value = state.q;
    document.title = (state.q ? "“" + state.q + "”的搜索结果" : "搜索结果") + " - 协商实践知识库";
    if (!state.q) {
      statusLine.textContent = "请输入要搜索的词：实践或组织的名称、地名、术语，或者一个问题，如“怎样开展基层协商”。";
      dropLine.hidden = true;
      listBox.textContent = "";
      pager.textContent = "";
      facetBox.textContent = "";
      clearButton.hidden = true;
      root.setAttribute("data-state", "empty");
      return Promise.resolve();
    }
    root.setAttribute("data-state", "loading");
    var rankedNow = ranked && ranked.text === state.q ? Promise.resolve(ranked) : S.rank(state.q).then(function (r) {
      ranked = { text: state.q, query: r.query, hits: r.hits };
      return ranked;
    });
    var facetsNow = table ? Promise.resolve(table) : S.facets().then(function (t) { table = t; return t; });
    return Promise.all([rankedNow, facetsNow]).then(function (both) {
      if (mine !== seq) return;
      var r = both[0];
      var hits = r.hits.filter(function (h) { return matches(h, null); });
      var pages = Math.max(1, Math.ceil(hits.length / PER_PAGE));
      var page = Math.min(state.page, pages);
      var shown = hits.slice((page - 1) * PER_PAGE, page * PER_PAGE);
      return S.details(shown).then(function () { return S.fullText(shown, r.query); }).then(function () {
        if (mine !== seq) return;
        showFacets(r.hits);
        showStatus(r, hits.length, page, shown.length);
        showList(shown, r.query, hits, (page - 1) * PER_PAGE);
        showPager(page, pages);
        restoreFocus();
        root.setAttribute("data-state", "done");
        root.setAttribute("data-query", state.q);
      });
    }).catch(function () {
      if (mine !== seq) return;
      statusLine.textContent = "搜索索引无法加载。请确认网站文件完整（search/ 文件夹）。";
      root.setAttribute("data-state", "error");
    });
  }

  function showStatus(r, count, page, onPage) {
    var filtered = Object.keys(state.filters).length > 0;
    var text = r.hits.length
      ? "“" + state.q + "”共有 " + r.hits.length + " 个结果" + (filtered ? "，筛选后 " + count + " 个" : "")
      : "没有找到“" + state.q + "”。试试更短的词，或换一个说法。";
    if (count > PER_PAGE) text += "；这是第 " + page + " 页（第 " + ((page - 1) * PER_PAGE + 1) + "–" + ((page - 1) * PER_PAGE + onPage) + " 个）";
    else if (r.hits.length && !count) text += "；没有符合筛选条件的结果，可以点击“清除筛选”。";
    statusLine.textContent = text + "。";
    dropLine.hidden = !r.query.question;
    var dropped = r.query.dropped.filter(function (w, i, a) { return a.indexOf(w) === i; });
    dropLine.textContent = dropped.length ? "提问用语“" + dropped.join("”“") + "”不参与查找。" : "";
    clearButton.hidden = !filtered;
    var ticked = FACETS.reduce(function (n, f) { return n + (state.filters[f.key] || []).length; }, 0);
    filterSummary.textContent = "筛选（类别、省份、层级）" + (ticked ? "：已选 " + ticked + " 项" : "");
  }

  function showFacets(all) {
    facetBox.textContent = "";
    FACETS.forEach(function (f) {
      // A Map, not an object: province names are record text (and "constructor" is a name too).
      var counts = new Map();
      all.forEach(function (h) {
        if (!matches(h, f.key)) return;
        var v = valuesOf(h)[f.key];
        if (v) counts.set(v, (counts.get(v) || 0) + 1);
      });
      var selected = state.filters[f.key] || [];
      selected.forEach(function (v) { if (!counts.has(v)) counts.set(v, 0); });
      var values = Array.from(counts.keys());
      if (!values.length) return;
      values.sort(order(f.key));
      var list = el("ul", {});
      values.forEach(function (v) {
        var id = "kb-r-" + f.key + "-" + values.indexOf(v);
        var box = el("input", { type: "checkbox", id: id, value: v, "data-facet": f.key });
        box.checked = selected.indexOf(v) >= 0;
        box.addEventListener("change", function () { toggle(f.key, v, box.checked); });
        var label = f.key === "kind" ? S.kindLabel(v) || v : v;
        list.appendChild(el("li", {}, [box, el("label", { for: id }, [label + " ", el("span", { class: "kb-count", text: String(counts.get(v)) })])]));
      });
      facetBox.appendChild(el("fieldset", { class: "kb-facet", "data-facet": f.key }, [el("legend", { text: f.label }), list]));
    });
  }
  function order(key) {
    var fixed = key === "kind" ? S.ranges().map(function (r) { return r[0]; }) : key === "level" ? table.levels : null;
    return function (a, b) {
      if (fixed) return fixed.indexOf(a) - fixed.indexOf(b);
      return a.localeCompare(b, "zh-Hans-CN-u-co-pinyin");
    };
  }
  function restoreFocus() {
    var want = refocus;
    refocus = null;
    if (want === "first-result") {
      var first = listBox.querySelector("a.kb-results__title");
      if (first) first.focus({ preventScroll: true });
    } else if (want) {
      var boxes = facetBox.querySelectorAll("input[data-facet]"), same = null, other = null;
      for (var i = 0; i < boxes.length; i++) {
        if (boxes[i].getAttribute("data-facet") !== want.facet) continue;
        other = other || boxes[i];
        if (boxes[i].value === want.value) { same = boxes[i]; break; }
      }
      (same || other || facetBox).focus();
    }
  }
  function toggle(key, value, on) {
    refocus = { facet: key, value: value };  // the facets are drawn anew: this box keeps the focus
    var list = (state.filters[key] || []).filter(function (v) { return v !== value; });
    if (on) list.push(value);
    if (list.length) state.filters[key] = list; else delete state.filters[key];
    go(1);
  }

  function showList(shown, q, hits, offset) {
    listBox.textContent = "";
    listBox.setAttribute("start", String(offset + 1));
    shown.forEach(function (h, i) {
      // the results holding only some of the query's words come after a line that says so
      var previous = offset + i > 0 ? hits[offset + i - 1] : null;
      if (!h.complete && (!previous || previous.complete) && offset + i > 0) {
        listBox.appendChild(el("li", { class: "kb-results__divider", role: "presentation", text: "以下结果只含部分查询字词" }));
      }
      var kind = S.kindLabel(h.kind);
      var aliasLine = aliasesHolding(h.aliases || [], q);
      listBox.appendChild(el("li", { class: "kb-results__item" }, [
        el("a", { class: "kb-results__title", href: new URL(h.url, base).href }, [S.highlighted(h.title, q)]),
        el("p", { class: "kb-results__meta" }, [el("span", { class: "kb-results__kind", text: kind }),
          h.subtitle && h.subtitle !== kind ? " " + h.subtitle : ""]),
        aliasLine.length ? el("p", { class: "kb-results__aliases" }, ["又称："].concat(joinWith(aliasLine.map(function (a) {
          return S.highlighted(a, q);
        }), "、"))) : null,
        h.text ? el("p", { class: "kb-results__snippet" }, [S.highlighted(S.snippet(h.text, q, 160), q)]) : null,
      ]));
    });
  }
  // the aliases that hold a word of the query (边寨小协商 is how 协商在基层 was found)
  function aliasesHolding(aliases, q) {
    var wanted = q.tokens;
    return aliases.filter(function (a) {
      var have = S.tokens(a);
      return wanted.some(function (t) { return have.indexOf(t) >= 0; });
    });
  }
  function joinWith(nodes, sep) {
    var out = [];
    nodes.forEach(function (n, i) { if (i) out.push(sep); out.push(n); });
    return out;
  }

  function showPager(page, pages) {
    pager.textContent = "";
    if (pages <= 1) return;
    function link(n, text, label) {
      if (n < 1 || n > pages) return el("span", { class: "kb-results__page kb-results__page--off", text: text });
      var a = el("a", { class: "kb-results__page", href: urlFor(n), "data-page": String(n), text: text });
      if (label) a.setAttribute("aria-label", label);
      if (n === page && !label) a.setAttribute("aria-current", "page");
      return a;
    }
    pager.appendChild(link(page - 1, "‹ 上一页", "上一页"));
    var shown = [1, pages, page - 2, page - 1, page, page + 1, page + 2].filter(function (n, i, all) {
      return n >= 1 && n <= pages && all.indexOf(n) === i;
    }).sort(function (a, b) { return a - b; });
    shown.forEach(function (n, i) {
      if (i && n - shown[i - 1] > 1) pager.appendChild(el("span", { class: "kb-results__gap", text: "…" }));
      pager.appendChild(link(n, String(n)));
    });
    pager.appendChild(link(page + 1, "下一页 ›", "下一页"));
  }

  readUrl();
  build();
  render();
  window.addEventListener("popstate", function () { readUrl(); render(); });
})();
