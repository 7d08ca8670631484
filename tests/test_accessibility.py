"""Accessible to every cadre (issue 17; GB/T 37668-2019, WCAG 2.1 AA as axe-core tests it).

axe-core (tests/vendor/axe.min.js, from the npm registry; see tests/vendor/README.md) is put into
each page by Playwright — it is never part of the site — and run on every kind of page at 1366 and
390 px under the sub-path /kb/, and in the states a reader brings about (the search list open, a
filter ticked, 大字). Then what axe cannot judge, done as a keyboard user does it: the search box as
a combobox, browse filters and the compare view keeping the focus in place, a visible focus ring
on every kind of control, the 大字 switch, and what a screen reader is given (row headers, text for
the dots, short option names, counts announced).
"""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, SUBPATH, review_path
from test_reader_journeys import page_kinds

pytestmark = pytest.mark.browser

AXE = ROOT / "tests" / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SEARCH_BOX = ".kb-search__input"
LARGE_KEY = "kb-large-text"


def all_kinds(site_graph) -> dict[str, str]:
    """Every page kind of the reader journeys, and the search results page with a query."""
    return {**page_kinds(site_graph), "search": "explore/search.html?q=协商"}


def ready(page, path: str) -> None:
    """Wait until the page's own scripts have drawn what they draw."""
    page.wait_for_load_state("load")
    if path.startswith("explore/search.html"):
        page.wait_for_selector('#kb-results[data-state="done"], #kb-results[data-state="empty"]', timeout=15_000)
    elif path.startswith("explore/compare.html?p="):
        page.wait_for_selector("#kb-compare table")
    elif path == "practices/index.html":
        page.wait_for_selector("#kb-browse table")
    page.wait_for_timeout(50)


def axe(page) -> list[dict]:
    """Serious and critical violations on the page as it is now, one entry per rule."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async tags => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')
            + ' — ' + (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 160))}));
    }""", AXE_TAGS)
    return [v for v in found if v["impact"] in ("serious", "critical")]


def summary(violations: list[dict]) -> list[str]:
    return [f"{v['id']} ({v['impact']}, {len(v['nodes'])}): {v['nodes'][:3]}" for v in violations]


