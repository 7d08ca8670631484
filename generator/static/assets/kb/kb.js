/* 协商实践知识库 — shared helpers for the site's scripts. No network access beyond the site. */
(function () {
  "use strict";

  /* Material for MkDocs' markup, read here and nowhere else (docs/developers.md lists every place
   * our scripts depend on it): the page's __config, which says where the site root is, and the
   * header that our search box and compare link go into. */
  var MATERIAL = { config: "__config", header: ".md-header__inner", headerEnd: ".md-header__source" };

  /* The site root relative to this page, as Material's __config says ("." or ".." …). */
  function configBase() {
    var el = document.getElementById(MATERIAL.config);
    var base = ".";
    if (el) {
      try { base = JSON.parse(el.textContent).base || "."; } catch (e) { /* keep "." */ }
    }
    return base.replace(/\/?$/, "/");
  }

  function siteBase() {
    return new URL(configBase(), document.baseURI || location.href);
  }

  /* A link to a page of the site, written relative to this page ("../practices/x.html"), so that
   * a printed page does not print it as an address (print.css prints only http(s) links). */
  function siteHref(path) {
    return configBase() + path;
  }

  /* Put one of our controls into Material's header: before ``before`` (a selector of ours) when the
   * header has it, else before the repository link, else at the end. False on a page without one. */
  function addToHeader(node, before) {
    var inner = document.querySelector(MATERIAL.header);
    if (!inner) return false;
    inner.insertBefore(node, (before && inner.querySelector(before)) || inner.querySelector(MATERIAL.headerEnd) || null);
    return true;
  }

  /* 大字: a switch in the header that makes every text of the site larger (kb.css, html.kb-large),
   * remembered in localStorage (which works from file:// too). main.html applies the choice in the
   * page's head, before the first paint; this draws the switch and keeps tabs in step. */
  var LARGE = { key: "kb-large-text", on: "kb-large", button: "kb-textsize" };
  function setLarge(on, button) {
    document.documentElement.classList.toggle(LARGE.on, on);
    if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
  }
  function largeTextSwitch() {
    var button = el("button", { type: "button", class: LARGE.button, title: "放大全站文字；再按一次恢复",
      "aria-pressed": document.documentElement.classList.contains(LARGE.on) ? "true" : "false" }, ["大字"]);
    button.addEventListener("click", function () {
      var on = button.getAttribute("aria-pressed") !== "true";
      setLarge(on, button);
      try { window.localStorage.setItem(LARGE.key, on ? "1" : "0"); } catch (e) { /* this page only */ }
    });
    window.addEventListener("storage", function (e) { if (e.key === LARGE.key) setLarge(e.newValue === "1", button); });
    addToHeader(button);
  }

  /* Load a data script once. A <script> element works from file:// where fetch() does not. */
  var loading = {};
  function loadScript(url) {
    var href = new URL(url, document.baseURI || location.href).href;
    if (!loading[href]) {
      loading[href] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = href;
        s.async = true;
        s.onload = function () { resolve(); };
        s.onerror = function () { delete loading[href]; reject(new Error("无法加载 " + href)); };
        document.head.appendChild(s);
      });
    }
    return loading[href];
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "class") node.className = attrs[key];
      else if (attrs[key] !== null && attrs[key] !== undefined && attrs[key] !== false) node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function download(filename, blob) {
    var a = el("a", { href: URL.createObjectURL(blob), download: filename });
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  /* Copy buttons: the text of the nearest .kb-citation__text. */
  function setupCopyButtons() {
    document.querySelectorAll("[data-kb-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var box = button.closest(".kb-citation");
        var text = box ? box.querySelector(".kb-citation__text").textContent.trim() : "";
        var done = function () {
          var old = button.textContent;
          button.textContent = "已复制";
          setTimeout(function () { button.textContent = old; }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
        } else {
          fallbackCopy(text);
          done();
        }
      });
    });
  }

  /* file:// and plain-http intranet pages are not "secure contexts": no Clipboard API there. */
  function fallbackCopy(text) {
    var area = el("textarea", { readonly: "", style: "position:fixed;left:-9999px" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the text stays selectable on the page */ }
    area.remove();
  }

  /* Print buttons (course pages, the compare view): the print stylesheet makes the handout. */
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-kb-print]") : null;
    if (button) {
      event.preventDefault();
      window.print();
    }
  });

  /* obj[key] only when obj has that key itself: data objects are keyed by record text and ids,
   * and "constructor" or "toString" must not find what every object inherits. */
  var hasOwn = Object.prototype.hasOwnProperty;
  function own(obj, key) {
    return obj && hasOwn.call(obj, key) ? obj[key] : undefined;
  }

  /* Word handouts made in the browser (docx.js, loaded on first use): a practice page's button
   * names its practice; the compare view's names the chosen ones. */
  function wordHandout(ids, button) {
    var old = button.textContent;
    button.disabled = true;
    button.textContent = "正在生成……";
    return loadScript(new URL("assets/kb/docx.js", siteBase()).href).then(function () {
      return window.KBDocx.download(ids);
    }).then(function () {
      button.textContent = old;
      button.disabled = false;
    }, function (error) {
      button.textContent = "无法生成 Word 讲义（" + error.message + "）";
      button.disabled = false;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-kb-docx]") : null;
    if (button && !button.disabled) {
      event.preventDefault();
      wordHandout(button.getAttribute("data-kb-docx").split(","), button);
    }
  });

  function showDocxButtons() {
    document.querySelectorAll("button[data-kb-docx]").forEach(function (b) { b.hidden = false; });
  }

  window.KB = { siteBase: siteBase, siteHref: siteHref, addToHeader: addToHeader, loadScript: loadScript, el: el, download: download, wordHandout: wordHandout, own: own };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", largeTextSwitch);
  else largeTextSwitch();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showDocxButtons);
  else showDocxButtons();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setupCopyButtons);
  else setupCopyButtons();
})();
