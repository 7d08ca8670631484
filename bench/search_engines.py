"""Which search engine finds the right page for Chinese queries? Measured, not assumed.

    .venv/bin/python -m bench.search_engines

Builds the shipped knowledge base once, then runs the same queries (bench/search_queries.py,
the ones the browser test suite uses) through three engines in Debian's Chromium:

- ours: the header search box of the built site (generator/search);
- mkdocs-material's search plugin, set up for Chinese as its documentation says (``lang: zh``,
  jieba segmentation on the index side) — needs ``pip install jieba``;
- Pagefind extended (its own Chinese segmentation), through its JavaScript API — needs
  ``pip install 'pagefind[extended]'``.

For each: hit rate in the top 5 and at 1, the time from typing to results, what the browser
downloads for the first query, and the index size. ``measure_search`` is also used by the
scale benchmark (bench/run.py) on synthetic sites.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
sys.path.insert(0, str(ROOT / "tests"))


def _serve(directory: Path):
    from conftest import serve_dir  # the same server the browser tests use

    return serve_dir(directory)


@contextlib.contextmanager
def _page_on(site: Path):
    """Serve ``site`` on 127.0.0.1 and open a Chromium page; yields (base URL, page)."""
    from playwright.sync_api import sync_playwright

    url, stop = _serve(site)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                yield url, browser.new_page()
            finally:
                browser.close()
    finally:
        stop()


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


# Type a query the way an input method delivers it (the whole text, then an input event) and
# time, inside the page, until the result panel shows that query: no driver round trips in it.
_TYPE_AND_TIME = """q => new Promise((resolve, reject) => {
  const box = document.querySelector('.kb-search__input'), panel = document.querySelector('.kb-search__panel');
  const watch = new MutationObserver(() => {
    if (panel.getAttribute('data-query') === q && !panel.hidden) {
      watch.disconnect();
      resolve(performance.now() - started);
    }
  });
  watch.observe(panel, {attributes: true, childList: true, subtree: true});
  setTimeout(() => { watch.disconnect(); reject(new Error('no result panel for ' + q)); }, 30000);
  box.focus();
  box.value = q;
  const started = performance.now();
  box.dispatchEvent(new Event('input', {bubbles: true}));
})"""


_SEARCH_DOWNLOADS = """() => performance.getEntriesByType('resource').filter(e => e.name.includes('/search/'))
    .reduce((sum, e) => [sum[0] + e.encodedBodySize, sum[1] + 1], [0, 0])"""


def measure_search(site_dir: Path, queries: list[str], visits: int = 3) -> dict:
    """Our engine on any built site, served on 127.0.0.1 and opened in Chromium: the time from
    the last keystroke to the result list (60 ms debounce included) for the first query of a
    fresh visit (median of ``visits`` visits with an empty cache), the median and slowest over
    all ``queries``, what the first query downloads, and the size of the whole index. Used by
    the scale benchmark (bench/run.py)."""
    firsts, timings, first_bytes, first_files = [], [], [], []
    with _page_on(site_dir) as (url, page):
        browser = page.context.browser
        for visit in range(visits):
            context = browser.new_context()  # empty cache: what a first visit downloads
            tab = context.new_page()
            tab.goto(url + "index.html")
            tab.wait_for_selector(".kb-search__input")
            for number, query in enumerate(queries if visit == 0 else queries[:1]):
                elapsed = tab.evaluate(_TYPE_AND_TIME, query)
                if number == 0:
                    firsts.append(elapsed)
                    size, files = tab.evaluate(_SEARCH_DOWNLOADS)
                    first_bytes.append(size)
                    first_files.append(files)
                if visit == 0:
                    timings.append(elapsed)
            context.close()
    return {
        "first_result_ms": statistics.median(firsts),
        "median_result_ms": statistics.median(timings),
        "max_result_ms": max(timings),
        "first_query_kb": max(first_bytes) / 1024,
        "first_query_files": max(first_files),
        "index_mb": _dir_bytes(site_dir / "search") / 1e6,
        "index_files": sum(1 for p in (site_dir / "search").rglob("*") if p.is_file()),
    }


# --- engines on the shipped data --------------------------------------------------------------


def _hits(results: dict[str, list], queries) -> dict:
    """A result is a page title, or for page-level engines a page title with the titles of the
    sections it matched (so a glossary entry found as a section of the glossary counts)."""
    def found(query, expected, depth):
        entries = [[e] if isinstance(e, str) else e for e in results[query][:depth]]
        return any(expected in titles for titles in entries) if expected else bool(entries)

    hits5 = [q for q, expected, _ in queries if found(q, expected, 5)]
    return {"hit_at_5": len(hits5) / len(queries), "hit_at_1": sum(1 for q, e, _ in queries if e and found(q, e, 1)),
            "queries": len(queries), "misses": [q for q, _, _ in queries if q not in hits5]}


def _downloaded_kb(page, marker: str) -> float:
    """What the page has loaded so far from files whose URL holds ``marker`` (resource
    timing: it sees script elements, fetches and WebAssembly alike)."""
    return page.evaluate("""m => performance.getEntriesByType('resource').filter(e => e.name.includes(m))
        .reduce((sum, e) => sum + e.encodedBodySize, 0)""", marker) / 1024


def run_ours(site: Path, queries) -> dict:
    results, timings, first = {}, [], None
    with _page_on(site) as (url, page):
        page.goto(url + "index.html")
        page.wait_for_selector(".kb-search__input")
        for query, _, _ in queries:
            timings.append(page.evaluate(_TYPE_AND_TIME, query))
            first = _downloaded_kb(page, "/search/") if first is None else first
            results[query] = page.eval_on_selector_all(".kb-search__title", "els => els.map(e => e.textContent)")
    return {**_hits(results, queries), "median_ms": statistics.median(timings), "first_query_kb": first,
            "index_kb": _dir_bytes(site / "search") / 1024, "file_url": "可用"}


# Material reads its box on key-up. Text from a Chinese input method arrives without one; the
# key that commits it (here End) gives it. Timed inside the page until the result count
# changes; the box is emptied first, which brings back Material's "type to start" line.
_MATERIAL_TYPE_AND_TIME = """q => new Promise((resolve, reject) => {
  const box = document.querySelector('input.md-search__input');
  const meta = document.querySelector('.md-search-result__meta');
  const idle = () => meta.textContent.trim() === '键入以开始搜索';
  const keyup = () => box.dispatchEvent(new KeyboardEvent('keyup', {key: 'End', bubbles: true}));
  const ask = () => {
    const watch = new MutationObserver(() => {
      if (!idle()) { watch.disconnect(); setTimeout(() => resolve(performance.now() - started), 0); }
    });
    watch.observe(meta, {childList: true, characterData: true, subtree: true});
    box.value = q;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    const started = performance.now();
    keyup();
  };
  setTimeout(() => reject(new Error('no result count for ' + q)), 30000);
  box.value = '';
  box.dispatchEvent(new Event('input', {bubbles: true}));
  keyup();
  const wait = () => idle() ? ask() : setTimeout(wait, 5);
  wait();
})"""

MATERIAL_SEARCH = """
  - search:
      lang: zh
      separator: '[\\s\\u200b\\u3000\\-、。，．？！；]+'
