"""No record can run script in a reader's browser or change the structure of a page.

A knowledge base whose every string field holds an XSS corpus (tests/xss_corpus.py) is built
and served on 127.0.0.1; every generated page, the browse page (with its filters and its CSV and
Excel downloads) and the compare view are opened in Chromium. No dialog may open, no payload may
set ``window.__xss``, no element a payload describes may exist, no request may leave the site,
our scripts may log no error — and each field's text must be visible as text, so that a field
dropped from the pages would be noticed too.

The site is built with the validator's link rules switched off: the pages must stay safe even if
a disguised link got past ``kb check``. That ``kb check`` does refuse them is tested at the end,
without a browser.
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, serve_dir
from kbfixture import KB, make_kb
from xss_corpus import JINJA_RESULT, PROTOTYPE_NAMES, STRUCTURE_TOKENS, write_corpus

# Fields the site deliberately does not show (everything else must be visible somewhere).
NOT_SHOWN = {
    "region.aliases[0]": "地区页不显示别名",
    "theme.aliases[0]": "主题页不显示别名",
    "source.aliases[0]": "来源页不显示别名",
    "course.aliases[0]": "课程页不显示别名",
    "source.inferred[0].reason": "来源页不显示推断说明",
}
# inferred[].field is shown only up to its first "." (the field name); the rest is ours.
NOT_SHOWN_PATTERN = re.compile(r"\.inferred\[\d+\]\.field$")

BUILD_WITHOUT_LINK_RULES = """
import sys
import generator.rules as v
v.unsafe_link = lambda text: False
v.safe_url = lambda url: True
from generator.cli import main
sys.exit(main(sys.argv[1:]))
"""

HANDWRITTEN_HOME = """# 测试知识库

本页提到专门协商机构。

<!-- kb:counts -->

## 最近收录

<!-- kb:recent -->

## 主题

<!-- kb:themes -->

## 省份

<!-- kb:provinces -->
"""

# What the page tells the test, evaluated in the page after its scripts ran.
INSPECT = """() => {
  // Notes on quotations are folded under 注 (<details>): unfold them, as a reader clicking 注 does.
  document.querySelectorAll('details:not([open])').forEach(d => { d.open = true; });
  const all = [...document.querySelectorAll('*')];
  const attrs = el => [...el.attributes].map(a => [el.tagName.toLowerCase(), a.name, a.value]);
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'data', 'poster', 'xlink:href', 'srcdoc'];
  return {
    xss: window.__xss === undefined ? null : String(window.__xss),
    injected: document.querySelectorAll('[data-xss]').length,
    handlers: all.flatMap(attrs).filter(([t, n, v]) => n.startsWith('on')).map(a => a.join(' ')),
    badUrls: all.flatMap(attrs).filter(([t, n, v]) => urlAttrs.includes(n)
        && (/^[\\s\\u0000-\\u001f]*(javascript|vbscript|data|file):/i.test(v) || /^\\s*[\\\\/]{2}/.test(v)))
        .map(a => a.join(' ')),
    scripts: [...document.scripts].filter(s => s.textContent.includes('__xss')).length,
    frames: document.querySelectorAll('iframe, frame, object, embed, math, base, article form, meta[http-equiv]').length,
    styles: [...document.querySelectorAll('style')].filter(s => s.textContent.includes('display:none')).length,
    text: document.body.innerText,
    headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, summary, .admonition-title, dt, li, blockquote, strong, em, code')]
        .map(h => [h.tagName.toLowerCase(), h.textContent.trim()]),
    cells: [...document.querySelectorAll('td, th')].map(c => c.textContent.trim()),
    tables: [...document.querySelectorAll('table')].map(t => [...t.rows].map(r => r.cells.length)),
    titles: [...document.querySelectorAll('[title]')].map(e => e.getAttribute('title')),
  };
}"""


def squash(text: str) -> str:
    """Compare text as a reader sees it: white space (and U+2028/2029) does not count."""
    return "".join(text.split())


def full_width(text: str) -> str:
    """How page titles and tags show < > & " \\ (see render.safe_title)."""
    return text.translate(str.maketrans({"<": "＜", ">": "＞", "&": "＆", '"': "＂", "\\": "＼"}))


