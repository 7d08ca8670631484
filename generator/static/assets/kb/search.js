/* Site search for Chinese text (index built by generator/search/build.py).
 *
 * The query is read like the index: NFKC, lower case, Traditional → Simplified through the
 * map in the manifest, then cut into character pairs and Latin words. Only the index shards
 * holding those tokens are loaded (as <script> files, so it works from file:// too), scores
 * are added up, documents holding every token come first, and the names of the leading
 * candidates are checked: a page whose name or alias is the query, or contains it, wins.
 * Everything shown is inserted as text, never as HTML. */
(function () {
  "use strict";

  if (!window.KB) return;
  var KB = window.KB, el = KB.el;
  var base = KB.siteBase();
  var root = new URL("search/", base).href;
  var DEBOUNCE_MS = 60, SHOWN = 8, CHECKED = 20;

  var manifest = null, manifestWaiters = [], shardWaiters = {}, metaWaiters = {}, textWaiters = {};
  var shards = {}, metas = {}, texts = {};

  window.KB_SEARCH = {
    manifest: function (m) { manifest = m; manifestWaiters.splice(0).forEach(function (f) { f(m); }); },
    shard: function (args) { shards[args[0]] = args[1]; (shardWaiters[args[0]] || []).splice(0).forEach(function (f) { f(); }); },
    meta: function (args) { metas[args[0]] = args[1]; (metaWaiters[args[0]] || []).splice(0).forEach(function (f) { f(); }); },
    text: function (args) { texts[args[0]] = args[1]; (textWaiters[args[0]] || []).splice(0).forEach(function (f) { f(); }); }
  };

  function need(file, isReady, waiters, key) {
    if (isReady()) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      (waiters[key] = waiters[key] || []).push(resolve);
      KB.loadScript(root + file).catch(reject);
    });
  }
  function loadManifest() {
    if (manifest) return Promise.resolve(manifest);
    return new Promise(function (resolve, reject) {
      manifestWaiters.push(resolve);
      KB.loadScript(root + "manifest.js").catch(reject);
    });
  }
  function loadShard(n) { return need("t/" + n + ".js", function () { return n in shards; }, shardWaiters, n); }
  function loadMeta(n) { return need("d/" + n + ".js", function () { return n in metas; }, metaWaiters, n); }
  function loadText(n) { return need("x/" + n + ".js", function () { return n in texts; }, textWaiters, n); }

  /* --- reading text the way the index does ------------------------------------------- */
  var CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
  var TOKEN = /[\u3400-\u9fff\uf900-\ufaff]+|[0-9a-z]+(?:\+[0-9a-z]+)*\+?/g;

  function normalize(text) {
    var t = (text || "").normalize("NFKC").toLowerCase();
    var map = manifest ? manifest.t2s : null;
    if (!map) return t;
    var out = "";
    for (var i = 0; i < t.length; i++) out += map[t[i]] || t[i];
    return out;
  }
  function tokens(text) {
    var out = [], m;
    var t = normalize(text);
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(t))) {
      var run = m[0];
      if (!CJK.test(run[0]) || run.length === 1) out.push(run);
      else for (var i = 0; i + 1 < run.length; i++) out.push(run.substr(i, 2));
    }
    return out.filter(function (x, i, all) { return all.indexOf(x) === i; });
  }
  function fnv(token) {
    var h = 0x811c9dc5;
    for (var i = 0; i < token.length; i++) {
      var unit = token.charCodeAt(i);
      h = Math.imul(h ^ (unit & 0xff), 0x01000193) >>> 0;
      h = Math.imul(h ^ (unit >>> 8), 0x01000193) >>> 0;
    }
    return h % manifest.shards;
  }

  /* --- search -------------------------------------------------------------------------- */
  function search(query) {
    return loadManifest().then(function () {
      var toks = tokens(query);
      if (!toks.length) return [];
      var needed = {};
      toks.forEach(function (t) { needed[fnv(t)] = true; });
      return Promise.all(Object.keys(needed).map(function (n) { return loadShard(+n); })).then(function () {
        var score = {}, hits = {};
        toks.forEach(function (t) {
          var list = shards[fnv(t)][t];
          if (!list) return;
          for (var i = 0; i < list.length; i += 2) {
            score[list[i]] = (score[list[i]] || 0) + list[i + 1];
            hits[list[i]] = (hits[list[i]] || 0) + 1;
          }
        });
        var docs = Object.keys(score).map(Number);
        // a document holding every token of the query before one holding some of them
        docs.sort(function (a, b) { return (hits[b] - hits[a]) || (score[b] - score[a]) || (a - b); });
        var top = docs.slice(0, CHECKED);
        var files = {};
        top.forEach(function (d) { files[Math.floor(d / manifest.perMeta)] = true; });
        return Promise.all(Object.keys(files).map(function (n) { return loadMeta(+n); })).then(function () {
          var q = normalize(query).replace(/\s+/g, "");
          var results = top.map(function (d) {
            var m = metas[Math.floor(d / manifest.perMeta)][d % manifest.perMeta];
            var names = [m[1]].concat(m[4]).map(function (n) { return normalize(n).replace(/\s+/g, ""); });
            var bonus = 0;
            if (names.indexOf(q) >= 0) bonus = 3;  // the page of the thing itself
            else if (names.some(function (n) { return n.indexOf(q) >= 0; })) bonus = 2;
            else if (normalize(m[3]).replace(/\s+/g, "").indexOf(q) >= 0) bonus = 1;  // its place or body
            return { doc: d, complete: hits[d] === toks.length, bonus: bonus, score: score[d],
                     url: m[0], title: m[1], kind: m[2], subtitle: m[3], aliases: m[4], text: "" };
          });
          results.sort(function (a, b) {
            return (b.complete - a.complete) || (b.bonus - a.bonus) || (b.score - a.score) || (a.doc - b.doc);
          });
          // the first lines of text, for the snippets of the results shown only
          var shown = results.slice(0, SHOWN), wanted = {};
          shown.forEach(function (r) { wanted[Math.floor(r.doc / manifest.perText)] = true; });
          return Promise.all(Object.keys(wanted).map(function (n) { return loadText(+n); })).then(function () {
            shown.forEach(function (r) { r.text = texts[Math.floor(r.doc / manifest.perText)][r.doc % manifest.perText]; });
            return results;
          });
        });
      });
    });
  }

  /* --- showing results ----------------------------------------------------------------- */
  // Text with every occurrence of the query's characters pairs marked; built from text nodes.
  // Like normalize(), one character at a time, so positions in the result match the text's.
  function fold(text) {
    var map = (manifest && manifest.t2s) || {}, out = "";
    for (var i = 0; i < text.length; i++) {
      var c = text[i], n = c.normalize("NFKC").toLowerCase();
      out += n.length === 1 ? (map[n] || n) : c;
    }
    return out;
  }
  function highlighted(text, query) {
    var target = fold(text);
    var toks = tokens(query);
    var marks = new Array(text.length + 1).join("0").split("").map(Number);
    toks.forEach(function (t) {
      var from = 0, at;
      while ((at = target.indexOf(t, from)) >= 0) {
        for (var i = at; i < at + t.length; i++) marks[i] = 1;
        from = at + 1;
      }
    });
    var frag = document.createDocumentFragment(), i = 0;
    while (i < text.length) {
      var j = i;
      while (j < text.length && marks[j] === marks[i]) j++;
      var piece = text.slice(i, j);
      frag.appendChild(marks[i] ? el("mark", { text: piece }) : document.createTextNode(piece));
      i = j;
    }
    return frag;
  }
  function snippet(text, query) {
    var target = fold(text);
    var toks = tokens(query), first = -1;
    toks.forEach(function (t) { var at = target.indexOf(t); if (at >= 0 && (first < 0 || at < first)) first = at; });
    var start = Math.max(0, first - 30);
    var piece = text.slice(start, start + 110);
    return (start > 0 ? "…" : "") + piece + (start + 110 < text.length ? "…" : "");
  }

  var box, input, panel, list, status, active = -1, current = [], timer = null, composing = false, seq = 0;

  function build() {
    var inner = document.querySelector(".md-header__inner");
    if (!inner) return;
    input = el("input", { type: "search", class: "kb-search__input", placeholder: "搜索实践、组织、地区、术语……",
                          "aria-label": "搜索", autocomplete: "off", spellcheck: "false", role: "combobox",
                          "aria-expanded": "false", "aria-controls": "kb-search-results" });
    status = el("p", { class: "kb-search__status", "aria-live": "polite" });
    list = el("ol", { class: "kb-search__list", id: "kb-search-results", role: "listbox" });
    panel = el("div", { class: "kb-search__panel", hidden: "hidden" }, [status, list]);
    box = el("div", { class: "kb-search", role: "search" }, [input, panel]);
    var anchor = inner.querySelector(".md-header__source");
    inner.insertBefore(box, anchor || null);

    input.addEventListener("compositionstart", function () { composing = true; });
    input.addEventListener("compositionend", function () { composing = false; schedule(); });
    input.addEventListener("input", function (e) { if (!composing && !e.isComposing) schedule(); });
    input.addEventListener("keydown", keys);
    input.addEventListener("focus", function () { if (input.value.trim()) open(true); });
    document.addEventListener("click", function (e) { if (!box.contains(e.target)) open(false); });
    document.addEventListener("keydown", function (e) {
      var typing = /^(input|textarea|select)$/i.test((e.target && e.target.tagName) || "");
      if (!typing && (e.key === "/" || e.key === "s") && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        input.focus();
      }
    });
    var wanted = new URLSearchParams(location.search).get("q");
    if (wanted) { input.value = wanted; schedule(); }
  }

  function open(on) {
    panel.hidden = !on;
    input.setAttribute("aria-expanded", on ? "true" : "false");
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(run, DEBOUNCE_MS);
  }
  function run() {
    var query = input.value.trim();
    var mine = ++seq;
    if (!query) { open(false); list.textContent = ""; return; }
    search(query).then(function (results) {
      if (mine !== seq) return;  // a newer query is on its way
      show(results, query);
    }).catch(function () {
      if (mine !== seq) return;
      status.textContent = "搜索索引无法加载。请确认网站文件完整（search/ 文件夹）。";
      list.textContent = "";
      open(true);
    });
  }
  function show(results, query) {
    current = results.slice(0, SHOWN);
    active = current.length ? 0 : -1;
    list.textContent = "";
    status.textContent = results.length
      ? "找到 " + results.length + (results.length >= CHECKED ? "+" : "") + " 个结果"
      : "没有找到“" + query + "”。试试更短的词，或换一个说法。";
    current.forEach(function (r, i) {
      var kind = (manifest.kinds && manifest.kinds[r.kind]) || "";
      var link = el("a", { href: new URL(r.url, base).href, class: "kb-search__link" }, [
        el("span", { class: "kb-search__title" }, [highlighted(r.title, query)]),
        el("span", { class: "kb-search__meta" }, [el("span", { class: "kb-search__kind", text: kind }),
          r.subtitle && r.subtitle !== kind ? " " + r.subtitle : ""]),
        r.text ? el("span", { class: "kb-search__snippet" }, [highlighted(snippet(r.text, query), query)]) : null
      ]);
      var item = el("li", { class: "kb-search__item", role: "option", id: "kb-search-" + i }, [link]);
      item.addEventListener("mouseenter", function () { select(i); });
      list.appendChild(item);
    });
    select(active);
    panel.setAttribute("data-query", query);  // which query the panel shows (tests wait on it)
    open(true);
  }
  function select(i) {
    active = i;
    Array.prototype.forEach.call(list.children, function (li, n) { li.setAttribute("aria-selected", n === i ? "true" : "false"); });
    if (i >= 0) input.setAttribute("aria-activedescendant", "kb-search-" + i);
  }
  function keys(e) {
    if (e.isComposing || composing) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!current.length) return;
      e.preventDefault();
      var step = e.key === "ArrowDown" ? 1 : -1;
      select((active + step + current.length) % current.length);
      list.children[active].scrollIntoView({ block: "nearest" });
    } else if (e.key === "Enter") {
      if (active >= 0 && current[active]) {
        e.preventDefault();
        location.href = new URL(current[active].url, base).href;
      }
    } else if (e.key === "Escape") {
      open(false);
      input.blur();
    }
  }

  KB.search = search;  // for tests and the benchmark
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build); else build();
})();