"""


def run_material(project: Path, queries) -> dict:
    try:
        import jieba  # noqa: F401 — Material segments Chinese with it when it is installed
    except ImportError:
        return {"note": "未安装 jieba，无法按 mkdocs-material 文档的中文设置构建"}

    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("plugins:\n  - kb\n", "plugins:\n  - kb\n" + MATERIAL_SEARCH.lstrip("\n"), 1)
    (project / "mkdocs-material-search.yml").write_text(config, encoding="utf-8")
    site = project / "site-material"
    env = {**os.environ, "KB_NO_SEARCH": "1"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", "mkdocs-material-search.yml", "-d", str(site)],
                   cwd=project, check=True, env=env, capture_output=True)
    build_s = time.perf_counter() - started
    results, timings, first = {}, [], None
    with _page_on(site) as (url, page):
        page.goto(url + "index.html")
        page.wait_for_selector("input.md-search__input")
        page.evaluate("() => document.querySelector('input.md-search__input').focus()")
        for query, _, _ in queries:
            timings.append(page.evaluate(_MATERIAL_TYPE_AND_TIME, query))
            first = _downloaded_kb(page, "/search/") if first is None else first
            # each result is a page (h1) with its matching sections (h2, e.g. a glossary entry)
            results[query] = page.eval_on_selector_all(".md-search-result__item", """items => items.map(li =>
                Array.from(li.querySelectorAll('h1, h2')).map(h => h.textContent.replace(/\u200b/g, '').trim()))""")
    # The index is fetched by Material's web worker, whose requests the page does not see; it
    # always loads the whole search_index.json before the first result.
    whole = (site / "search" / "search_index.json").stat().st_size
    return {**_hits(results, queries), "median_ms": statistics.median(timings), "first_query_kb": max(first, whole / 1024),
            "index_kb": _dir_bytes(site / "search") / 1024, "build_s": build_s, "file_url": "不可用（需 Web Worker）"}


def run_pagefind(site: Path, work: Path, queries) -> dict:
    try:
        import pagefind_bin_extended  # type: ignore  # noqa: F401 — the extended build segments Chinese
    except ImportError:
        return {"note": "未安装 pagefind[extended]"}

    copy = work / "site-pagefind"
    shutil.copytree(site, copy)
    shutil.rmtree(copy / "search", ignore_errors=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(copy)], check=True, capture_output=True)
    build_s = time.perf_counter() - started
    results, timings, first = {}, [], None
    with _page_on(copy) as (url, page):
        page.goto(url + "index.html")
        page.evaluate("async () => { window.pf = await import('./pagefind/pagefind.js'); await window.pf.init(); }")
        for query, _, _ in queries:
            # Pagefind's own JavaScript API, timed inside the page: the search and the data of
            # the first five results (its default UI adds a 300 ms debounce on top)
            answer = page.evaluate("""async q => { const started = performance.now();
                const r = await window.pf.search(q);
                const top = await Promise.all(r.results.slice(0, 5).map(x => x.data()));
                return {ms: performance.now() - started,
                        titles: top.map(d => [(d.meta.title || '').replace(/ - 协商实践知识库$/, '').trim()]
                            .concat((d.sub_results || []).map(s => (s.title || '').trim())))}; }""", query)
            timings.append(answer["ms"])
            first = _downloaded_kb(page, "/pagefind/") if first is None else first
            results[query] = answer["titles"]
    return {**_hits(results, queries), "median_ms": statistics.median(timings), "first_query_kb": first,
            "index_kb": _dir_bytes(copy / "pagefind") / 1024, "build_s": build_s, "file_url": "不可用（需要 Web 服务器）"}


def main() -> int:
    from bench.search_queries import QUERIES

    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kb-search-bench-") as tmp:
        work = Path(tmp)
        from conftest import copy_project

        project = copy_project(work / "kb")
        subprocess.run([sys.executable, "-m", "generator.cli", "--project", str(project), "build"], check=True,
                       capture_output=True)
        engines = {
            "本库搜索（字对 + 繁简映射）": run_ours(project / "site", QUERIES),
            "mkdocs-material 搜索 + jieba": run_material(project, QUERIES),
            "Pagefind extended": run_pagefind(project / "site", work, QUERIES),
        }
    out = RESULTS / "search-engines.json"
    out.write_text(json.dumps(engines, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"{len(QUERIES)} 条查询（bench/search_queries.py），Debian chromium，本机\n")
    print("引擎 | 前五命中率 | 第一命中 | 输入到结果（中位） | 首次查询下载 | 索引大小 | file://")
    print("---|---|---|---|---|---|---")
    for name, r in engines.items():
        if "note" in r:
            print(f"{name} | {r['note']} | | | | |")
            continue
        timing = "—（见 MEASURED.md）" if r["median_ms"] is None else f"{r['median_ms']:.0f} ms"
        print(f"{name} | {r['hit_at_5']:.0%} | {r['hit_at_1']}/{r['queries']} | {timing} | "
              f"{r['first_query_kb']:.0f} KB | {r['index_kb']:.0f} KB | {r['file_url']}")
    for name, r in engines.items():
        if r.get("misses"):
            print(f"\n{name} 前五未命中：{'、'.join(r['misses'])}")
    print(f"\n结果已保存：{out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
