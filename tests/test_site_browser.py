"""The built site in Chromium, as cadres and IT staff use it: home → practice → organization →
back through a backlink, an auto-linked term, the comparison page — at /, under /kb/ and
from file:// — with every request staying on the site's own origin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SUBPATH, review_path

pytestmark = pytest.mark.browser

REQUIRED_IN_COMPARISON = ["六式协商议政工作法", "吉思广益", "协商在基层", "六事工作机制"]


def origin(url: str) -> str:
    return re.match(r"^[a-z]+://[^/]+", url).group(0) + "/"


def practice_with_term_link(site: Path) -> str:
    """A practice page whose text links a glossary term (the data decides which)."""
    for page in sorted((site / "practices").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        if re.search(r'<article.*href="\.\./glossary/index\.html#[a-z0-9-]+" title="', text, re.S):
            return page.relative_to(site).as_posix()
    raise AssertionError("no practice page links a glossary term")


def walk_home_to_practice_to_organization(page, base: str) -> None:
    page.goto(base)
    assert page.locator("h1").first.inner_text() == "协商实践知识库"
    recent = page.locator("h2:has-text('最近收录') + ul a[href*='practices/']").first
    name = recent.inner_text()
    recent.click()
    page.wait_for_url(re.compile(r"/practices/[a-z0-9-]+\.html$"))
    assert page.locator("h1").inner_text() == name
    practice_url = page.url

    org_link = page.locator(".kb-facts li:has-text('组织') a").first
    org_name = org_link.inner_text()
    org_link.click()
    page.wait_for_url(re.compile(r"/organizations/[a-z0-9-]+\.html$"))
    assert page.locator("h1").inner_text() == org_name

    # The organization lists its practices: the way back to where we came from.
    back = page.locator(f"article table a:text-is('{name}')")
    assert back.count() == 1
    back.click()
    page.wait_for_url(practice_url)
    assert page.locator("h1").inner_text() == name


def follow_term_link(page, base: str, practice_page: str) -> None:
    page.goto(base + practice_page)
    term = page.locator("article a[href*='glossary/index.html#'][title]").first
    hover = term.get_attribute("title")
    word = term.inner_text()
    assert hover.startswith(word + "：") and len(hover) > len(word) + 4, hover
    term.click()
    page.wait_for_url(re.compile(r"/glossary/index\.html#[a-z0-9-]+$"))
    anchor = page.url.rsplit("#", 1)[1]
    heading = page.locator(f"[id='{anchor}']")
    assert heading.inner_text().strip().startswith(word) or word in heading.inner_text()
    assert heading.is_visible()


def read_comparison(page, base: str) -> None:
    page.goto(base + "explore/compare.html")
    header = page.locator(".kb-matrix table thead th").all_inner_texts()
    assert header[1:] == ["选题", "调研", "筹备", "协商", "成果", "交办", "办理", "督办", "反馈", "评价"]
    rows = page.locator(".kb-matrix table tbody tr")
    names = [rows.nth(i).locator("th[scope=row]").inner_text() for i in range(rows.count())]  # row headers (issue 17)
    for required in REQUIRED_IN_COMPARISON:
        assert required in names, f"{required} missing from the comparison: {names}"
    # Every practice in the matrix links to its page, and its marks match its steps.
    first = rows.first
    assert first.locator("th[scope=row] a").get_attribute("href").startswith("../practices/")
    # Material wraps each table in a scrolling <div> once the page has loaded.
    assert page.locator("h3:has-text('选题') + p + table tbody tr, "
                        "h3:has-text('选题') + p + .md-typeset__scrollwrap table tbody tr").count() >= 1


@pytest.mark.parametrize("mount", ["/", SUBPATH])
def test_cadre_path_through_the_site(page, site_url, built_site, requests_log, mount):
    base = site_url.rstrip("/") + mount
    walk_home_to_practice_to_organization(page, base)
    follow_term_link(page, base, practice_with_term_link(built_site))
    read_comparison(page, base)
    assert requests_log.foreign(origin(site_url)) == []
    assert page.js_errors == []


def test_works_from_file_url(page, built_site, requests_log):
    base = built_site.resolve().as_uri() + "/"
    page.goto(base + "index.html")
    # Styles loaded from disk: Material's header is coloured, not an unstyled list.
    header_bg = page.eval_on_selector(".md-header", "el => getComputedStyle(el).backgroundColor")
    assert header_bg not in ("rgba(0, 0, 0, 0)", "transparent")
    # The home page counters stand side by side as cards (Material's list rules once stacked them).
    tops = page.eval_on_selector_all(".kb-counts li", "els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    assert len(tops) == 5 and len(set(tops)) == 1, tops
    link = page.locator("h2:has-text('最近收录') + ul a[href*='practices/']").first
    link.click()
    page.wait_for_url(re.compile(r"/practices/[a-z0-9-]+\.html$"))
    assert page.url.startswith("file://")
    assert page.locator(".kb-facts").is_visible()
    assert [u for u in requests_log.urls if not u.startswith("file://")] == []
    assert page.js_errors == []


def test_every_page_kind_loads_without_outside_requests(page, site_url, built_site, requests_log):
    """One page of each kind: nothing but the site's own files, no script errors."""
    pages = ["index.html", "practices/index.html", "regions/index.html", "themes/index.html", "organizations/index.html",
             "methods/index.html", "sources/index.html", "glossary/index.html", "explore/a-z.html",
             "explore/timeline.html", "explore/tags.html", "explore/stats.html", "explore/compare.html",
             "guide.html", "contributing.html", "developers.html"]
    for folder in ("practices", "organizations", "regions", "themes", "methods", "sources"):
        pages.append(next(p for p in sorted((built_site / folder).glob("*.html")) if p.name != "index.html")
                     .relative_to(built_site).as_posix())
    for path in pages:
        response = page.goto(site_url + path)
        assert response.status == 200, path
        assert page.locator("h1").count() >= 1, path
    assert requests_log.foreign(origin(site_url)) == []
    assert page.js_errors == []


