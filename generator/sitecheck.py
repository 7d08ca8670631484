"""``kb check-site SITE``: is this folder a knowledge base built by ``kb build``?

An engine that skips the ``kb`` plugin still "succeeds": ``zensical build`` ignores plugins it has
no replacement for, and ``mkdocs build`` or ``properdocs build`` with ``- kb`` taken out of
mkdocs.yml builds the hand-written pages alone. The result opens in a browser and looks almost
right, but has no search, no pages or blocks generated from the records, and none of our scripts.
This check looks only at the built files, so it tells the truth whichever engine made them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import paths
from .problems import UserError

SEARCH_MANIFEST = "search/manifest.js"
PRACTICES_DATA = "explore/data/practices.js"
# Files the plugin adds or writes in every build, and what a reader loses without each.
REQUIRED = {
    SEARCH_MANIFEST: "站内检索索引",
    PRACTICES_DATA: "浏览和对比用的实践数据",
    "assets/kb/kb.js": "本库的页面脚本",
    "assets/kb/kb.css": "本库的样式",
    "feed.xml": "新收录和更新的订阅",
}
# Index pages of the generated sections (the navigation links to them).
GENERATED_PAGES = [*(f"{folder}/index.html" for folder in paths.PAGE_FOLDERS.values()),
                   paths.GLOSSARY_PAGE.replace(".md", ".html"), f"{paths.EXPLORE_FOLDER}/compare.html"]
UNFILLED = re.compile(r"<!--\s*kb:([a-z-]+)\s*-->")
KB_SCRIPT = re.compile(r"""<script[^>]*\ssrc="[^"]*assets/kb/kb\.js["?]""")
UNBUILT_CSS = re.compile(r"""<link[^>]*\shref="[^"]*assets/kb-unbuilt\.css["?]""")
EXAMPLES = 3


@dataclass
class SiteReport:
    site: Path
    pages: int = 0
    search_files: int = 0
    practices: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _examples(pages: list[str]) -> str:
    shown = "、".join(pages[:EXAMPLES])
    return shown + ("……" if len(pages) > EXAMPLES else "")


def check_site(site: Path) -> SiteReport:
    if not site.is_dir():
        raise UserError(f"找不到网站文件夹：{site}")
    if not (site / "index.html").is_file():
        raise UserError(f"{site} 中没有 index.html，不是构建好的网站；请先运行 kb build")
    report = SiteReport(site)
    for rel, what in REQUIRED.items():
        if not (site / rel).is_file():
            report.problems.append(f"缺少{what}（{rel}）")
    missing = [rel for rel in GENERATED_PAGES if not (site / rel).is_file()]
    if missing:
        report.problems.append(f"缺少由记录生成的页面 {len(missing)} 个：{_examples(missing)}")

    unfilled: dict[str, list[str]] = {}
    bare: list[str] = []
    flagged: list[str] = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        report.pages += 1
        for name in UNFILLED.findall(text):
            unfilled.setdefault(name, []).append(rel)
        if not KB_SCRIPT.search(text):
            bare.append(rel)
        if UNBUILT_CSS.search(text):
            flagged.append(rel)
    if unfilled:
        blocks = "、".join(f"kb:{name}" for name in sorted(unfilled))
        pages = sorted({rel for rels in unfilled.values() for rel in rels})
        report.problems.append(f"{len(pages)} 个页面中有没有填入内容的数据区块（{blocks}），例如 {_examples(pages)}")
    if bare:
        report.problems.append(f"{len(bare)} 个页面没有加载本库的脚本（assets/kb/），例如 {_examples(bare)}")
    if flagged:
        report.problems.append(f"{len(flagged)} 个页面带有“未经 kb 插件构建”的警告样式（assets/kb-unbuilt.css），"
                               f"例如 {_examples(flagged)}")

    search = site / "search"
    if search.is_dir():
        report.search_files = sum(1 for p in search.rglob("*") if p.is_file())
    report.practices = _count_practices(site / PRACTICES_DATA, report)
    return report


def _count_practices(path: Path, report: SiteReport) -> int:
    if not path.is_file():
        return 0
    text = path.read_text(encoding="utf-8", errors="replace")
    match = re.match(r"\s*window\.KB_PRACTICES\s*=\s*(.*?);?\s*$", text, re.S)
    try:
        return len(json.loads(match.group(1))["practices"])
    except (AttributeError, ValueError, KeyError, TypeError):
        report.problems.append(f"实践数据文件（{PRACTICES_DATA}）无法读取")
        return -1


def format_report(report: SiteReport, shown_as: str) -> tuple[str, bool]:
    """The text to print and whether it is good news."""
    if report.ok:
        return (f"网站检查通过：{shown_as} 是 kb build 构建的完整知识库：{report.pages} 个页面（都加载了本库的脚本，"
                f"没有未填的数据区块），检索索引 {report.search_files} 个文件，实践 {report.practices} 项", True)
    lines = [f"{shown_as} 不是 kb build 构建的完整知识库（kb 插件没有运行，或者文件不全）："]
    lines += [f"  - {problem}" for problem in report.problems]
    lines.append("这样的网站能打开、看上去也差不多，但没有本库的站内搜索，由记录生成的内容也不全。用 zensical build，"
                 "或去掉 mkdocs.yml 中的 kb 插件后用 mkdocs/properdocs build 构建，或只复制了一部分文件，都会这样。")
    lines.append("请在项目目录运行 kb build（或 make site）重新构建，再运行 kb check-site 检查。")
    return "\n".join(lines), False
