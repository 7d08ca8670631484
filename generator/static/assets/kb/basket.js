/* The compare basket: practices a reader collects while browsing ("加入对比" on practice pages and
 * in the browse table), kept across pages in localStorage (which works from file:// too), shown
 * in the header with its count, and opened as explore/compare.html?p=id1,id2,…
 *
 * The basket is the compare view's selection: compare.js reads it when its URL names no
 * practices, and writes it back when the reader ticks or removes one. At most MAX practices,
 * as many as the compare view shows side by side. */
(function () {
  "use strict";

  if (!window.KB) return;
  var KB = window.KB, el = KB.el;
  var KEY = "kb-compare-basket", MAX = 4;
  var memory = [];  // when storage is refused (some privacy settings), the basket lives per page
  var listeners = [];

  function read() {
    try {
      var raw = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      if (Array.isArray(raw)) return clean(raw);
    } catch (e) { /* unreadable or refused: fall back to this page's memory */ }
    return memory.slice();
  }
  function clean(ids) {
    var out = [];
    ids.forEach(function (id) {
      if (typeof id === "string" && /^[a-z0-9-]{1,80}$/.test(id) && out.indexOf(id) < 0 && out.length < MAX) out.push(id);
    });
    return out;
  }
  function write(ids) {
    ids = clean(ids);
    memory = ids.slice();
    try { window.localStorage.setItem(KEY, JSON.stringify(ids)); } catch (e) { /* kept in memory */ }
    changed();
    return ids;
  }
  function changed() {
    var ids = read();
    listeners.forEach(function (f) { f(ids); });
  }

  var basket = {
    MAX: MAX,
    ids: read,
    has: function (id) { return read().indexOf(id) >= 0; },
    full: function () { return read().length >= MAX; },
    set: write,
    add: function (id) { var ids = read(); if (ids.indexOf(id) < 0 && ids.length < MAX) ids.push(id); return write(ids); },
    remove: function (id) { return write(read().filter(function (x) { return x !== id; })); },
    onChange: function (f) { listeners.push(f); },
    url: function (ids) {
      ids = ids || read();
      return new URL("explore/compare.html" + (ids.length ? "?p=" + ids.map(encodeURIComponent).join(",") : ""), KB.siteBase()).href;
    }
  };
  KB.basket = basket;
  // Another tab changed the basket.
  window.addEventListener("storage", function (e) { if (e.key === KEY) changed(); });

  /* A toggle for one practice: the buttons on practice pages and in the browse table. */
  function label(button) {
    var id = button.getAttribute("data-kb-basket");
    var inside = basket.has(id);
    button.setAttribute("aria-pressed", inside ? "true" : "false");
    button.textContent = inside ? "已加入对比 ✓" : (basket.full() ? "对比已满（" + MAX + " 项）" : "加入对比");
    button.disabled = !inside && basket.full();
  }
  KB.basketButton = function (id) {
    var button = el("button", { type: "button", class: "md-button kb-basket-toggle", "data-kb-basket": id });
    label(button);
    return button;
  };
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-kb-basket]") : null;
    if (!button) return;
    var id = button.getAttribute("data-kb-basket");
    if (basket.has(id)) basket.remove(id); else basket.add(id);
  });
  basket.onChange(function () { document.querySelectorAll("[data-kb-basket]").forEach(label); });

  /* The header link: "对比 3", to the compare view of what is in the basket. */
  var link, count;
  function header() {
    count = el("span", { class: "kb-basket__count" });
    // Its name begins with what it shows ("对比 3"), then says what it is for.
    var made = el("a", { class: "kb-basket", href: basket.url() }, [el("span", { class: "kb-basket__label", text: "对比" }), " ", count,
      el("span", { class: "kb-sr", text: " 项实践：打开对比" })]);
    if (!KB.addToHeader(made, ".kb-search")) return;
    link = made;
    showHeader(read());
  }
  function showHeader(ids) {
    if (!link) return;
    link.hidden = !ids.length;
    link.href = basket.url(ids);
    count.textContent = String(ids.length);
  }
  basket.onChange(showHeader);

  function start() {
    header();
    document.querySelectorAll("[data-kb-basket]").forEach(function (b) { b.hidden = false; label(b); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