def test_browse_filters_in_place_and_keeps_state_in_the_url(page, site_url):
    page.goto(site_url + "practices/index.html")
    page.wait_for_selector(".kb-browse__main table")
    total = int(re.search(r"共 (\d+) 项", page.inner_text(".kb-browse__count")).group(1))
    province = page.locator("fieldset[data-facet=province] input").first
    value = province.get_attribute("value")
    province.check()
    filtered = int(re.search(r"共 (\d+) 项", page.inner_text(".kb-browse__count")).group(1))
    assert 0 < filtered < total
    assert "province=" in page.url
    bookmarked = page.url
    page.goto(site_url + "index.html")
    page.goto(bookmarked)
    page.wait_for_selector(".kb-browse__main table")
    assert page.locator(f"fieldset[data-facet=province] input[value='{value}']").is_checked()
    rows = page.locator(".kb-browse__main tbody tr")
    assert rows.count() == min(filtered, 50)
    assert all(value in rows.nth(i).locator("td").nth(2).inner_text() for i in range(rows.count()))


def test_browse_downloads_the_filtered_records(page, site_url, tmp_path):
    import csv
    import io

    import openpyxl

    page.goto(site_url + "practices/index.html?level=" + "市")
    page.wait_for_selector(".kb-browse__main table")
    shown = int(re.search(r"共 (\d+) 项", page.inner_text(".kb-browse__count")).group(1))
    with page.expect_download() as download:
        page.click("[data-kb-download=csv]")
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel/WPS read it as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["名称", "别名", "组织"] and len(rows) - 1 == shown
    assert {r[rows[0].index("层级")] for r in rows[1:]} == {"市"}
    with page.expect_download() as download:
        page.click("[data-kb-download=xlsx]")
    target = tmp_path / "out.xlsx"
    download.value.save_as(target)
    sheet = openpyxl.load_workbook(target).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["名称", "别名", "组织"] and len(values) - 1 == shown
    assert [v[0] for v in values[1:]] == [r[0] for r in rows[1:]]


@pytest.mark.parametrize("width,label", [(1280, "desktop"), (390, "phone")])
def test_screenshots_for_review(browser, site_url, built_site, width, label):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN",
                                  device_scale_factor=1, is_mobile=width < 500)
    tab = context.new_page()
    practice = practice_with_term_link(built_site)
    for name, path in (("home", "index.html"), ("practice", practice)):
        tab.goto(site_url + path)
        out = review_path(f"{name}-{label}.png")
        tab.screenshot(path=str(out), full_page=True)
        assert out.stat().st_size > 10_000
        # Nothing overflows the viewport sideways (a phone user would have to scroll).
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} overflows by {overflow}px at {width}px"
    context.close()