def test_axe_core_is_vendored_with_its_version_and_licence(built_site):
    head = AXE.read_text(encoding="utf-8")[:400]
    version = re.search(r"axe v(\d+\.\d+\.\d+)", head).group(1)
    notes = (ROOT / "tests" / "vendor" / "README.md").read_text(encoding="utf-8")
    assert f"axe-core {version}" in notes and "MPL-2.0" in notes
    assert "Mozilla Public License" in (ROOT / "tests" / "vendor" / "axe-core.LICENSE").read_text(encoding="utf-8")
    # the site never ships it: no file of it, no page that loads it
    assert not [p for p in built_site.rglob("*") if "axe" in p.name.lower()]
    loads = re.compile(r"<script[^>]*\bsrc=\"[^\"]*axe", re.I)
    assert not [p for p in built_site.rglob("*.html") if loads.search(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_serious_or_critical_axe_violations_on_any_page_kind(browser, site_url, site_graph, requests_log, width):
    context = browser.new_context(viewport=WIDTHS[width], locale="zh-CN", is_mobile=width == "phone")
    requests_log.attach(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = site_url + SUBPATH.lstrip("/")
    failed, checked = {}, []
    for kind, path in all_kinds(site_graph).items():
        page.goto(base + path)
        ready(page, path)
        found = axe(page)
        checked.append(kind)
        if found:
            failed[kind] = summary(found)
    # States a reader brings about: the header search list open with an option chosen …
    page.goto(base + "index.html")
    page.locator(SEARCH_BOX).fill("协商")
    page.wait_for_selector('.kb-search__panel[data-query="协商"]:not([hidden])')
    page.keyboard.press("ArrowDown")
    if found := axe(page):
        failed["search list open"] = summary(found)
    # … a browse filter ticked, with the filters unfolded on a phone …
    page.goto(base + "practices/index.html")
    ready(page, "practices/index.html")
    page.locator(".kb-browse__filters").evaluate("d => d.open = true")
    page.locator("#kb-browse fieldset[data-facet=level] input").first.check()
    if found := axe(page):
        failed["browse filtered"] = summary(found)
    # … and 大字 on the pages with the most controls.
    page.evaluate(f"localStorage.setItem('{LARGE_KEY}', '1')")
    for kind in ("home", "browse", "compare", "search", "course"):
        path = all_kinds(site_graph)[kind]
        page.goto(base + path)
        ready(page, path)
        if found := axe(page):
            failed[f"{kind} in 大字"] = summary(found)
    context.close()
    assert len(checked) >= 20
    assert failed == {}, failed
    assert errors == [] and requests_log.foreign(site_url) == []


# --- keyboard ---------------------------------------------------------------------------------

def focused(page) -> dict:
    return page.evaluate("""() => { const a = document.activeElement, r = a.getBoundingClientRect(), s = getComputedStyle(a);
        return {tag: a.tagName.toLowerCase(), cls: a.className && a.className.baseVal === undefined ? a.className : '',
                id: a.id, facet: a.getAttribute('data-facet'), value: a.value, text: (a.innerText || '').trim().slice(0, 40),
                visible: r.width > 0 && r.height > 0 && s.visibility !== 'hidden',
                hiddenFromAT: !!a.closest('[aria-hidden=true]'), ring: a.matches(':focus-visible'),
                outline: parseFloat(s.outlineWidth) * (s.outlineStyle === 'none' ? 0 : 1)}; }""")


def tab_to(page, selector: str, limit: int = 150) -> list[dict]:
    """Press Tab until the focus is on an element matching ``selector``; every stop on the way."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stops.append(focused(page))
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"Tab never reached {selector}: {[(s['tag'], s['cls'], s['text']) for s in stops[-10:]]}")


def test_every_tab_stop_is_visible_and_shows_a_ring(page, site_url):
    """The palette's hidden radio button was the third Tab stop; no stop may be invisible."""
    page.goto(site_url + "kb/index.html")
    stops = tab_to(page, SEARCH_BOX)
    for stop in stops:
        assert stop["visible"] and not stop["hiddenFromAT"], stops
        assert stop["ring"] and stop["outline"] >= 2, stop
    assert page.locator("input[name=__palette], [data-md-component=palette]").count() == 0


def test_search_box_is_a_combobox_for_the_keyboard(page, site_url):
    page.goto(site_url + "kb/index.html")
    box = page.locator(SEARCH_BOX)
    status = page.locator(".kb-search [role=status]")
    # the live region is there, empty and not hidden, before any result arrives
    assert status.count() == 1 and status.inner_text() == "" and not status.evaluate("e => !!e.closest('[hidden]')")
    tab_to(page, SEARCH_BOX)
    page.keyboard.type("四双")
    page.wait_for_selector('.kb-search__panel[data-query="四双"]:not([hidden])')
    total = page.locator(".kb-search__panel").get_attribute("data-total")
    assert f"找到 {total} 个结果" in status.inner_text()
    assert box.get_attribute("aria-expanded") == "true"
    # options hold no links, and are named by title and kind only
    options = page.get_by_role("option")
    assert options.count() >= 2 and page.locator("[role=option] a, [role=option] [tabindex]").count() == 0
    assert page.get_by_role("option", name=re.compile(r"^四双\s*实践$")).count() == 1
    # the name a screen reader reads on each arrow press: the title and kind, not place and snippet
    for n in range(options.count()):
        title = options.nth(n).locator(".kb-search__title").inner_text()
        kind = options.nth(n).locator(".kb-search__kind").inner_text()
        named = re.compile("^" + re.escape(title) + r"\s*" + re.escape(kind) + "$")
        assert page.get_by_role("option", name=named).count() >= 1, (title, kind)

    page.keyboard.press("ArrowDown")
    first = options.first.get_attribute("id")
    assert box.get_attribute("aria-activedescendant") == first
    assert options.first.get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    page.keyboard.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == first
    assert focused(page)["cls"].startswith("kb-search__input")  # the focus never left the box
    option = page.locator(f"#{first}")
    assert option.evaluate("o => getComputedStyle(o).outlineStyle") != "none"  # the chosen option is marked
    page.locator(".kb-search__panel").screenshot(path=str(review_path("a11y-search-option-chosen.png")))

    # Esc closes the list and keeps the focus and the text; a second Esc empties the box.
    page.keyboard.press("Escape")
    assert page.locator(".kb-search__panel").is_hidden() and box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None
    assert focused(page)["cls"].startswith("kb-search__input") and box.input_value() == "四双"
    page.keyboard.press("ArrowDown")  # Down opens it again
    assert page.locator(".kb-search__panel").is_visible() and box.get_attribute("aria-activedescendant") == first
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    assert box.input_value() == "" and focused(page)["cls"].startswith("kb-search__input")

    # Tab away closes the list.
    page.keyboard.type("四双")
    page.wait_for_selector('.kb-search__panel[data-query="四双"]:not([hidden])')
    page.keyboard.press("Tab")
    assert page.locator(".kb-search__panel").is_hidden() and box.get_attribute("aria-expanded") == "false"
    assert not focused(page)["cls"].startswith("kb-search__input")
    # results that arrive after the reader has tabbed away do not open the list over the page
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("吉思")
    page.keyboard.press("Tab")
    page.wait_for_selector('.kb-search__panel[data-query="吉思"]', state="attached")  # (tabbing in selects the text)
    assert page.locator(".kb-search__panel").is_hidden()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("四双")

    # Enter on a chosen option opens it; plain Enter opens the results page.
    page.wait_for_selector('.kb-search__panel[data-query="四双"]:not([hidden])')
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/kb/practices/[a-z0-9-]+\.html$"))
    assert page.locator("h1").inner_text() == "四双"
    page.locator(SEARCH_BOX).focus()
    page.keyboard.type("协商")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/kb/explore/search\.html\?q="))
    assert page.js_errors == []


def test_an_option_opens_with_the_pointer_too(page, site_url):
    page.goto(site_url + "kb/index.html")
    page.locator(SEARCH_BOX).fill("吉思广益")
    page.wait_for_selector('.kb-search__panel[data-query="吉思广益"]:not([hidden])')
    page.get_by_role("option", name=re.compile(r"^吉思广益\s*实践$")).click()
    page.wait_for_url(re.compile(r"/kb/practices/ji-si-guang-yi\.html$"))
    assert page.js_errors == []


def test_browse_filters_keep_the_focus(page, site_url):
    page.goto(site_url + "kb/practices/index.html")
    page.wait_for_selector("#kb-browse table")
    total = page.locator("#kb-browse tbody tr").count()
    stops = tab_to(page, "#kb-browse fieldset[data-facet=level] input")
    assert all(s["visible"] for s in stops)
    level = focused(page)
    assert level["ring"] and level["outline"] >= 2
    page.screenshot(path=str(review_path("a11y-browse-facet-focused.png")))
    page.keyboard.press("Space")
    page.wait_for_function("() => location.search.includes('level=')")
    now = focused(page)
    assert (now["facet"], now["value"]) == ("level", level["value"]), now  # the same box, drawn anew
    assert page.evaluate("() => document.activeElement.checked") and now["ring"]
    assert page.locator("#kb-browse tbody tr").count() < total
    # down to the next box and tick it too: the focus moves on with the reader, not back to the top
    page.keyboard.press("Tab")
    second = focused(page)
    assert second["facet"] == "level"
    page.keyboard.press("Space")
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('level').length === 2")
    assert (focused(page)["facet"], focused(page)["value"]) == ("level", second["value"])
    # Space again unticks it, and the focus still stays
    page.keyboard.press("Space")
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('level').length === 1")
    assert (focused(page)["facet"], focused(page)["value"]) == ("level", second["value"])
    # 清除筛选 hides itself: the focus goes to the filter box
    page.locator(".kb-browse__clear").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => !location.search.includes('level=')")
    assert page.locator(".kb-browse__clear").is_hidden()
    assert focused(page)["cls"].startswith("kb-browse__q")
    assert page.locator("#kb-browse tbody tr").count() == total
    assert page.js_errors == []


def test_showing_more_rows_goes_on_at_the_first_new_row(page, site_url):
    page.goto(site_url + "kb/practices/index.html")
    page.wait_for_selector("#kb-browse table")
    shown = page.locator("#kb-browse tbody tr").count()
    more = page.locator("#kb-browse .kb-browse__results > button.md-button")
    assert more.count() == 1, "the test needs more practices than one page of the table shows"
    more.focus()
    page.keyboard.press("Enter")
    assert page.locator("#kb-browse tbody tr").count() > shown
    assert page.evaluate("n => document.activeElement === document.querySelectorAll('#kb-browse tbody tr')[n].querySelector('a')", shown)


def test_hints_in_empty_boxes_are_legible(page, site_url):
    """Placeholder text (4.5:1 against the box), which axe does not check."""
    boxes = {"index.html": [SEARCH_BOX], "practices/index.html": [".kb-browse__q"],
             "explore/compare.html": [".kb-compare__q"], "explore/search.html": [".kb-results__q"]}
    for path, selectors in boxes.items():
        page.goto(site_url + "kb/" + path)
        ready(page, path)
        for selector in selectors:
            for focus in (False, True):
                if focus:
                    page.locator(selector).focus()
                colours = page.locator(selector).evaluate("""el => {
                    const rgba = c => c.match(/[\\d.]+/g).map(Number);
                    const mix = (fg, bg) => fg.length > 3 ? fg.slice(0, 3).map((v, i) => v * fg[3] + bg[i] * (1 - fg[3])) : fg;
                    let bg = [255, 255, 255];
                    const chain = []; for (let a = el; a; a = a.parentElement) chain.unshift(a);
                    for (const a of chain) bg = mix(rgba(getComputedStyle(a).backgroundColor), bg);
                    const p = getComputedStyle(el, '::placeholder');
                    const fg = rgba(p.color); const alpha = parseFloat(p.opacity);
                    return {fg: mix(fg.length > 3 ? [...fg.slice(0, 3), fg[3] * alpha] : [...fg, alpha], bg), bg};
                }""")
                ratio = contrast(colours["fg"], colours["bg"])
                assert ratio >= 4.5, (path, selector, focus, colours, ratio)


def test_results_page_filters_keep_the_focus(page, site_url):
    page.goto(site_url + "kb/explore/search.html?q=协商")
    page.wait_for_selector('#kb-results[data-state="done"]')
    tab_to(page, "#kb-results fieldset[data-facet=kind] input")
    kind = focused(page)
    page.keyboard.press("Space")
    page.wait_for_function("() => location.search.includes('kind=')")
    page.wait_for_selector('#kb-results[data-state="done"]')
    page.wait_for_function("v => document.activeElement.value === v && document.activeElement.checked", arg=kind["value"])
    page.locator(".kb-results__clear").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => !location.search.includes('kind=')")
    assert focused(page)["cls"].startswith("kb-results__q")
    assert page.js_errors == []


def test_compare_view_by_keyboard(page, site_url, site_graph):
    page.goto(site_url + "kb/explore/compare.html")
    page.wait_for_selector("#kb-compare:not([hidden]) .kb-compare__list input")
    assert page.locator(".kb-compare__list").evaluate("ul => ul.tagName") == "UL"
    assert page.locator(".kb-compare__list").get_attribute("role") is None  # a list of list items
    tab_to(page, ".kb-compare__list input")
    ticked = []
    for _ in range(3):
        ticked.append(focused(page)["value"])
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
    page.wait_for_selector("#kb-compare table")
    names = [site_graph.kb.practices[i].name for i in ticked]
    assert page.locator("#kb-compare thead th a").all_inner_texts() == names
    assert re.search(r"p=" + ",".join(ticked) + "$", page.url)
    assert "已加入" in page.locator(".kb-compare__pick [role=status]").inner_text()
    # chips are buttons named by what they remove; Enter on the middle one removes it and the
    # focus goes to the chip that took its place
    chip = page.locator(f".kb-chip[data-id='{ticked[1]}']")
    assert page.get_by_role("button", name=re.compile("^" + re.escape(names[1]) + r"\s*（移除）$")).count() == 1
    chip.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("id => !document.querySelector(`.kb-chip[data-id='${id}']`)", arg=ticked[1])
    assert page.evaluate("() => document.activeElement.dataset.id") == ticked[2]
    assert "已移除" in page.locator(".kb-compare__pick [role=status]").inner_text()
    # the last chip gone: the focus goes to the one before it
    page.keyboard.press("Enter")
    page.wait_for_function("id => !document.querySelector(`.kb-chip[data-id='${id}']`)", arg=ticked[2])
    assert page.evaluate("() => document.activeElement.dataset.id") == ticked[0]
    # 全部清除 empties the selection and takes the focus to the list
    page.locator(".kb-chip--clear").focus()
    page.keyboard.press("Enter")
    assert page.locator(".kb-chip").count() == 0
    assert page.evaluate("() => document.activeElement.closest('.kb-compare__list') !== null")
    assert page.js_errors == []


# --- focus ring on every kind of control ------------------------------------------------------

def contrast(a: tuple, b: tuple) -> float:
    def lum(c):
        def f(v):
            v /= 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2])
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


RING = """el => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const s = getComputedStyle(el);
  // the colour behind the ring: the first ancestor with an opaque background
  let bg = el.parentElement;
  while (bg && /rgba\\(.*, 0\\)|transparent/.test(getComputedStyle(bg).backgroundColor)) bg = bg.parentElement;
  return {focusVisible: el.matches(':focus-visible'), style: s.outlineStyle, width: parseFloat(s.outlineWidth),
          color: rgb(s.outlineColor), behind: rgb(bg ? getComputedStyle(bg).backgroundColor : 'rgb(255,255,255)')};
}"""

CONTROLS = [
    # (page, selector, name for the screenshot)
    ("index.html", SEARCH_BOX, "search-box"),
    ("index.html", ".kb-textsize", "large-text-switch"),
    ("index.html", ".md-tabs__link", "tab"),
    ("index.html", ".kb-tilemap a.kb-tile", "tile-map-link"),
    ("practices/si-shuang.html", "[data-kb-basket]", "basket-toggle"),
    ("practices/index.html", "#kb-browse fieldset input[type=checkbox]", "facet-checkbox"),
    ("practices/index.html", ".kb-browse__q", "filter-box"),
    ("practices/index.html", ".kb-browse__sort", "sort-select"),
    ("explore/compare.html?p=si-shuang,ji-si-guang-yi", ".kb-chip", "compare-chip"),
    ("explore/compare.html?p=si-shuang,ji-si-guang-yi", ".kb-compare__list input", "compare-checkbox"),
    ("explore/search.html?q=协商", ".kb-results__pager a[data-page='2']", "pager"),
    ("explore/search.html?q=协商", ".kb-results__filters > summary", "results-filters-summary"),
    ("explore/stats.html", ".kb-chart-table > summary", "data-table-summary"),
]


def test_every_kind_of_control_shows_a_focus_ring(page, site_url, site_graph):
    """Focused from the keyboard, each control draws a ring of at least 2 px that stands out from
    what is behind it (3:1, WCAG 1.4.11). Screenshots under review/ for a person to look at."""
    noted = next(p for p in site_graph.kb.practices.values() if any(c.note for c in p.sources))
    controls = CONTROLS + [(f"practices/{noted.id}.html", "details.kb-note > summary", "note-summary")]
    rings = {}
    for path, selector, name in controls:
        page.goto(site_url + "kb/" + path)
        ready(page, path)
        page.keyboard.press("Tab")  # the last input came from the keyboard: :focus-visible applies
        control = page.locator(selector).first
        control.evaluate("el => { el.scrollIntoView({block: 'center'}); el.focus(); }")
        ring = control.evaluate(RING)
        rings[name] = ring
        assert ring["focusVisible"], name
        assert ring["style"] != "none" and ring["width"] >= 2, (name, ring)
        assert contrast(ring["color"], ring["behind"]) >= 3, (name, ring)
        box = control.bounding_box()
        pad = 16
        page.screenshot(path=str(review_path(f"a11y-focus-{name}.png")), clip={
            "x": max(0, box["x"] - pad), "y": max(0, box["y"] - pad),
            "width": min(box["width"] + 2 * pad, 1280 - max(0, box["x"] - pad)), "height": box["height"] + 2 * pad})
    assert len(rings) == len(controls)


# --- screen-reader semantics ------------------------------------------------------------------

def test_tables_name_their_rows_and_say_what_the_dots_mean(page, site_url, site_graph):
    page.goto(site_url + "kb/explore/compare.html")
    matrix = page.locator(".kb-matrix table")
    rows = matrix.locator("tbody tr")
    assert rows.count() >= 5
    assert matrix.locator("thead th[scope=col]").count() == 11
    assert rows.first.locator("th[scope=row] a").count() == 1 and rows.first.locator("td").count() == 10
    # what a screen reader reads in each cell: 写明 or 未写明, never the symbol
    stated = page.get_by_role("cell", name="写明", exact=True).count()
    unstated = page.get_by_role("cell", name="未写明", exact=True).count()
    assert stated > 0 and unstated > 0 and stated + unstated == rows.count() * 10
    assert matrix.locator("[aria-hidden=true]").first.inner_text() == "●"  # the eye still sees a dot
    course = next(c for c in site_graph.kb.courses.values() if any(len(m.compare) >= 2 for m in c.modules))
    page.goto(site_url + f"kb/courses/{course.id}.html")
    side = page.locator(".kb-side table").first
    headers = side.locator("tbody th[scope=row]").all_inner_texts()
    assert headers[:2] == ["组织", "地区"] and "出处" in headers
    assert page.get_by_role("rowheader", name="组织").count() >= 1


def test_basket_link_and_tile_names_begin_with_what_they_show(page, site_url):
    page.goto(site_url + "kb/practices/si-shuang.html")
    page.click("[data-kb-basket='si-shuang']")
    link = page.locator("header .kb-basket")
    assert link.inner_text().replace("\n", " ").strip().startswith("对比")
    assert page.get_by_role("link", name=re.compile(r"^对比 1 项实践")).count() == 1
    page.goto(site_url + "kb/index.html")
    hubei = page.locator(".kb-tilemap a.kb-tile[href$='hu-bei.html']")
    shown = "".join(hubei.inner_text().split())  # 湖北 12
    assert shown.startswith("湖北") and hubei.get_attribute("aria-label").startswith(shown + "项实践（湖北省")


# --- 大字 -------------------------------------------------------------------------------------

SMALL_TEXT = """() => {
  // every piece of text a reader sees (not the charts' SVG, whose data tables are below them),
  // with the size it is drawn at; table cells may be 16 px, the rest must be 18 px
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || el.closest('svg, .kb-sr, script, style, noscript, [hidden]') || !el.getClientRects().length) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none') continue;
    const size = parseFloat(s.fontSize), table = !!el.closest('td, th');
    if (size < (table ? 16 : 18) - 0.01) small.push(el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + ' ' + size + 'px “' + node.textContent.trim().slice(0, 12) + '”');
  }
  return [...new Set(small)];
}"""


def test_large_text_switch_is_remembered_and_fits_a_phone(browser, site_url, site_graph):
    context = browser.new_context(viewport=WIDTHS["phone"], locale="zh-CN", is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = site_url + "kb/"
    page.goto(base + "index.html")
    switch = page.get_by_role("button", name="大字")
    assert switch.get_attribute("aria-pressed") == "false"
    body = lambda: page.evaluate("parseFloat(getComputedStyle(document.querySelector('.md-typeset p')).fontSize)")  # noqa: E731
    before = body()
    switch.focus()
    page.keyboard.press("Enter")
    assert switch.get_attribute("aria-pressed") == "true" and body() >= 18 > before
    page.screenshot(path=str(review_path("a11y-large-home-phone.png")))
    # remembered: applied in the page's head, before the body exists (no flash of small text)
    page.add_init_script("""new MutationObserver((_, o) => { if (document.body) { window.__largeAtBody =
        document.documentElement.classList.contains('kb-large'); o.disconnect(); } }).observe(document, {childList: true, subtree: true});""")
    page.reload()
    assert page.evaluate("window.__largeAtBody") is True
    assert page.get_by_role("button", name="大字").get_attribute("aria-pressed") == "true"
    wide, small = {}, {}
    for kind, path in all_kinds(site_graph).items():
        page.goto(base + path)
        ready(page, path)
        if kind in ("browse", "compare", "search", "course", "regions", "practice"):
            page.screenshot(path=str(review_path(f"a11y-large-{kind}-phone.png")), full_page=False)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTHS["phone"]["width"]:
            wide[kind] = width
        if found := page.evaluate(SMALL_TEXT):
            small[kind] = found[:8]
    # the search list in 大字 fits too
    page.goto(base + "index.html")
    page.locator(SEARCH_BOX).fill("协商")
    page.wait_for_selector('.kb-search__panel[data-query="协商"]:not([hidden])')
    if found := page.evaluate(SMALL_TEXT):
        small["search list"] = found[:8]
    page.screenshot(path=str(review_path("a11y-large-search-list-phone.png")))
    assert wide == {}, f"pages wider than 390 px in 大字: {wide}"
    assert small == {}, small
    # and off again, remembered too
    page.get_by_role("button", name="大字").click()
    page.reload()
    assert page.evaluate("document.documentElement.classList.contains('kb-large')") is False
    assert errors == []
    context.close()


def test_large_text_on_a_wide_screen(page, site_url, site_graph):
    page.set_viewport_size(WIDTHS["desktop"])
    page.goto(site_url + "kb/index.html")
    page.evaluate(f"localStorage.setItem('{LARGE_KEY}', '1')")
    small = {}
    for kind, path in all_kinds(site_graph).items():
        page.goto(site_url + "kb/" + path)
        ready(page, path)
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["desktop"]["width"], kind
        if found := page.evaluate(SMALL_TEXT):
            small[kind] = found[:8]
        if kind in ("browse", "compare", "practice"):
            page.screenshot(path=str(review_path(f"a11y-large-{kind}-desktop.png")))
    assert small == {}, small
    assert page.js_errors == []


def test_large_text_from_file_url(page, built_site):
    root = built_site.as_uri() + "/"
    page.goto(root + "index.html")
    page.get_by_role("button", name="大字").click()
    page.goto(root + "practices/si-shuang.html")
    assert page.evaluate("document.documentElement.classList.contains('kb-large')")
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('.md-typeset p')).fontSize)") >= 18
    assert page.js_errors == []
