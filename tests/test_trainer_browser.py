"""The trainer's tools in Chromium: a course page printed to PDF is a clean handout (its text
there, the site's navigation not), the compare view ticks three practices and keeps them in
the URL, and a source's citation can be copied."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from conftest import review_path
from generator.citation import gbt7714
from generator.courses import course_references, module_views

pytestmark = pytest.mark.browser

# Practices the compare view test ticks (all describe several stages in the shipped data).
TICK = ["六式协商议政工作法", "吉思广益", "协商在基层"]
# Text of the site's furniture that must not reach paper.
FURNITURE = ["使用说明", "如何贡献", "开发者说明", "拼音索引", "Made with", "内容摘编自公开讲话", "搜索", "打印讲义", "复制引用"]


def squash(text: str) -> str:
    """Text without white space: PDF line breaks fall anywhere in Chinese text."""
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def page_images(pdf: Path, prefix: str) -> list[Path]:
    """PDF pages as PNG images in the git-ignored review folder, for a person to look at."""
    out = review_path(prefix)
    for old in out.parent.glob(f"{prefix}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(out)], check=True)
    return sorted(out.parent.glob(f"{prefix}-*.png"))


def print_to_pdf(page, url: str, target: Path) -> str:
    page.goto(url)
    page.emulate_media(media="print")
    page.pdf(path=str(target), format="A4", print_background=True)
    page.emulate_media(media="screen")
    return pdf_text(target)


def test_course_page_prints_as_a_handout(page, site_url, site_graph, tmp_path):
    courses = sorted(site_graph.kb.courses.values(), key=lambda c: c.id)
    assert courses, "the knowledge base ships courses"
    for course in courses:
        pdf = tmp_path / f"{course.id}.pdf"
        text = squash(print_to_pdf(page, f"{site_url}courses/{course.id}.html", pdf))
        assert squash(course.name) in text
        for view in module_views(site_graph, course):
            assert squash(view.module.title) in text, view.module.title
            for question in view.module.questions:
                assert squash(question) in text, question
            if view.comparison:
                for practice in view.comparison.practices:
                    assert squash(practice.name) in text
        for source in course_references(site_graph, course)[:3]:
            assert squash(gbt7714(source, site_graph.kb)) in text
        for furniture in FURNITURE:
            assert furniture not in text, f"{furniture} printed on the handout of {course.id}"
        images = page_images(pdf, f"print-course-{course.id}")
        assert images and all(p.stat().st_size > 2_000 for p in images)
    assert page.js_errors == []


def test_practice_page_prints_without_navigation(page, site_url, built_site, tmp_path):
    practice = built_site / "practices" / "liu-shi-xie-shang-yi-zheng-gong-zuo-fa.html"
    assert practice.exists()
    text = squash(print_to_pdf(page, site_url + "practices/" + practice.name, tmp_path / "p.pdf"))
    assert "六式协商议政工作法" in text and "出处" in text and "运行步骤" in text
    for furniture in FURNITURE:
        assert furniture not in text
    # Nothing of the page is hidden sideways: the printed width fits the A4 text area.
    page.emulate_media(media="print")
    overflow = page.evaluate("document.querySelector('article').scrollWidth - document.querySelector('article').clientWidth")
    assert overflow <= 1
    page_images(tmp_path / "p.pdf", "print-practice")


def tick(page, name: str) -> str:
    page.fill(".kb-compare__q", name)
    box = page.locator(f".kb-compare__list li:has(.kb-compare__name:text-is('{name}')) input")
    assert box.count() == 1, name
    box.check()
    return box.get_attribute("value")


def read_table(page) -> tuple[list[str], list[str]]:
    table = page.locator(".kb-compare__result table")
    table.wait_for()
    header = table.locator("thead th").all_inner_texts()
    rows = table.locator("tbody th[scope=row]").all_inner_texts()
    return header, rows


def test_compare_view_ticks_three_practices_and_keeps_them_in_the_url(page, site_url, site_graph, requests_log, tmp_path):
    page.goto(site_url + "explore/compare.html")
    page.wait_for_selector("#kb-compare:not([hidden]) .kb-compare__list")
    ids = [tick(page, name) for name in TICK]
    assert page.url.endswith("?p=" + ",".join(ids))

    header, rows = read_table(page)
    assert header == ["对比项", *TICK]
    stage_order = ["选题", "调研", "筹备", "协商", "成果", "交办", "办理", "督办", "反馈", "评价"]
    stages = [r for r in rows if r in stage_order]
    kb = site_graph.kb
    described = {s.stage.value for i in ids for s in kb.practices[i].steps}
    assert stages == [s for s in stage_order if s in described] and len(stages) >= 3
    assert rows[:2] == ["组织", "地区"] and rows[-3:] == ["组成部分", "成效", "出处"]
    # Each column heads with a link to the practice's page; the cells are the records' steps.
    links = page.locator(".kb-compare__result thead th a")
    assert [links.nth(i).get_attribute("href").rsplit("/", 1)[1] for i in range(3)] == [f"{i}.html" for i in ids]
    first_stage = stages[0]
    row = page.locator(f".kb-compare__result tbody tr:has(th:text-is('{first_stage}')) td")
    for column, practice_id in enumerate(ids):
        steps = [s.name for s in kb.practices[practice_id].steps if s.stage.value == first_stage]
        cell = row.nth(column).inner_text()
        assert all(name in cell for name in steps) and (steps or cell.strip() == "—")

    # A fourth may be added, a fifth not.
    page.fill(".kb-compare__q", "")
    free = page.locator(".kb-compare__list input:not(:checked)")
    free.first.check()
    assert page.locator(".kb-compare__list input:checked").count() == 4
    assert page.locator(".kb-compare__list input:not(:checked):not(:disabled)").count() == 0
    page.locator(f".kb-chip[data-id='{page.locator('.kb-compare__list input:checked').nth(3).get_attribute('value')}']").click()
    assert page.url.endswith("?p=" + ",".join(ids))

    # The URL alone restores the comparison (bookmark, reload, a link sent to a colleague).
    bookmarked = page.url
    page.goto(site_url + "index.html")
    page.goto(bookmarked)
    assert read_table(page) == (header, rows)
    assert [page.locator(f"#kb-c-{i}").is_checked() for i in ids] == [True, True, True]

    # Printed: the chosen comparison, without the picker or the full overview under it.
    pdf = tmp_path / "compare.pdf"
    page.emulate_media(media="print")
    assert not page.locator(".kb-compare__pick").is_visible()
    assert not page.locator(".kb-compare-static").is_visible()
    page.pdf(path=str(pdf), format="A4", print_background=True)
    text = squash(pdf_text(pdf))
    assert all(squash(name) in text for name in TICK) and "选择要对比的实践" not in text and "总览" not in text
    page_images(pdf, "print-compare")
    page.emulate_media(media="screen")
    page.screenshot(path=str(review_path("compare-view.png")), full_page=True)
    assert requests_log.foreign(re.match(r"^[a-z]+://[^/]+", site_url).group(0) + "/") == []
    assert page.js_errors == []


def test_compare_view_works_from_file_url(page, built_site, site_graph, requests_log):
    ids = [next(p.id for p in site_graph.kb.practices.values() if p.name == name) for name in TICK[:2]]
    page.goto(built_site.resolve().as_uri() + "/explore/compare.html?p=" + ",".join(ids))
    header, rows = read_table(page)
    assert header == ["对比项", *TICK[:2]] and "出处" in rows
    assert [u for u in requests_log.urls if not u.startswith("file://")] == []
    assert page.js_errors == []


def test_unknown_ids_in_the_url_are_ignored(page, site_url):
    page.goto(site_url + "explore/compare.html?p=no-such-practice,../../x")
    page.wait_for_selector("#kb-compare:not([hidden])")
    assert page.locator(".kb-compare__list input:checked").count() == 0
    assert page.locator(".kb-compare__empty").is_visible()
    assert page.js_errors == []


def test_source_citation_copies(page, site_url, site_graph):
    source = next(s for s in sorted(site_graph.kb.sources.values(), key=lambda s: s.id) if s.url)
    page.goto(f"{site_url}sources/{source.id}.html")
    citation = page.locator(".kb-citation__text").inner_text()
    assert citation == gbt7714(source, site_graph.kb)  # spaces kept: ". " separates the elements
    page.click("[data-kb-copy]")
    # The clipboard answers asynchronously: wait for the button to say so (it reverts after 1.5 s).
    page.wait_for_function("() => document.querySelector('[data-kb-copy]').textContent === '已复制'", timeout=1400)
    assert page.js_errors == []
