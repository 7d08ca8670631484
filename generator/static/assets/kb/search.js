/* Site search for Chinese text (index built by generator/search/build.py).
 *
 * The query is read like the index: NFKC, lower case, Traditional → Simplified through the
 * map in the manifest; question words that say nothing about what is sought (怎么、如何、哪些 …)
 * are dropped; the rest is cut into character pairs and Latin words. Only the index shards
 * holding those tokens are loaded (as <script> files, so it works from file:// too), scores
 * are added up and documents ranked: holding every token the index knows first; then the page
 * whose name or alias is the query (its whole-name token, in characters or pinyin), then one
 * whose name holds every token, then one whose name's pinyin begins with the query; for a
 * question, practices before other pages; then by score. The order is known from the index
 * alone: page data (title, place, first lines of text) is loaded only for the results shown.
 *
 * The header box shows the first 8 results as one types; Enter opens the results page
 * (explore/search.html, results.js), or the result chosen with the arrow keys.
 * Everything shown is inserted as text, never as HTML. */
(function () {
  "use strict";

  if (!window.KB) return;
  var KB = window.KB, el = KB.el;
  var base = KB.siteBase();
  var root = new URL("search/", base).href;
  var DEBOUNCE_MS = 60, SHOWN = 8;
  var RESULTS_PAGE = "explore/search.html";

  var manifest = null, facetTable = null, questionWords = [];
  // Maps, and KB.own() for the objects the index files define: tokens are words typed by the
  // reader, and a query such as "constructor" must find postings, not Object.prototype's.
  var shards = new Map(), metas = new Map(), texts = new Map();

  window.KB_SEARCH = {
    manifest: function (m) {
      manifest = m;
      questionWords = (m.question || []).slice().sort(function (a, b) { return b.length - a.length; });
    },
    shard: function (args) { shards.set(args[0], args[1]); },
    meta: function (args) { metas.set(args[0], args[1]); },
    text: function (args) { texts.set(args[0], args[1]); },
    facets: function (table) { facetTable = table; }
  };

  // A script's load event comes after it ran, so its data is there once the promise resolves.
  function need(file, isReady) {
    if (isReady()) return Promise.resolve();
    return KB.loadScript(root + file).then(function () {
      if (!isReady()) throw new Error("搜索索引文件不完整：" + file);
    });
  }
  function loadManifest() { return need("manifest.js", function () { return !!manifest; }).then(function () { return manifest; }); }
  function loadShard(n) { return need("t/" + n + ".js", function () { return shards.has(n); }); }
  function loadMeta(n) { return need("d/" + n + ".js", function () { return metas.has(n); }); }
  function loadText(n) { return need("x/" + n + ".js", function () { return texts.has(n); }); }
  function loadFacets() { return need("f.js", function () { return !!facetTable; }).then(function () { return facetTable; }); }

  /* --- reading text the way the index does ------------------------------------------- */
  var CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
  var TOKEN = /[\u3400-\u9fff\uf900-\ufaff]+|[0-9a-z]+(?:\+[0-9a-z]+)*\+?/g;
  var QUOTES = /[“”‘’「」『』《》〈〉"']/g;  // do not cut a run (QUOTES in build.py)

  function normalize(text) {
    var t = (text || "").normalize("NFKC").toLowerCase();
    var map = manifest ? manifest.t2s : null;
    if (!map) return t;
    var out = "";
    for (var i = 0; i < t.length; i++) out += KB.own(map, t[i]) || t[i];
    return out;
  }
  // Character pairs of Chinese runs (a one-character run as it is), words of Latin runs; of
  // text that is normalized already.
  function cut(t) {
    var out = [], m;
    t = t.replace(QUOTES, "");
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(t))) {
      var run = m[0];
      if (!CJK.test(run[0]) || run.length === 1) out.push(run);
      else for (var i = 0; i + 1 < run.length; i++) out.push(run.substr(i, 2));
    }
    return out.filter(function (x, i, all) { return all.indexOf(x) === i; });
  }
  function tokens(text) { return cut(normalize(text)); }
  function nameKeyOf(t) {  // as name_key() in build.py: the name without spaces and punctuation
    var m, out = "";
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(t))) out += m[0];
    return out;
  }
  function fnv(text) {  // FNV-1a over UTF-16 code units, as shard_of() in build.py
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      var unit = text.charCodeAt(i);
      h = Math.imul(h ^ (unit & 0xff), 0x01000193) >>> 0;
      h = Math.imul(h ^ (unit >>> 8), 0x01000193) >>> 0;
    }
    return h;
  }
  function shardOf(token) { return fnv(token) % manifest.shards; }

  /* A query as it is searched, like query_tokens() in build.py: question words dropped (with
   * the pairs across them and a lone character left between them), unless nothing else is
   * left; the whole-name keys to look up (the query as typed, and without question words). */
  function parse(query) {
    var text = normalize(query), pieces = [], dropped = [], start = 0, i = 0;
    while (i < text.length) {
      var word = null;
      for (var k = 0; k < questionWords.length; k++) {
        if (text.startsWith(questionWords[k], i)) { word = questionWords[k]; break; }
      }
      if (word) {
        pieces.push(text.slice(start, i));
        dropped.push(word);
        i = start = i + word.length;
      } else i++;
    }
    pieces.push(text.slice(start));
    var kept = [];
    pieces.forEach(function (piece) {
      cut(piece).forEach(function (t) {
        if (dropped.length && t.length === 1 && CJK.test(t)) return;
        if (kept.indexOf(t) < 0) kept.push(t);
      });
    });
    var names = [nameKeyOf(text)];
    if (!kept.length) {
      kept = cut(text);
      dropped = [];
      pieces = [text];
    } else if (dropped.length) {
      var rest = nameKeyOf(pieces.join(" "));
      if (rest && names.indexOf(rest) < 0) names.push(rest);
    }
    // the phrases a snippet looks for first: the words typed between spaces and question
    // words, longest first (then the first of any token)
    var phrases = [];
    pieces.forEach(function (piece) { piece.split(/\s+/).forEach(function (w) { phrases.push(nameKeyOf(w)); }); });
    phrases = phrases.filter(function (p, n) { return p.length > 1 && phrases.indexOf(p) === n; })
      .sort(function (a, b) { return b.length - a.length; });
    return { text: query, tokens: kept, names: names.filter(Boolean), phrases: phrases,
             question: dropped.length > 0, dropped: dropped };
  }

  // Postings as written by encode_postings(): base-32 digits, the upper half of the alphabet
  // continuing a number; pairs of (gap to the previous document, score × 2 + in-name bit).
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_", VALUE = {};
  for (var d = 0; d < DIGITS.length; d++) VALUE[DIGITS.charCodeAt(d)] = d;
  var decoded = new Map();
  function postings(token) {
    if (decoded.has(token)) return decoded.get(token);
    var text = KB.own(shards.get(shardOf(token)), token);
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

  /* Documents are numbered kind by kind: manifest.ranges holds [kind, first, count, digest]. */
  function kindOf(doc) {
    var ranges = manifest.ranges || [];
    for (var i = 0; i < ranges.length; i++) if (doc >= ranges[i][1] && doc < ranges[i][1] + ranges[i][2]) return ranges[i][0];
    return "";
  }
  function kindLabel(kind) { return (manifest && KB.own(manifest.kinds, kind)) || ""; }

  /* --- ranking ------------------------------------------------------------------------- */
  // Every document holding a token of the query (or whose name is the query), best first. The
  // last query's answer is kept: the results page asks for it again as it filters and pages.
  var lastRank = { query: null, answer: null };
  function rank(query) {
    if (lastRank.query !== query) {
      var answer = ranking(query);
      lastRank = { query: query, answer: answer };
      answer.catch(function () { if (lastRank.answer === answer) lastRank = { query: null, answer: null }; });
    }
    return lastRank.answer;
  }
  function ranking(query) {
    return loadManifest().then(function () {
      var q = parse(query);
      if (!q.tokens.length && !q.names.length) return { query: q, hits: [] };
      var wholes = q.names.map(function (n) { return manifest.name + n; });
      var needed = new Set();
      q.tokens.concat(wholes).forEach(function (t) { needed.add(shardOf(t)); });
      return Promise.all(Array.from(needed).map(loadShard)).then(function () {
        var found = new Map(), present = 0, i, list, hit;
        function at(doc) {
          var h = found.get(doc);
          if (!h) found.set(doc, h = { doc: doc, score: 0, hits: 0, named: 0, exact: false, start: false });
          return h;
        }
        q.tokens.forEach(function (t) {
          list = postings(t);
          if (list.length) present++;
          for (i = 0; i < list.length; i += 2) {
            hit = at(list[i]);
            hit.score += list[i + 1] >> 1;
            hit.hits++;
            if (list[i + 1] & 1) hit.named++;
          }
        });
        wholes.forEach(function (t) {  // names (or their pinyin) that are the query, or begin with it
          list = postings(t);
          for (i = 0; i < list.length; i += 2) {
            hit = at(list[i]);
            if (list[i + 1] >> 1) hit.start = true; else hit.exact = true;
          }
        });
        // A pair no document holds (across two words the reader ran together) asks for nothing.
        var hits = Array.from(found.values());
        hits.forEach(function (h) {
          h.complete = h.exact || h.start || (present > 0 && h.hits === present);
          h.bonus = h.exact ? 3 : present > 0 && h.named === present ? 2 : h.start ? 1 : 0;
          h.practice = q.question && kindOf(h.doc) === "practice";  // "how do they …": a practice
        });
        hits.sort(function (a, b) {
          return (b.complete - a.complete) || (b.bonus - a.bonus) || (b.practice - a.practice) ||
                 (b.score - a.score) || (a.doc - b.doc);
        });
        return { query: q, hits: hits };
      });
    });
  }

  // Title, URL, kind, place and first lines of the given hits (in place).
  function details(hits) {
    var files = new Set();
    hits.forEach(function (h) { files.add(Math.floor(h.doc / manifest.perMeta)); });
    return Promise.all(Array.from(files).map(loadMeta)).then(function () {
      hits.forEach(function (h) {
        if (h.url !== undefined) return;  // has them (and perhaps its whole text) already
        var m = metas.get(Math.floor(h.doc / manifest.perMeta))[h.doc % manifest.perMeta];
        h.url = m[0]; h.title = m[1]; h.kind = m[2]; h.subtitle = m[3]; h.aliases = m[4]; h.text = m[5]; h.more = !!m[6];
      });
      return hits;
    });
  }
  // The rest of the text of those hits whose first lines do not hold the query as a whole (for
  // snippets around the place where it occurs).
  function fullText(hits, q) {
    q = parsed(q);
    var longest = q.phrases.filter(function (p) { return p.length === q.phrases[0].length; });
    var wanted = hits.filter(function (h) {
      if (!h.more || h.full) return false;
      var text = folded(h.text).text;
      return longest.length ? !longest.some(function (p) { return text.indexOf(p) >= 0; }) : firstAt(h.text, q) < 0;
    });
    return Promise.all(wanted.map(function (h) {
      return loadText(h.doc).then(function () { h.text += texts.get(h.doc); h.full = true; }, function () {});
    })).then(function () { return hits; });
  }
  function loadFacetTable() { return loadManifest().then(loadFacets); }
  // Province and level of a document, from the facet table ("" where it has none).
  function placeOf(doc) {
    var t = facetTable, w = t.width, at = doc * 2 * w;
    if (at + 2 * w > t.codes.length) return { province: "", level: "" };
    var read = function (from) {
      var v = 0;
      for (var i = 0; i < w; i++) v = v * 64 + VALUE[t.codes.charCodeAt(from + i)];
      return v;
    };
    var p = read(at), l = read(at + w);
    return { province: p ? t.provinces[p - 1] : "", level: l ? t.levels[l - 1] : "" };
  }

  // The first 8 results with their data, and how many there are (the header box, tests, bench).
  function search(query) {
    return rank(query).then(function (ranked) {
      var shown = ranked.hits.slice(0, SHOWN);
      return details(shown).then(function () { return { total: ranked.hits.length, results: shown, query: ranked.query }; });
    });
  }

  // The pages of one kind that hold every word of the query, as a Set of their URLs. ``urls`` are
  // all pages of that kind (the browse page has them): the index numbers them in URL order, so
  // the n-th is the n-th URL sorted — if the index was built from the same pages (digest).
  function searchUrls(query, kind, urls) {
    return rank(query).then(function (ranked) {
      var range = (manifest.ranges || []).filter(function (r) { return r[0] === kind; })[0];
      var sorted = urls.slice().sort();
      if (!range || range[2] !== sorted.length || range[3] !== fnv(sorted.join("\n"))) {
        throw new Error("搜索索引与本页数据不一致");
      }
      var out = new Set();
      ranked.hits.forEach(function (h) {
        if (h.complete && h.doc >= range[1] && h.doc < range[1] + range[2]) out.add(sorted[h.doc - range[1]]);
      });
      return out;
    });
  }

  /* --- showing results ----------------------------------------------------------------- */
  // The text as the index reads it, without quotation marks, and where each of its characters
  // is in the text: like normalize(), one character at a time, so positions map back.
  function folded(text) {
    var map = (manifest && manifest.t2s) || {}, out = "", at = [];
    for (var i = 0; i < text.length; i++) {
      var c = text[i], n = c.normalize("NFKC").toLowerCase();
      if (n.length === 1) {
        QUOTES.lastIndex = 0;
        if (QUOTES.test(n)) continue;
        n = KB.own(map, n) || n;
      } else n = c;
      out += n;
      at.push(i);
    }
    at.push(text.length);
    return { text: out, at: at };
  }
  function parsed(query) { return typeof query === "string" ? parse(query) : query; }
  // Text with every occurrence of the query's tokens marked; built from text nodes.
  function highlighted(text, query) {
    var f = folded(text), q = parsed(query);
    var marks = new Uint8Array(text.length);
    q.tokens.forEach(function (t) {
      var from = 0, at;
      while ((at = f.text.indexOf(t, from)) >= 0) {
        marks.fill(1, f.at[at], f.at[at + t.length - 1] + 1);
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
  // Where the query first occurs in the text: the whole query (or the longest part of it between
  // question words) if it is there, else the first of its tokens.
  function firstAt(text, query) {
    var f = folded(text), q = parsed(query);
    var earliest = function (words) {
      var first = -1;
      words.forEach(function (w) { var at = f.text.indexOf(w); if (at >= 0 && (first < 0 || at < first)) first = at; });
      return first;
    };
    // the longest phrases first; of phrases as long as each other, whichever comes first
    for (var i = 0; i < q.phrases.length;) {
      var same = q.phrases.filter(function (p) { return p.length === q.phrases[i].length; });
      var at = earliest(same);
      if (at >= 0) return f.at[at];
      i += same.length;
    }
    var first = earliest(q.tokens);
    return first < 0 ? -1 : f.at[first];
  }
  // A piece of the text around the first place the query occurs (from the start of its sentence
  // when that is near), with "…" where text is left out.
  function snippet(text, query, length) {
    length = length || 110;
    var first = firstAt(text, query), start = 0;
    if (first + 40 > length) {  // not in the first lines with some text after it
      var stop = Math.max(text.lastIndexOf("。", first - 1), text.lastIndexOf("；", first - 1));
      start = stop >= 0 && stop >= first - 50 ? stop + 1 : first - 30;
    }
    var piece = text.slice(start, start + length);
    return (start > 0 ? "…" : "") + piece + (start + length < text.length ? "…" : "");
  }
  function resultsUrl(query, params) {
    var url = new URL(RESULTS_PAGE, base);
    url.searchParams.set("q", query);
    Object.keys(params || {}).forEach(function (k) { url.searchParams.set(k, params[k]); });
    return url.href;
  }

  /* --- the header box ------------------------------------------------------------------ */
  /* A combobox as the WAI-ARIA Authoring Practices describe it (the "list autocomplete" pattern):
   * the focus stays in the box; Down and Up move through the options, the chosen one named by
   * aria-activedescendant; Enter opens the chosen option, or, when none is chosen, the results
   * page; Esc closes the list (a second Esc empties the box); Tab closes it and moves on. Options
   * hold no links (a screen reader would meet a link inside an option): an option opens its page
   * itself, and its accessible name is short — title and kind, not the snippet. The number of
   * results is announced by a live region that is in the page, empty, before any search. */
  var box, input, panel, list, status, announce, all, active = -1, current = [], timer = null, composing = false, seq = 0;
  var dismissed = false;  // the reader closed the list (Esc, Tab, a click elsewhere) after typing
  var onResultsPage = !!document.getElementById("kb-results");

  function build() {
    input = el("input", { type: "search", name: "q", class: "kb-search__input", placeholder: "搜索实践、组织、地区、术语……",
                          "aria-label": "搜索", autocomplete: "off", spellcheck: "false", role: "combobox",
                          enterkeyhint: "search", "aria-expanded": "false", "aria-controls": "kb-search-results",
                          "aria-autocomplete": "list" });
    status = el("p", { class: "kb-search__status" });
    // What a screen reader announces as results arrive: outside the panel (which is hidden until
    // then), so that the first count is read too.
    announce = el("p", { class: "kb-sr kb-search__announce", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    list = el("ol", { class: "kb-search__list", id: "kb-search-results", role: "listbox", "aria-label": "搜索建议" });
    all = el("a", { class: "kb-search__all", hidden: "hidden" });
    panel = el("div", { class: "kb-search__panel", hidden: "hidden" }, [el("div", { class: "kb-search__head" }, [status, all]), list]);
    // A form: Enter (and a phone keyboard's search key) submits it — at once, whether or not
    // the list for the text in the box has appeared yet.
    box = el("form", { class: "kb-search", role: "search", "aria-label": "全站搜索", action: new URL(RESULTS_PAGE, base).href, method: "get" },
             [input, announce, panel]);
    if (!KB.addToHeader(box)) return;

    input.addEventListener("compositionstart", function () { composing = true; });
    input.addEventListener("compositionend", function () { composing = false; dismissed = false; schedule(); });
    input.addEventListener("input", function (e) { if (!composing && !e.isComposing) { dismissed = false; schedule(); } });
    input.addEventListener("keydown", keys);
    box.addEventListener("submit", submit);
    input.addEventListener("focus", function () {
      loadManifest().catch(function () {});  // 8 KB, read while the reader types
      dismissed = false;
      if (input.value.trim() && panel.getAttribute("data-query")) open(true);
    });
    // An option is chosen with the pointer: it opens its page (the focus never left the box).
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });
    list.addEventListener("click", function (e) {
      var li = e.target.closest ? e.target.closest(".kb-search__item") : null;
      if (li) go(li.getAttribute("data-href"), e.ctrlKey || e.metaKey || e.shiftKey);
    });
    list.addEventListener("auxclick", function (e) {
      var li = e.button === 1 && e.target.closest ? e.target.closest(".kb-search__item") : null;
      if (li) go(li.getAttribute("data-href"), true);
    });
    // Focus that leaves the form (a click elsewhere, Shift+Tab) closes the list.
    box.addEventListener("focusout", function (e) {
      if (!e.relatedTarget || !box.contains(e.relatedTarget)) close();
    });
    document.addEventListener("click", function (e) { if (!box.contains(e.target)) close(); });
    document.addEventListener("keydown", function (e) {
      var typing = /^(input|textarea|select)$/i.test((e.target && e.target.tagName) || "") || (e.target && e.target.isContentEditable);
      if (!typing && (e.key === "/" || e.key === "s") && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        input.focus();
      }
    });
    var wanted = new URLSearchParams(location.search).get("q");
    if (wanted) {
      input.value = wanted;
      if (!onResultsPage) schedule();  // the results page shows them itself
    }
  }

  function go(href, newTab) {
    if (!href) return;
    if (newTab) window.open(href, "_blank");
    else location.href = href;
  }
  function open(on) {
    if (!on) select(-1);
    panel.hidden = !on;
    input.setAttribute("aria-expanded", on ? "true" : "false");
  }
  function isOpen() { return !panel.hidden; }
  function close() { dismissed = true; open(false); }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(run, DEBOUNCE_MS);
  }
  function run() {
    var query = input.value.trim();
    var mine = ++seq;
    if (!query) { clear(); return; }
    search(query).then(function (found) {
      if (mine !== seq) return;  // a newer query is on its way
      show(found, query);
    }).catch(function () {
      if (mine !== seq) return;
      status.textContent = announce.textContent = "搜索索引无法加载。请确认网站文件完整（search/ 文件夹）。";
      list.textContent = "";
      current = [];
      all.hidden = true;
      open(true);
    });
  }
  function clear() {
    open(false);
    list.textContent = "";
    current = [];
    announce.textContent = "";
    panel.removeAttribute("data-query");
  }
  function show(found, query) {
    current = found.results.slice(0, SHOWN);
    active = -1;  // nothing chosen until the arrow keys choose: Enter opens the results page
    list.textContent = "";
    status.textContent = found.total
      ? "找到 " + found.total + " 个结果" + (found.total > current.length ? "，下面是最相关的 " + current.length + " 个" : "")
      : "没有找到“" + query + "”。试试更短的词，或换一个说法。";
    announce.textContent = found.total
      ? status.textContent + "。按下方向键选择，按回车打开全部结果。"
      : status.textContent;
    var snippets = [];
    current.forEach(function (r, i) {
      var kind = kindLabel(r.kind);
      var piece = el("span", { class: "kb-search__snippet", "aria-hidden": "true" });
      snippets.push(piece);
      if (r.text) piece.appendChild(highlighted(snippet(r.text, found.query), found.query));
      // The option's name is its title and kind (read from its text); place and snippet are for the eye.
      list.appendChild(el("li", { class: "kb-search__item", role: "option", id: "kb-search-" + i, "aria-selected": "false",
                                  "data-href": new URL(r.url, base).href }, [
        el("span", { class: "kb-search__title" }, [highlighted(r.title, found.query)]),
        el("span", { class: "kb-search__meta" }, [el("span", { class: "kb-search__kind", text: kind }),
          r.subtitle && r.subtitle !== kind ? el("span", { "aria-hidden": "true", text: " " + r.subtitle }) : null]),
        piece
      ]));
    });
    // Where the query is further into a page than its first lines, the snippet follows once the
    // rest of that page's text has loaded (the list does not wait for it).
    var mine = seq;
    fullText(current, found.query).then(function () {
      if (mine !== seq) return;
      current.forEach(function (r, i) {
        if (!r.full) return;
        snippets[i].textContent = "";
        snippets[i].appendChild(highlighted(snippet(r.text, found.query), found.query));
      });
    });
    all.hidden = !found.total;
    all.href = resultsUrl(query);
    all.textContent = "全部 " + found.total + " 个结果 ›";
    input.removeAttribute("aria-activedescendant");
    panel.setAttribute("data-query", query);  // which query the panel shows (tests wait on it)
    panel.setAttribute("data-total", String(found.total));
    // Results that arrive after the reader closed the list or left the box do not open it again.
    open(!dismissed);
  }
  function select(i) {
    active = i;
    Array.prototype.forEach.call(list.children, function (li, n) { li.setAttribute("aria-selected", n === i ? "true" : "false"); });
    if (i >= 0) input.setAttribute("aria-activedescendant", "kb-search-" + i);
    else input.removeAttribute("aria-activedescendant");
  }
  // The list shows the results of what is in the box now (not of text typed before a paste).
  function showsCurrent() {
    return panel.getAttribute("data-query") === input.value.trim();
  }
  function keys(e) {
    if (e.isComposing || composing) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!current.length || !showsCurrent()) return;
      e.preventDefault();
      var n = current.length;
      if (!isOpen()) {  // Down (or Up) opens the list again, on the first (or last) option
        dismissed = false;
        open(true);
        select(e.key === "ArrowDown" ? 0 : n - 1);
      } else {
        select(e.key === "ArrowDown" ? (active + 1) % n : (active <= 0 ? n - 1 : active - 1));
      }
      list.children[active].scrollIntoView({ block: "nearest" });
    } else if (e.key === "Escape") {
      e.preventDefault();
      if (isOpen()) close();  // the focus stays in the box
      else if (input.value) { input.value = ""; clearTimeout(timer); seq++; clear(); }
    } else if (e.key === "Tab") {
      close();  // closes as the focus moves on
    }
  }
  function submit(e) {
    e.preventDefault();
    if (composing) return;
    var query = input.value.trim();
    if (isOpen() && active >= 0 && current[active] && showsCurrent()) {
      location.href = new URL(current[active].url, base).href;
    } else if (query) {
      location.href = resultsUrl(query);
    }
  }

  KB.search = search;  // the header box's results (tests and the benchmark call it too)
  KB.searchUrls = searchUrls;  // the browse page's filter box
  KB.searchEngine = {  // the results page (results.js)
    parse: parse, rank: rank, details: details, fullText: fullText, facets: loadFacetTable, placeOf: placeOf,
    kindOf: kindOf, kindLabel: kindLabel, manifest: function () { return manifest; }, ranges: function () { return manifest.ranges || []; },
    highlighted: highlighted, snippet: snippet, resultsUrl: resultsUrl, tokens: tokens
  };
  function start() {
    build();
    var results = document.getElementById("kb-results");
    if (results && results.getAttribute("data-kb-script")) {
      // the results page: its index files load while its script does
      var wanted = (new URLSearchParams(location.search).get("q") || "").trim();
      if (wanted) rank(wanted).catch(function () {});
      loadFacetTable().catch(function () {});
      KB.loadScript(results.getAttribute("data-kb-script")).catch(function () {
        results.hidden = false;
        results.textContent = "搜索结果页的脚本无法加载。请确认网站文件完整（assets/kb/ 文件夹）。";
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
