"""Every reader's job from the site alone, on desktop and on a phone (issue 11): where am I
(breadcrumb, tab), what is this practice (one line in every table), collect practices to compare
(the basket), where are practices (province tile map), what is new (dates, Atom feed, sitemap),
and pages that read right at 390 px, under a sub-path, from file:// and on paper."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from conftest import SUBPATH, copy_project, review_path, run_kb
from generator.tilemap import PROVINCES

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def phone(browser):
    return browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, device_scale_factor=1)


def page_kinds(site_graph) -> dict[str, str]:
    """One page of every kind the site has."""
    kb = site_graph.kb
    first = lambda records: sorted(records)[0]  # noqa: E731
    course = first(kb.courses)
    chosen = ",".join(sorted(kb.practices)[:3])
    return {
        "home": "index.html", "practice": "practices/liu-shi-xie-shang-yi-zheng-gong-zuo-fa.html",
        "organization": f"organizations/{first(kb.organizations)}.html", "region": "regions/hu-bei.html",
        "theme": f"themes/{first(kb.themes)}.html", "method": f"methods/{first(kb.methods)}.html",
        "source": f"sources/{first(kb.sources)}.html", "course": f"courses/{course}.html",
        "browse": "practices/index.html", "regions": "regions/index.html", "themes": "themes/index.html",
        "organizations": "organizations/index.html", "methods": "methods/index.html", "sources": "sources/index.html",
        "glossary": "glossary/index.html", "a-z": "explore/a-z.html", "timeline": "explore/timeline.html",
        "tags": "explore/tags.html", "stats": "explore/stats.html", "compare": f"explore/compare.html?p={chosen}",
        "courses": "courses/index.html", "guide": "guide.html", "contributing": "contributing.html",
        "developers": "developers.html", "404": "404.html",
    }


def test_no_page_scrolls_sideways_on_a_phone(browser, site_url, site_graph):
    context = phone(browser)
    tab = context.new_page()
    wide = {}
    for kind, path in page_kinds(site_graph).items():
        tab.goto(site_url + SUBPATH.lstrip("/") + path)
        tab.wait_for_load_state("load")
        tab.wait_for_timeout(100)  # the browse and compare views draw after their data loads
        width = tab.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[kind] = width
    context.close()
    assert wide == {}, f"pages wider than {PHONE['width']} px: {wide}"


def test_404_page_under_a_sub_path_is_styled(page, site_url):
    response = page.goto(site_url + "kb/404.html")
    assert response.status == 200
    styled = page.evaluate("""() => ({
        sheets: [...document.styleSheets].filter(s => s.href && s.href.includes('/kb/assets/')).length,
        header: getComputedStyle(document.querySelector('.md-header')).position,
        logo: document.querySelector('.md-header__button.md-logo').getBoundingClientRect().height })""")
    assert styled["sheets"] >= 2 and styled["header"] in ("sticky", "fixed")
    assert styled["logo"] < 60, "the logo is drawn unstyled (huge)"
    home = page.locator(".md-tabs__link").first.get_attribute("href")
    page.goto(site_url + "kb/" + home.lstrip("./"))
    assert page.locator("h1").first.inner_text() == "协商实践知识库"


def test_record_pages_say_where_they_are(page, site_url, site_graph):
    practice = site_graph.kb.practices["si-shuang"]
    page.goto(site_url + "kb/practices/si-shuang.html")
    crumbs = page.locator("nav.kb-breadcrumb a").all_inner_texts()
    regions = [site_graph.kb.regions[r].name for r in site_graph.region_path[site_graph.region["si-shuang"]]]
    assert crumbs == ["首页", "全部实践", *regions]
    assert page.locator("nav.kb-breadcrumb [aria-current=page]").inner_text() == practice.name
    assert page.locator(".md-tabs__item--active").inner_text().strip() == "浏览"
    page.locator("nav.kb-breadcrumb a", has_text=regions[-1]).click()
    assert page.locator("h1").inner_text() == regions[-1]
    course = sorted(site_graph.kb.courses)[0]
    page.goto(site_url + f"kb/courses/{course}.html")
    assert page.locator(".md-tabs__item--active").inner_text().strip() == "培训"
    assert page.locator("nav.kb-breadcrumb a").all_inner_texts() == ["首页", "培训课程"]


def test_record_pages_are_dated(page, site_url, site_graph):
    practice = site_graph.kb.practices["si-shuang"]
    page.goto(site_url + "practices/si-shuang.html")
    meta = page.locator(".kb-meta").inner_text()
    assert f"收录于 {practice.added}" in meta and f"最后更新 {practice.last_updated}" in meta
    org = sorted(site_graph.kb.organizations.values(), key=lambda o: o.id)[0]
    page.goto(site_url + f"organizations/{org.id}.html")
    assert f"最后更新 {org.last_updated}" in page.locator(".kb-meta").inner_text()


def test_tables_of_practices_say_what_each_one_is(page, site_url, site_graph):
    theme = max(site_graph.kb.themes, key=lambda t: len(site_graph.by_theme.get(t, [])))
    page.goto(site_url + f"themes/{theme}.html")
    headers = page.locator("article table th").all_inner_texts()
    assert headers[-1] == "是什么"
    first = page.locator("article table tbody tr").first
    name = first.locator("td").first.inner_text()
    practice = next(p for p in site_graph.kb.practices.values() if p.name == name)
    assert first.locator("td").last.inner_text().rstrip("…") in "".join(practice.summary.split())
    page.goto(site_url + "practices/index.html")
    page.wait_for_selector("#kb-browse table")
    assert "是什么" in page.locator("#kb-browse thead").inner_text()


def test_rendering_defects_are_gone(page, site_url, site_graph):
    page.goto(site_url + "glossary/index.html")
    text = page.locator("article").inner_text()
    assert "](#" not in text and '](../' not in text, "raw Markdown shows on the glossary"
    source = next(s for s in site_graph.kb.sources.values() if s.outlet and s.web_date)
    page.goto(site_url + f"sources/{source.id}.html")
    facts = page.locator(".kb-facts li").all_inner_texts()
    assert any(f.startswith("刊载") and f.endswith(f"（{source.web_date}）") for f in facts), facts
    assert any(f.startswith("原文字体") for f in facts)
    page.goto(site_url + "sources/index.html")
    compilations = [s for s in site_graph.kb.sources.values() if site_graph.source_children.get(s.id)]
    for compilation in compilations:
        items = page.locator(f"article li:has(> a:text-is('{compilation.name}')) > ul > li")
        assert items.count() == len(site_graph.source_children[compilation.id])
    page.goto(site_url + "explore/timeline.html")
    for year, ids in site_graph.by_year.items():
        assert page.locator(f"h2:has-text('{year} 年') + ul > li").count() == len(ids), year


def test_notes_on_quotations_are_folded(page, site_url, site_graph):
    practice = max(site_graph.kb.practices.values(),
                   key=lambda p: sum(1 for c in p.sources if c.note))
    notes = sum(1 for c in practice.sources if c.note)
    assert notes >= 2
    page.goto(site_url + f"practices/{practice.id}.html")
    folded = page.locator("details.kb-note")
    assert folded.count() >= notes
    assert page.locator("details.kb-note[open]").count() == 0
    first = folded.first
    hidden_text = first.evaluate("d => d.textContent.replace(/^注/, '').trim()")
    assert len(hidden_text) > 4
    assert hidden_text not in page.locator("article").inner_text()
    first.locator("summary").click()
    assert hidden_text in page.locator("article").inner_text()


def test_province_tile_map(page, site_url, site_graph):
    for path in ("kb/index.html", "kb/regions/index.html"):
        page.goto(site_url + path)
        tiles = page.locator(".kb-tilemap .kb-tile")
        assert tiles.count() == len(PROVINCES) == 34
        linked = page.locator(".kb-tilemap a.kb-tile")
        provinces = [r for r in site_graph.kb.regions.values() if r.parent is None and site_graph.by_region.get(r.id)]
        assert linked.count() == len(provinces)
        hubei = page.locator(".kb-tilemap a.kb-tile[aria-label*='（湖北省）']")  # named as shown first (issue 17)
        assert hubei.locator(".kb-tile__count").inner_text() == str(len(site_graph.by_region["hu-bei"]))
        assert page.locator(".kb-tilemap .kb-tile--none[aria-label^='北京市']").count() == 1
    hubei.click()
    assert page.locator("h1").inner_text() == "湖北省"
    context = phone(page.context.browser)
    tab = context.new_page()
    tab.goto(site_url + "index.html")
    box = tab.locator(".kb-tilemap").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    font = tab.evaluate("parseFloat(getComputedStyle(document.querySelector('.kb-tile__name')).fontSize)")
    assert font >= 9
    tab.locator(".kb-tilemap").screenshot(path=str(review_path("tilemap-phone.png")))
    context.close()


def basket_journey(page, base: str, site_graph) -> None:
    first, second, third = sorted(site_graph.kb.practices)[5:8]
    page.goto(base + f"practices/{first}.html")
    assert page.locator("header .kb-basket").is_hidden()
    page.click(f"[data-kb-basket='{first}']")
    assert page.locator(f"[data-kb-basket='{first}']").get_attribute("aria-pressed") == "true"
    assert page.locator("header .kb-basket__count").inner_text() == "1"
    page.goto(base + f"practices/{second}.html")
    page.click(f"[data-kb-basket='{second}']")
    page.goto(base + "practices/index.html")
    page.wait_for_selector(f"#kb-browse [data-kb-basket='{third}']")
    assert page.locator(f"#kb-browse [data-kb-basket='{first}']").get_attribute("aria-pressed") == "true"
    page.click(f"#kb-browse [data-kb-basket='{third}']")
    assert page.locator("header .kb-basket__count").inner_text() == "3"
    page.click("header .kb-basket")
    page.wait_for_selector("#kb-compare table")
    assert re.search(rf"p={first},{second},{third}$", page.url), page.url
    names = [site_graph.kb.practices[i].name for i in (first, second, third)]
    assert page.locator("#kb-compare thead th a").all_inner_texts() == names
    # Removing one in the compare view takes it out of the basket too.
    page.click(f"#kb-compare .kb-chip[data-id='{second}']")
    assert page.locator("header .kb-basket__count").inner_text() == "2"
    page.goto(base + f"practices/{second}.html")
    assert page.locator(f"[data-kb-basket='{second}']").get_attribute("aria-pressed") == "false"


def test_compare_basket_survives_navigation(page, site_url, site_graph, requests_log):
    basket_journey(page, site_url + "kb/", site_graph)
    assert page.js_errors == [] and requests_log.foreign(site_url) == []


def test_compare_basket_from_file_url(page, built_site, site_graph):
    basket_journey(page, built_site.as_uri() + "/", site_graph)
    assert page.js_errors == []


def test_printed_comparison_shows_no_addresses_of_internal_links(page, site_url, site_graph):
    chosen = ",".join(sorted(site_graph.kb.practices)[:3])
    page.goto(site_url + f"kb/explore/compare.html?p={chosen}")
    page.wait_for_selector("#kb-compare table")
    page.emulate_media(media="print")
    after = page.evaluate("""() => [...document.querySelectorAll('#kb-compare table a, article table a')]
        .map(a => getComputedStyle(a, '::after').content)""")
    assert after and all(c in ("none", "normal") for c in after), set(after)


def test_comparisons_use_the_full_text_width(page, site_url, site_graph):
    course = next(c for c in site_graph.kb.courses.values() if any(len(m.compare) >= 3 for m in c.modules))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(site_url + f"courses/{course.id}.html")
    widths = page.evaluate("""() => [...document.querySelectorAll('.kb-side table')].map(t => [t.getBoundingClientRect().width,
        t.closest('article').getBoundingClientRect().width, t.closest('.md-typeset__table').scrollWidth
        - t.closest('.md-typeset__table').clientWidth])""")
    assert widths
    for table, article, overflow in widths:
        assert table >= article * 0.9 and overflow <= 1, (table, article, overflow)


def test_atom_feed_lists_new_and_updated_practices(page, site_url, built_site, site_graph):
    feed = ET.parse(built_site / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert entries and len(entries) <= 50
    updated = [e.find(f"{atom}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)
    names = {p.name for p in site_graph.kb.practices.values()}
    assert all(e.find(f"{atom}title").text in names for e in entries)
    href = entries[0].find(f"{atom}link").get("href")
    page.goto(site_url + "kb/" + href)
    assert page.locator("h1").inner_text() == entries[0].find(f"{atom}title").text
    page.goto(site_url + "kb/index.html")
    assert page.locator("link[rel=alternate][type='application/atom+xml']").count() == 1


@pytest.mark.slow
def test_sitemap_lists_every_page_with_its_date_when_site_url_is_set(tmp_path, site_graph):
    project = copy_project(tmp_path / "kb")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "site_name: 协商实践知识库", "site_name: 协商实践知识库\nsite_url: http://intranet.example/kb/"), encoding="utf-8")
    result = run_kb("--project", str(project), "build")
    assert result.returncode == 0, result.stdout + result.stderr
    sitemap = ET.parse(project / "site" / "sitemap.xml").getroot()
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    urls = {u.find(f"{ns}loc").text: (u.find(f"{ns}lastmod").text if u.find(f"{ns}lastmod") is not None else None)
            for u in sitemap.findall(f"{ns}url")}
    practice = site_graph.kb.practices["si-shuang"]
    assert urls.get("http://intranet.example/kb/practices/si-shuang.html") == practice.last_updated.isoformat()
    assert len(urls) >= len(site_graph.kb.practices) + len(site_graph.kb.organizations)
    feed = (project / "site" / "feed.xml").read_text(encoding="utf-8")
    assert 'href="http://intranet.example/kb/practices/' in feed
