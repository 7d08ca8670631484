"""Every record page offers "纠错/补充": an e-mail to the contact set in mkdocs.yml with the page
and record filled in, or — where none is set — the 如何贡献 page (issue 12, item 4)."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from conftest import copy_project, run_kb

pytestmark = pytest.mark.browser


def test_without_a_contact_the_link_leads_to_the_contributing_page(page, site_url, site_graph):
    for path in ("practices/si-shuang.html", "organizations/huang-gang-shi-zheng-xie.html", "sources/" +
                 sorted(site_graph.kb.sources)[0] + ".html"):
        page.goto(site_url + "kb/" + path)
        link = page.locator("article .kb-report a")
        assert link.inner_text() == "纠错/补充"
        link.click()
        assert page.locator("h1").first.inner_text() == "如何贡献"
    page.goto(site_url + "kb/index.html")
    assert page.locator(".kb-report").count() == 0  # hand-written pages are not records


@pytest.mark.slow
def test_with_a_contact_the_link_is_an_email_naming_the_page_and_record(tmp_path, page):
    project = copy_project(tmp_path / "kb")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nextra:\n  kb_contact: zxb@example.gov.cn\n", encoding="utf-8")
    result = run_kb("--project", str(project), "build")
    assert result.returncode == 0, result.stdout + result.stderr
    page.goto((project / "site" / "practices" / "si-shuang.html").as_uri())
    href = page.locator("article .kb-report a").get_attribute("href")
    parts = urlsplit(href)
    assert parts.scheme == "mailto" and unquote(parts.path) == "zxb@example.gov.cn"
    query = parse_qs(parts.query)
    assert query["subject"] == ["纠错/补充：四双（practice si-shuang）"]
    assert "记录：practice/si-shuang" in query["body"][0]
