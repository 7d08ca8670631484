/* Site search for Chinese text (index built by generator/search/build.py).
 *
 * The query is read like the index: NFKC, lower case, Traditional → Simplified through the
 * map in the manifest, then cut into character pairs and Latin words. Only the index shards
 * holding those tokens are loaded (as <script> files, so it works from file:// too), scores
 * are added up and documents ranked: holding every token first; then the page whose name or
 * alias is the query (its whole-name token), then one whose name holds every token; then by
 * score. The order is known from the index alone: page data (title, place, first lines of
 * text) is loaded only for the results shown, in one round after the shards.
 * Everything shown is inserted as text, never as HTML. */
(function () {
  "use strict";

  if (!window.KB) return;
  var KB = window.KB, el = KB.el;
  var base = KB.siteBase();
  var root = new URL("search/", base).href;
  var DEBOUNCE_MS = 60, SHOWN = 8;

  var manifest = null, manifestWaiters = [], shardWaiters = {}, metaWaiters = {};
  // Maps, and KB.own() for the objects the index files define: tokens are words typed by the
  // reader, and a query such as "constructor" must find postings, not Object.prototype's.
  var shards = new Map(), metas = new Map();

  window.KB_SEARCH = {
    manifest: function (m) { manifest = m; manifestWaiters.splice(0).forEach(function (f) { f(m); }); },
    shard: function (args) { shards.set(args[0], args[1]); (shardWaiters[args[0]] || []).splice(0).forEach(function (f) { f(); }); },
    meta: function (args) { metas.set(args[0], args[1]); (metaWaiters[args[0]] || []).splice(0).forEach(function (f) { f(); }); }
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
  function loadShard(n) { return need("t/" + n + ".js", function () { return shards.has(n); }, shardWaiters, n); }
  function loadMeta(n) { return need("d/" + n + ".js", function () { return metas.has(n); }, metaWaiters, n); }

  /* --- reading text the way the index does ------------------------------------------- */
  var CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
  var TOKEN = /[\u3400-\u9fff\uf900-\ufaff]+|[0-9a-z]+(?:\+[0-9a-z]+)*\+?/g;

  function normalize(text) {
    var t = (text || "").normalize("NFKC").toLowerCase();
    var map = manifest ? manifest.t2s : null;
    if (!map) return t;
    var out = "";
    for (var i = 0; i < t.length; i++) out += KB.own(map, t[i]) || t[i];
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

  function nameKey(text) {  // as name_key() in build.py: the name without spaces and punctuation
    var t = normalize(text), m, out = "";
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(t))) out += m[0];
    return out;
  }

  // Postings as written by encode_postings(): base-32 digits, the upper half of the alphabet
  // continuing a number; pairs of (gap to the previous document, score × 2 + in-name bit).
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_", VALUE = {};
  for (var d = 0; d < DIGITS.length; d++) VALUE[DIGITS.charCodeAt(d)] = d;
  var decoded = new Map();
  function postings(token) {
    if (decoded.has(token)) return decoded.get(token);
    var text = KB.own(shards.get(fnv(token)), token);
    var out = [], value = 0, doc = 0, gap = true;
    for (var i = 0; text && i < text.length; i++) {
      var v = VALUE[text.charCodeAt(i)];
      if (v >= 32) { value = value * 32 + v - 32; continue; }
      value = value * 32 + v;
      if (gap) doc += value; else out.push(doc, value);
      gap = !gap;
      value = 0;
    }
    decoded.set(token, out);
    return out;
  }

  /* --- search -------------------------------------------------------------------------- */
  function search(query) {
    return loadManifest().then(function () {
      var toks = tokens(query);
      if (!toks.length) return { total: 0, results: [] };
      var whole = manifest.name + nameKey(query);
      var needed = {};
      toks.concat([whole]).forEach(function (t) { needed[fnv(t)] = true; });
      return Promise.all(Object.keys(needed).map(function (n) { return loadShard(+n); })).then(function () {
        var score = {}, hits = {}, named = {}, exact = {}, i, list;
        toks.forEach(function (t) {
          list = postings(t);
          for (i = 0; i < list.length; i += 2) {
            var doc = list[i], packed = list[i + 1];
            score[doc] = (score[doc] || 0) + (packed >> 1);
            hits[doc] = (hits[doc] || 0) + 1;
            if (packed & 1) named[doc] = (named[doc] || 0) + 1;
          }
        });
        list = postings(whole);  // pages whose name or alias is the query
        for (i = 0; i < list.length; i += 2) {
          exact[list[i]] = true;
          if (!(list[i] in score)) score[list[i]] = 0;
        }
        var candidates = Object.keys(score).map(function (doc) {
          doc = +doc;
          return { doc: doc, score: score[doc], complete: !!exact[doc] || hits[doc] === toks.length,
                   bonus: exact[doc] ? 3 : named[doc] === toks.length ? 2 : 0 };
        });
        var order = function (a, b) {
          return (b.complete - a.complete) || (b.bonus - a.bonus) || (b.score - a.score) || (a.doc - b.doc);
        };
        candidates.sort(order);
        var shown = candidates.slice(0, SHOWN), files = {};
        shown.forEach(function (r) { files[Math.floor(r.doc / manifest.perMeta)] = true; });
        return Promise.all(Object.keys(files).map(function (n) { return loadMeta(+n); })).then(function () {
          shown.forEach(function (r) {
            var m = metas.get(Math.floor(r.doc / manifest.perMeta))[r.doc % manifest.perMeta];
            r.url = m[0]; r.title = m[1]; r.kind = m[2]; r.subtitle = m[3]; r.aliases = m[4]; r.text = m[5];
          });
          return { total: candidates.length, results: shown };
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
      out += n.length === 1 ? (KB.own(map, n) || n) : c;
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
    input = el("input", { type: "search", class: "kb-search__input", placeholder: "搜索实践、组织、地区、术语……",
                          "aria-label": "搜索", autocomplete: "off", spellcheck: "false", role: "combobox",
                          "aria-expanded": "false", "aria-controls": "kb-search-results" });
    status = el("p", { class: "kb-search__status", "aria-live": "polite" });
    list = el("ol", { class: "kb-search__list", id: "kb-search-results", role: "listbox" });
    panel = el("div", { class: "kb-search__panel", hidden: "hidden" }, [status, list]);
    box = el("div", { class: "kb-search", role: "search" }, [input, panel]);
    if (!KB.addToHeader(box)) return;

    input.addEventListener("compositionstart", function () { composing = true; });
    input.addEventListener("compositionend", function () { composing = false; schedule(); });
    input.addEventListener("input", function (e) { if (!composing && !e.isComposing) schedule(); });
    input.addEventListener("keydown", keys);
    input.addEventListener("focus", function () {
      loadManifest().catch(function () {});  // 4 KB, read while the reader types
      if (input.value.trim()) open(true);
    });
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
    search(query).then(function (found) {
      if (mine !== seq) return;  // a newer query is on its way
      show(found, query);
    }).catch(function () {
      if (mine !== seq) return;
      status.textContent = "搜索索引无法加载。请确认网站文件完整（search/ 文件夹）。";
      list.textContent = "";
      open(true);
    });
  }
  function show(found, query) {
    current = found.results.slice(0, SHOWN);
    active = current.length ? 0 : -1;
    list.textContent = "";
    status.textContent = found.total
      ? "找到 " + found.total + " 个结果" + (found.total > current.length ? "，显示最相关的 " + current.length + " 个" : "")
      : "没有找到“" + query + "”。试试更短的词，或换一个说法。";
    current.forEach(function (r, i) {
      var kind = KB.own(manifest.kinds, r.kind) || "";
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
