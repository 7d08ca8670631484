"""Where each record's page lives under docs/ — the one place URLs are decided.

Generated pages live in folders the generator owns; everything else in docs/ is hand-written
and never touched. Ids are validated ASCII slugs, so a path can never leave its folder.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath
from functools import lru_cache

from .model import ID_PATTERN, Course, Method, Organization, Practice, Record, Region, Source, Term, Theme

# folder under docs/ for each record type that has pages of its own
PAGE_FOLDERS: dict[str, str] = {
    Practice.type_name: "practices",
    Organization.type_name: "organizations",
    Region.type_name: "regions",
    Theme.type_name: "themes",
    Source.type_name: "sources",
    Method.type_name: "methods",
    Course.type_name: "courses",
}
GLOSSARY_PAGE = "glossary/index.md"
EXPLORE_FOLDER = "explore"

# Every folder (relative to docs/) whose content the generator writes and may delete.
GENERATED_FOLDERS: tuple[str, ...] = (*PAGE_FOLDERS.values(), "glossary", EXPLORE_FOLDER)


@lru_cache(maxsize=None)
def record_page(type_name: str, record_id: str) -> str:
    """docs-relative path of a record's page (terms share the glossary page)."""
    if not ID_PATTERN.match(record_id):  # ids are checked by the loader; this guards the writer
        raise ValueError(f"unsafe record id {record_id!r}")
    if type_name == Term.type_name:
        return GLOSSARY_PAGE
    return f"{PAGE_FOLDERS[type_name]}/{record_id}.md"


def record_anchor(type_name: str, record_id: str) -> str:
    return record_id if type_name == Term.type_name else ""


def page_of(record: Record) -> str:
    return record_page(record.type_name, record.id)


def _relative(from_folder: str, to_page: str) -> str:
    """posixpath.relpath for the generator's own clean paths ("a/b.md", no "." or ".."), without
    its abspath and getcwd calls: links are made hundreds of thousands of times per build."""
    up = from_folder.split("/") if from_folder else []
    down = to_page.split("/")
    common = 0
    while common < len(up) and common < len(down) - 1 and up[common] == down[common]:
        common += 1
    return "../" * (len(up) - common) + "/".join(down[common:])


def href(from_page: str, to_page: str, anchor: str = "") -> str:
    """A relative Markdown link from one docs page to another (mkdocs resolves and checks it)."""
    target = "" if from_page == to_page else _relative(from_page.rpartition("/")[0], to_page)
    return f"{target}#{anchor}" if anchor else (target or "#")


def index_page(folder: str) -> str:
    return f"{folder}/index.md"


def explore_page(name: str) -> str:
    return f"{EXPLORE_FOLDER}/{name}.md"


def page_url(docs_path: str, anchor: str = "") -> str:
    """The built site's URL of a docs page, relative to the site's root (``practices/x.html``):
    the one place ``.md`` becomes ``.html`` (use_directory_urls is off). The search index and the
    browse and compare data address pages by it."""
    url = docs_path[:-3] + ".html" if docs_path.endswith(".md") else docs_path
    return f"{url}#{anchor}" if anchor else url


def built_href(link: str) -> str:
    """A relative link to a docs page as the built site's URL. mkdocs rewrites ``x.md`` links in
    Markdown, not inside raw HTML such as the statistics page's SVG charts."""
    path, hash_, anchor = link.partition("#")
    return page_url(path) + hash_ + anchor


@lru_cache(maxsize=None)
def tag_slug(name: str, separator: str = "-") -> str:
    """The anchor of a tag on the tags page (Material's tags plugin calls this).

    Material's own slug folds case and drops punctuation, so "Tag" and "tag", or "!!!" and
    "???", got the same anchor. A tag that slugifies to itself keeps that readable slug; any
    other gets a digest of its exact text after a "~", which no plain slug can contain (the
    slugifier removes it), so two different tags never share an anchor."""
    from pymdownx.slugs import slugify

    slug = slugify(case="lower")(name, separator)
    if slug == name:
        return slug
    return f"{slug}~{hashlib.sha1(name.encode('utf-8')).hexdigest()[:10]}"


def page_of_record_file(record_file: str) -> str | None:
    """The page generated from a record file ("data/practices/x.yaml" -> "practices/x.md"), or
    None for a path that is not a record file with a page of its own."""
    from .model import TYPES_BY_FOLDER

    parts = PurePosixPath(record_file).parts
    record_type = TYPES_BY_FOLDER.get(parts[1]) if len(parts) == 3 and parts[0] == "data" else None
    stem = PurePosixPath(record_file).stem
    if record_type is None or record_type.type_name not in PAGE_FOLDERS or not ID_PATTERN.match(stem):
        return None
    return record_page(record_type.type_name, stem)