# How the corpus reaches a reader: a strict build (what CI and IT staff run), a --no-strict build
# (mkdocs warnings ignored, so nothing stops a broken page) and kb serve (a maintainer's preview).
# Each gets the short payloads in a different rotation, so names, tags and figures meet more of them.
MODES = {"strict": ("build",), "no-strict": ("build", "--no-strict"), "serve": ("serve",)}


@dataclass
class XssSite:
    kb: KB
    corpus: object
    url: str
    mode: str

    def pages(self) -> list[str]:
        if self.mode != "serve":
            return site_pages(self.kb.root / "site")
        docs = self.kb.root / "docs"
        return sorted(p.relative_to(docs).with_suffix(".html").as_posix() for p in docs.rglob("*.md"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_page(url: str, timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


@pytest.fixture(scope="module", params=list(MODES))
def xss_kb(request, tmp_path_factory):
    mode = request.param
    # The project's own mkdocs.yml (all its Markdown extensions) and hand-written pages.
    kb = KB(copy_project(tmp_path_factory.mktemp(f"xss-{mode}") / "kb", with_data=False))
    corpus = write_corpus(kb.root / "data", offset=list(MODES).index(mode) * 7)
    (kb.root / "docs" / "index.md").write_text(HANDWRITTEN_HOME, encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("KB_DEBUG", None)
    command = [sys.executable, "-c", BUILD_WITHOUT_LINK_RULES, "--project", str(kb.root), *MODES[mode]]
    if mode != "serve":
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
        url, stop = serve_dir(kb.root / "site")
        yield XssSite(kb, corpus, url, mode)
        stop()
        return
    port = free_port()
    server = subprocess.Popen([*command, "--address", f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        assert wait_for_page(url + "index.html"), "kb serve never served the corpus"
        yield XssSite(kb, corpus, url, mode)
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.communicate()


@pytest.fixture(scope="module")
def xss_context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    yield context
    context.close()


class Watch:
    """Everything a page does that a payload could cause."""

    def __init__(self, page, origin: str):
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", lambda m: self.errors.append(f"console: {m.text} @ {m.location}") if m.type == "error" else None)
        page.on("request", lambda r: None if r.url.startswith((origin, "data:", "blob:", "about:")) else self.foreign.append(r.url))


def site_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if not p.relative_to(site).parts[0] == "assets")


def check_page(page, label: str) -> dict:
    """Fails on any sign that a payload took effect; returns what the page showed."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)  # data scripts of the browse and compare views, autofocus handlers
    seen = page.evaluate(INSPECT)
    assert seen["xss"] is None, f"{label}: a payload ran (window.__xss={seen['xss']})"
    assert seen["injected"] == 0, f"{label}: {seen['injected']} element(s) from record text"
    assert not [h for h in seen["handlers"] if "__xss" in h or "alert" in h], f"{label}: {seen['handlers']}"
    assert seen["badUrls"] == [], f"{label}: {seen['badUrls']}"
    assert seen["scripts"] == 0 and seen["frames"] == 0 and seen["styles"] == 0, label
    assert JINJA_RESULT not in seen["text"], f"{label}: record text went through a template engine"
    markers = re.compile(r"X\d{3}X")
    for tag, text in seen["headings"]:
        assert not (tag in ("strong", "em", "code") and text in ("粗体", "code")), f"{label}: record text made <{tag}>"
        for token in STRUCTURE_TOKENS:
            if token in text and not markers.search(text):
                pytest.fail(f"{label}: record text made a <{tag}>: {text[:120]!r}")
    for cell in seen["cells"]:
        assert cell not in STRUCTURE_TOKENS, f"{label}: record text made a table cell {cell!r}"
    for shape in seen["tables"]:
        assert len(set(shape)) <= 1, f"{label}: a table row has extra cells {shape}"
    return seen


@pytest.mark.browser
def test_no_payload_runs_on_any_page_and_every_field_is_visible(xss_kb, xss_context):
    corpus, url = xss_kb.corpus, xss_kb.url
    page = xss_context.new_page()
    watch = Watch(page, url)
    texts: list[str] = []
    titles: list[str] = []
    pages = xss_kb.pages()
    assert {"practices/jia-gong-zuo-fa.html", "explore/tags.html", "glossary/index.html", "practices/index.html",
            "explore/compare.html", "sources/wen-xian.html"} <= set(pages)
    for path in pages:
        response = page.goto(url + path)
        assert response.status == 200, path
        seen = check_page(page, path)
        texts.append(seen["text"])
        titles.extend(seen["titles"])
        # Hover every element with a hover text (Material turns titles into tooltips).
        hovered = 0
        for element in page.locator("article [title]").all():
            if element.is_visible():
                element.hover()
                hovered += 1
        if path == "practices/jia-gong-zuo-fa.html":
            assert hovered, "no titled link to hover on the practice page"
        check_page(page, path + " (after hovering)")

    # The compare view with three practices side by side, built by compare.js from the data files.
    page.goto(url + "explore/compare.html?p=jia-gong-zuo-fa,yi-xie-shang,bing-fa")
    texts.append(check_page(page, "compare view")["text"])

    # The site search (search.js): queries that match the payloads, their results shown.
    page.goto(url + "index.html")
    search = page.locator("header input[type=search]")
    assert search.count() == 1, "no search box in the header"
    # The whole name: the marker alone is not a word of its own when the payload after it starts
    # with letters ("X049Xjavascript:…").
    practice_marker = next(v for w, v in corpus.fields.values() if w == "practice.name")
    for query in (practice_marker, "<script>", "<img", "onerror", "javascript", "&lt;", "甲"):
        search.fill(query)
        page.wait_for_function("q => document.querySelector('.kb-search__panel')?.dataset.query === q", arg=query,
                               timeout=10_000)
        seen = check_page(page, f"search {query!r}")
        if query == practice_marker:
            assert page.locator(".kb-search__item").count() > 0, f"search {query!r} found nothing"
        texts.append(seen["text"])

    # The results page (results.js): every hit of those queries, each filter value (record text
    # too: province names) ticked one at a time.
    from urllib.parse import urlencode

    done = '#kb-results[data-state="done"]'
    for query in (practice_marker, "<script>", "<img", "javascript", "甲"):
        page.goto(url + "explore/search.html?" + urlencode({"q": query}))
        page.wait_for_selector(done, timeout=15_000)
        seen = check_page(page, f"results page {query!r}")
        if query == practice_marker:
            assert page.locator(".kb-results__item").count() > 0, f"results page {query!r} found nothing"
        texts.append(seen["text"])
        facets = page.evaluate("() => [...document.querySelectorAll('#kb-results input[type=checkbox]')].map(b => [b.dataset.facet, b.value])")
        for facet in facets:
            for _ in range(2):  # on, then off again
                before = page.url
                page.evaluate("([k, v]) => [...document.querySelectorAll('#kb-results input[type=checkbox]')]"
                              ".find(b => b.dataset.facet === k && b.value === v).click()", facet)
                page.wait_for_function("u => location.href !== u", arg=before)
                page.wait_for_selector(done)
                check_page(page, f"results page {query!r}, filter {facet}")

    assert watch.dialogs == [], watch.dialogs
    assert watch.foreign == [], f"record text made the browser fetch {watch.foreign}"
    assert watch.errors == [], watch.errors

    shown = squash("\n".join(texts))
    missing = []
    for marker, (where, value) in corpus.fields.items():
        if where in NOT_SHOWN or NOT_SHOWN_PATTERN.search(where):
            continue
        forms = {squash(value), squash(full_width(value))}
        if not any(form in shown for form in forms):
            missing.append(f"{where}: {value[:60]!r}")
    assert missing == [], "fields not visible as text on any page:\n" + "\n".join(missing)
    # The glossary term's definition is the hover text of the term's links, as text (< > & in
    # their full-width forms: Material's tooltips read a title as HTML).
    definition = next(v for w, v in corpus.fields.values() if w == "term.definition")
    hover_form = squash(definition.translate(str.maketrans({"<": "＜", ">": "＞", "&": "＆"})))[:60]
    assert any(hover_form in squash(t) for t in titles), "definition missing from hover text"


@pytest.mark.browser
def test_browse_page_filters_and_downloads_stay_text(xss_kb, xss_context, tmp_path):
    corpus, url = xss_kb.corpus, xss_kb.url
    page = xss_context.new_page()
    watch = Watch(page, url)
    page.goto(url + "practices/index.html")
    page.wait_for_selector("#kb-browse table")
    check_page(page, "browse")
    name = next(v for w, v in corpus.fields.values() if w == "practice.name")
    assert squash(name) in squash(page.locator("#kb-browse table").inner_text())

    # Tick every facet value (each is record text), one at a time, and search for a payload.
    facets = page.evaluate("() => [...document.querySelectorAll('#kb-browse input[type=checkbox]')]"
                           ".map(b => [b.dataset.facet, b.value])")
    theme = next(v for w, v in corpus.fields.values() if w == "theme.name")
    assert ["theme", theme] in facets
    toggle = ("([k, v]) => [...document.querySelectorAll('#kb-browse input[type=checkbox]')]"
              ".find(b => b.dataset.facet === k && b.value === v).click()")
    for facet in facets:
        page.evaluate(toggle, facet)
        check_page(page, f"browse, facet {facet}")
        page.evaluate(toggle, facet)
    page.fill("#kb-browse input[type=search]", "<script>")
    check_page(page, "browse, search")
    page.fill("#kb-browse input[type=search]", "")

    with page.expect_download() as download:
        page.click("[data-kb-download=csv]")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert cells, "empty CSV"
    for cell in cells:
        assert not re.match(r"[=+\-@\t\r]", cell), f"CSV cell would be read as a formula: {cell[:60]!r}"
    formula = corpus.fields["CSV"][1]
    assert "'" + formula in cells

    with page.expect_download() as download:
        page.click("[data-kb-download=xlsx]")
    import openpyxl

    saved = tmp_path / "practices.xlsx"
    download.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    sheet = book.active
    values = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
    assert values and all(cell.data_type in ("s", "n") for cell in values), "an Excel cell is a formula"
    assert formula in [cell.value for cell in values]
    assert any(squash(name) == squash(str(cell.value)) for cell in values)
    check_page(page, "browse, after downloads")
    assert watch.dialogs == [] and watch.foreign == [] and watch.errors == [], (watch.dialogs, watch.foreign, watch.errors)


class _Markup(HTMLParser):
    """Elements, attributes and script text a payload would have created, as an HTML parser reads them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []
        self._tag = ""

    def handle_starttag(self, tag, attrs):
        self._tag = tag
        for name, value in attrs:
            value = value or ""
            if name == "data-xss" or (name.startswith("on") and ("__xss" in value or "alert" in value)):
                self.live.append(f"<{tag} {name}={value[:60]!r}>")
            if name in ("href", "src", "action", "formaction", "data") and re.match(r"\s*(javascript|vbscript|data):", value, re.I):
                self.live.append(f"<{tag} {name}={value[:60]!r}>")
        if tag in ("iframe", "object", "embed", "math", "base"):
            self.live.append(f"<{tag}>")

    def handle_data(self, data):
        if self._tag in ("script", "style") and ("__xss" in data or "display:none" in data):
            self.live.append(f"<{self._tag}>{data[:60]!r}")


def test_no_page_holds_a_live_payload_in_its_html(xss_kb):
    """The same, read from the HTML as served: nothing a payload describes survives as markup."""
    for path in xss_kb.pages():
        with urllib.request.urlopen(xss_kb.url + path, timeout=30) as response:
            text = response.read().decode("utf-8")
        parser = _Markup()
        parser.feed(text)
        assert parser.live == [], f"{path}: {parser.live}"
    for script in (xss_kb.kb.root / "docs" / "explore" / "data").rglob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert "</script" not in text.lower() and "\u2028" not in text and "\u2029" not in text, script


@pytest.mark.browser
def test_javascript_built_in_names_are_plain_names_in_every_script(xss_kb, xss_context):
    """Themes called constructor, toString and __proto__: counted as themselves in the browse
    facets, found by search, and a compare link naming them (no such practice) shows nothing."""
    url = xss_kb.url
    page = xss_context.new_page()
    watch = Watch(page, url)
    page.goto(url + "practices/index.html")
    page.wait_for_selector("#kb-browse fieldset[data-facet=theme]")
    facet = dict(page.evaluate("""() => [...document.querySelectorAll('#kb-browse input[data-facet=theme]')]
        .map(b => [b.value, b.labels[0].querySelector('.kb-count').textContent])"""))
    for name in PROTOTYPE_NAMES:
        assert facet.get(name) == ("2" if name == "constructor" else "1"), facet
    assert not any("native code" in k or "function" in v for k, v in facet.items()), facet
    page.evaluate("name => [...document.querySelectorAll('#kb-browse input[data-facet=theme]')].find(b => b.value === name).click()",
                  "__proto__")
    assert page.locator("#kb-browse tbody tr").count() == 1

    search = page.locator("header input[type=search]")
    for query in PROTOTYPE_NAMES + ["hasOwnProperty", "valueOf"]:
        search.fill(query)
        page.wait_for_function("q => document.querySelector('.kb-search__panel')?.dataset.query === q", arg=query,
                               timeout=15_000)
        status = page.locator(".kb-search__status").inner_text()
        assert "无法加载" not in status, (query, status)
        if query in PROTOTYPE_NAMES:
            titles = page.locator(".kb-search__title").all_inner_texts()
            assert query in titles, (query, titles)

    # The results page and the browse filter box: the same names as queries and as filter values.
    page.goto(url + "explore/search.html?q=constructor")
    page.wait_for_selector('#kb-results[data-state="done"]', timeout=15_000)
    assert "constructor" in page.locator(".kb-results__title").all_inner_texts()
    page.goto(url + "explore/search.html?q=constructor&kind=constructor&province=__proto__&level=toString")
    page.wait_for_selector('#kb-results[data-state="done"]', timeout=15_000)
    assert page.locator(".kb-results__item").count() == 0
    assert "筛选后 0 个" in page.locator(".kb-results__status").inner_text()
    page.goto(url + "practices/index.html?q=__proto__")
    page.wait_for_function("""() => [...document.querySelectorAll('#kb-browse tbody tr')]
        .some(tr => tr.cells[4].textContent.split('、').includes('__proto__'))""", timeout=15_000)

    page.goto(url + "explore/compare.html?p=constructor,toString,__proto__,jia-gong-zuo-fa,hasOwnProperty")
    page.wait_for_selector("#kb-compare .kb-compare__chosen")
    chips = page.locator("#kb-compare .kb-chip:not(.kb-chip--clear)").all_inner_texts()
    assert len(chips) == 1 and "Object" not in " ".join(chips), chips
    assert watch.dialogs == [] and watch.errors == [] and watch.foreign == [], (watch.dialogs, watch.errors, watch.foreign)


# --- kb check refuses links that are not http(s) or site-relative -----------------------------

BAD_LINKS = [
    "[点我](javascript:alert(1))",
    "[点我]( javascript:alert(1))",
    "[点我](JavaScript:alert(1))",
    "[点我](java&#x09;script:alert(1))",
    "[点我](java&Tab;script:alert(1))",
    "[点我](&#106;avascript:alert(1))",
    "[点我](java\tscript:alert(1))",
    "[点我](java\u200bscript:alert(1))",
    "[点我](vbscript:msgbox(1))",
    "[点我](data:text/html;base64,PHNjcmlwdD4=)",
    "[点我](file:///etc/passwd)",
    "[点我](//evil.example/x)",
    "[点我](\\\\evil.example\\x)",
    "[点我](<javascript:alert(1)>)",
    "![图](data:image/svg+xml,<svg onload=alert(1)>)",
    "[点我]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">点我</a>',
    "<a href=' javascript:alert(1)'>点我</a>",
    '<img src="data:image/png;base64,AAAA">',
]
GOOD_LINKS = ["[点我](https://www.example.org/a?b=1)", "[点我](../practices/jia-gong-zuo-fa.html)", "时间 10:30，比例 a: b",
              "javascript: 一种编程语言", "<https://www.example.org/>", "a < b: c"]


@pytest.fixture
def kb(tmp_path):
    return make_kb(tmp_path)


@pytest.mark.parametrize("link", BAD_LINKS)
def test_check_refuses_unsafe_links_in_text_naming_the_field(kb, link):
    kb.write("practices/jia-gong-zuo-fa.yaml", kb.read("practices/jia-gong-zuo-fa.yaml").replace(
        "    description: 向群众征集议题。", f"    description: {yaml_quote('向群众征集议题。' + link)}"))
    errors = kb.errors()
    assert [(e.path, e.line, e.field) for e in errors] == [("data/practices/jia-gong-zuo-fa.yaml", 10, "steps[0].description")]
    assert "不安全的链接" in errors[0].message and "http、https 或站内相对地址" in errors[0].message


@pytest.mark.parametrize("link", GOOD_LINKS)
def test_safe_links_and_ordinary_colons_pass(kb, link):
    kb.edit("practices/jia-gong-zuo-fa.yaml", "description: 向群众征集议题。", f"description: {yaml_quote('向群众征集议题。' + link)}")
    assert kb.errors() == []


@pytest.mark.parametrize("url", ["javascript:alert(1)", " javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x",
                                 "vbscript:x", "//evil.example/x", "file:///etc/passwd", "ftp://example.org/x",
                                 "https://example.org/\"><script>", "https://exa mple.org", "https:///x",
                                 "https://example.org/\u200b", "java&#x09;script:alert(1)", "www.example.org"])
def test_check_refuses_a_source_url_that_is_not_http(kb, url):
    kb.write("sources/wen-xian.yaml", kb.read("sources/wen-xian.yaml") + f"url: {yaml_quote(url)}\n")
    errors = kb.errors()
    assert [(e.path, e.line, e.field) for e in errors] == [("data/sources/wen-xian.yaml", 6, "url")]
    assert "网址只接受 http:// 或 https://" in errors[0].message


def test_kb_check_prints_the_field_of_an_unsafe_link(kb):
    kb.edit("practices/jia-gong-zuo-fa.yaml", "summary: 甲市政协", "summary: \"[详见](java&#x09;script:alert(1))甲市政协")
    kb.edit("practices/jia-gong-zuo-fa.yaml", "。\nsteps:", "。\"\nsteps:")
    result = subprocess.run([sys.executable, "-m", "generator.cli", "--project", str(kb.root), "check"], cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 1
    assert "data/practices/jia-gong-zuo-fa.yaml:6: summary: 含有不安全的链接" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def yaml_quote(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)



def test_an_inference_names_its_field_in_chinese_and_shows_anything_else_as_written():
    from generator.render import field_label

    assert field_label("start_year") == "起始年份"
    assert field_label("steps[2].description") == "运行步骤（第 3 项）的简介"
    # Not a field path: shown whole (escaped later), not picked apart into "释义的X的X的XSSHEAD".
    assert field_label("definition.X012X# 标题XSSHEAD") == "definition.X012X# 标题XSSHEAD"
