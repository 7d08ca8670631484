"""Search as a cadre uses it: typed into the header search box of the built site in Chromium.

Each query names the page a reader would want. Expectations are page titles (and kinds), so
they follow the data's names rather than URLs. The suite passes at 95 % of queries with the
expected page in the top five, and prints every miss so a regression is visible.
"""

from __future__ import annotations

import re
import sys
import time

import pytest

from conftest import ROOT, review_path

if str(ROOT) not in sys.path:  # `pytest` (not `python -m pytest`) does not put the project on the path
    sys.path.insert(0, str(ROOT))
from bench.search_queries import QUERIES  # noqa: E402

pytestmark = pytest.mark.browser

SEARCH_BOX = ".kb-search__input"


def ask(page, query: str) -> list[dict]:
    """Type a query into the header box; the results the panel shows for it."""
    box = page.locator(SEARCH_BOX)
    box.fill("")
    box.fill(query)
    page.wait_for_selector(f'.kb-search__panel[data-query="{query}"]:not([hidden])', timeout=10_000)
    return page.eval_on_selector_all(".kb-search__item", """items => items.map(li => ({
        title: li.querySelector('.kb-search__title').textContent,
        meta: li.querySelector('.kb-search__meta').textContent,
        href: li.querySelector('a').href,
        marks: li.querySelectorAll('.kb-search__snippet mark').length}))""")


def test_forty_queries_find_their_page_in_the_top_five(page, site_url, requests_log):
    page.goto(site_url + "index.html")
    misses, timings = [], []
    for query, expected, kind in QUERIES:
        started = time.perf_counter()
        results = ask(page, query)
        timings.append(time.perf_counter() - started)
        titles = [r["title"] for r in results[:5]]
        if expected is None:
            ok = bool(titles)
        else:
            ok = expected in titles
        if not ok:
            misses.append(f"{kind}「{query}」: 期望「{expected}」，前五为 {titles}")
    passed = len(QUERIES) - len(misses)
    rate = passed / len(QUERIES)
    timings.sort()
    print(f"\n搜索命中 {passed}/{len(QUERIES)}（{rate:.0%}），查询到结果显示的中位时间 {timings[len(timings) // 2] * 1000:.0f} ms")
    for miss in misses:
        print("  未命中", miss)
    assert len(QUERIES) >= 40
    assert rate >= 0.95, "\n".join(misses)
    assert requests_log.foreign(site_url) == []
    assert page.js_errors == []


def test_own_page_ranks_first_with_title_place_and_highlighted_snippet(page, site_url):
    page.goto(site_url + "index.html")
    for name in ("吉思广益", "六事工作机制", "协商在基层", "双反馈一验证"):
        first = ask(page, name)[0]
        assert first["title"] == name, (name, first)
    first = ask(page, "协商在基层")[0]
    assert "临沧市政协" in first["meta"] and "云南省" in first["meta"]  # who and where
    results = ask(page, "中立性主持人")
    assert any(r["marks"] > 0 for r in results), results  # the phrase is marked in the snippet
    page.screenshot(path=str(review_path("search-desktop.png")))


def test_enter_opens_the_first_result_and_arrows_move(page, site_url):
    page.goto(site_url + "index.html")
    ask(page, "四双")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/practices/[a-z0-9-]+\.html$"))
    assert page.locator("h1").inner_text() == "四双"


def test_no_search_while_an_input_method_is_composing(page, site_url):
    """With a pinyin IME, the box holds Latin letters until the word is chosen; searching
    for them would flash useless results. Search waits for compositionend."""
    page.goto(site_url + "index.html")
    box = page.locator(SEARCH_BOX)
    box.dispatch_event("compositionstart")
    page.evaluate("""() => { const b = document.querySelector('.kb-search__input'); b.value = 'jisi';
        b.dispatchEvent(new InputEvent('input', {isComposing: true, data: 'jisi'})); }""")
    page.wait_for_timeout(300)
    assert page.locator(".kb-search__panel").get_attribute("data-query") is None
    page.evaluate("() => { document.querySelector('.kb-search__input').value = '吉思广益'; }")
    box.dispatch_event("compositionend")
    page.wait_for_selector('.kb-search__panel[data-query="吉思广益"]:not([hidden])')
    assert page.locator(".kb-search__title").first.inner_text() == "吉思广益"


def test_search_under_a_sub_path_and_from_file(page, site_url, built_site, requests_log):
    page.goto(site_url + "kb/practices/index.html")
    assert ask(page, "吉思广益")[0]["href"].startswith(site_url + "kb/practices/")
    page.goto((built_site / "index.html").as_uri())
    results = ask(page, "臨滄")
    assert results and results[0]["href"].startswith("file://")
    assert [u for u in requests_log.urls if not u.startswith(("http://127.0.0.1", "file://", "data:", "blob:", "about:"))] == []


def test_search_box_on_a_phone(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.goto(site_url + "index.html")
    results = ask(page, "六事")
    assert results and results[0]["title"] == "六事工作机制"
    page.screenshot(path=str(review_path("search-phone.png")))
    context.close()
