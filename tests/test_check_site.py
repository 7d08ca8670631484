"""A site built without the kb plugin never passes for a working knowledge base: `kb check-site`
says so in Chinese (and how to build it), and every page of it shows a warning at the top.

Three sites: the real one (`kb build`), one built by plain mkdocs with `- kb` taken out of
mkdocs.yml, and one built by a real `zensical build` (Zensical 0.0.73 from .venv-zensical, made
by `make engines`) after `kb generate` wrote the generated pages — the most convincing fake:
every page is there, only what the plugin adds is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, review_path, run_kb, serve_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("plain") / "kb")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "\n  - kb\n" in text
    config.write_text(text.replace("\n  - kb\n", "\n"), encoding="utf-8")
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=project, capture_output=True, text=True,
                           env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=600)
    assert built.returncode == 0, built.stderr  # the engine calls it a success
    return project / "site"


@pytest.fixture(scope="module")
def zensical_site(tmp_path_factory) -> Path:
    made = subprocess.run(["make", "-s", "zensical"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert made.returncode == 0, made.stdout + made.stderr
    project = copy_project(tmp_path_factory.mktemp("zensical") / "kb")
    generated = run_kb("--project", str(project), "generate")
    assert generated.returncode == 0, generated.stderr
    built = subprocess.run([str(ROOT / ".venv-zensical" / "bin" / "zensical"), "build"], cwd=project,
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr  # Zensical calls it a success too
    site = project / "site"
    assert (site / "practices" / "index.html").is_file()  # the generated pages are all there
    return site


def check_site(site: Path) -> subprocess.CompletedProcess:
    return run_kb("check-site", str(site))


def test_a_kb_build_passes_with_its_counts(built_site):
    result = check_site(built_site)
    assert result.returncode == 0, result.stderr
    pages = sum(1 for _ in built_site.rglob("*.html"))
    practices = len(list((ROOT / "data" / "practices").glob("*.yaml")))
    searched = sum(1 for p in (built_site / "search").rglob("*") if p.is_file())
    assert result.stdout.startswith("网站检查通过：")
    assert f"{pages} 个页面" in result.stdout and f"实践 {practices} 项" in result.stdout
    assert f"检索索引 {searched} 个文件" in result.stdout
    assert not (built_site / "assets" / "kb-unbuilt.css").exists()  # the plugin leaves the warning out


def test_plain_mkdocs_without_the_plugin_is_reported(plain_site):
    result = check_site(plain_site)
    assert result.returncode == 1
    out = result.stderr
    assert "不是 kb build 构建的完整知识库" in out
    for missing in ("缺少站内检索索引（search/manifest.js）", "缺少浏览和对比用的实践数据（explore/data/practices.js）",
                    "缺少由记录生成的页面", "kb:counts", "没有加载本库的脚本", "kb-unbuilt.css"):
        assert missing in out, out
    assert "请在项目目录运行 kb build（或 make site）重新构建" in out
    assert "Traceback" not in out and not result.stdout


def test_a_real_zensical_build_is_reported(zensical_site):
    result = check_site(zensical_site)
    assert result.returncode == 1
    out = result.stderr
    for missing in ("缺少站内检索索引（search/manifest.js）", "kb:counts", "没有加载本库的脚本", "kb-unbuilt.css",
                    "请在项目目录运行 kb build"):
        assert missing in out, out
    assert "缺少由记录生成的页面" not in out  # kb generate wrote them: not what gives it away


def test_check_site_needs_a_built_site(tmp_path):
    missing = check_site(tmp_path / "nowhere")
    assert missing.returncode == 1 and "找不到网站文件夹" in missing.stderr and "Traceback" not in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = check_site(tmp_path / "empty")
    assert empty.returncode == 1 and "不是构建好的网站" in empty.stderr and "请先运行 kb build" in empty.stderr


BANNER = """() => {
  const content = getComputedStyle(document.body, "::before").content;
  const top = document.elementFromPoint(300, 10);
  return {content, topIsBanner: top === document.body};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("which", ["plain_site", "zensical_site"])
def test_pages_built_without_the_plugin_say_so_at_the_top(which, request, page):
    site = request.getfixturevalue(which)
    url, stop = serve_dir(site)
    try:
        for path in ("index.html", "guide.html"):
            page.goto(url + path)
            shown = page.evaluate(BANNER)
            assert "不是用 kb build 构建的" in shown["content"] and "kb build" in shown["content"], shown
            assert shown["topIsBanner"], f"{which}/{path}: the warning is not at the top of the page"
        page.screenshot(path=str(review_path(f"unbuilt-banner-{which}.png")))
    finally:
        stop()


@pytest.mark.browser
def test_pages_of_a_kb_build_show_no_such_warning(site_url, page):
    for path in ("index.html", "practices/index.html", "guide.html"):
        page.goto(site_url + path)
        shown = page.evaluate(BANNER)
        assert shown["content"] == "none" and not shown["topIsBanner"], (path, shown)
