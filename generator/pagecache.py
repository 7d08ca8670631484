"""Generated pages are converted one at a time, and a build reuses the last build's pages.

The engine reads and converts every page before it writes any (``_populate_page`` for all,
then ``_build_page`` for all), so a build of 20,000 practices held the Markdown and the HTML of
32,000 pages at once. For the pages the generator writes, the plugin hands the engine an empty
page while it reads them and converts the real one just before the page is written
(``on_page_context``), then lets it go (``on_post_page``): one page's text in memory at a time.

``kb build`` also keeps what it can of the last build. Each generated page carries the digest
of its Markdown and of everything else its HTML depends on (the "shell": mkdocs.yml, the engine,
theme and Markdown versions, our theme overrides and plugin code) in a ``<meta name="kb-digest">``.
A page whose digest is the same as in the site being replaced is copied from it instead of
being converted and laid out again; the new site is still built whole in a fresh folder and
swapped in. The tests check that such a build is byte for byte the build made from scratch.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import multiprocessing
import os
import re
import signal
from functools import lru_cache
from pathlib import Path

from . import engine, paths

REUSE_TEMPLATE = "kb-reuse.html"  # a template that renders nothing: the page's HTML is copied
_DIGEST = re.compile(rb'<meta name="kb-digest" content="([0-9a-f]{32})">')
# Python-Markdown and the theme write every attribute after one space; a literal start makes this
# thirty times faster than \bid= on a 30 kB page (the regex engine skips to each " id=").
_ANCHOR = re.compile(r' id="([^"]+)"')
# Generated pages that are not converted on their own: the tags page lists every page's tags.
_NOT_DEFERRED = {paths.explore_page("tags")}
_GENERATED = tuple(f"{folder}/" for folder in paths.GENERATED_FOLDERS)


def package_version(package: str) -> str:
    """An installed distribution's version, "-" when it is not installed (part of cache keys)."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "-"


@lru_cache(maxsize=None)
def _code_digest() -> bytes:
    """Our code and files that shape every page's HTML (theme overrides, the plugin)."""
    here = Path(__file__).parent
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted([*(here / "theme").rglob("*"), here / "mkdocs_plugin.py", here / "pagecache.py"]):
        if path.is_file():
            digest.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.digest()


def shell_digest(config) -> str:
    """What every page's HTML depends on besides its own Markdown."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(Path(config.config_file_path).read_bytes())
    for part in (engine.DESCRIPTION, package_version("mkdocs-material"), package_version("markdown"), package_version("pymdown-extensions")):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(_code_digest())
    return digest.hexdigest()


class PageCache:
    """The plugin's part in converting generated pages one at a time and reusing unchanged ones."""

    def __init__(self, previous_site: Path | None, shell: str):
        self.previous_site = previous_site
        self.shell = shell
        self.deferred: set[str] = set()  # pages converted when they are written (read again then)
        self.reused: dict[str, Path] = {}  # page -> the last build's HTML of it
        self.counts = {"converted": 0, "reused": 0}
        self.parallel: ParallelConversion | None = None

    def read(self, markdown: str, page) -> str:
        """``on_page_markdown`` for a generated page: what the engine converts now."""
        src = page.file.src_uri
        if not src.startswith(_GENERATED) or src in _NOT_DEFERRED:
            return markdown
        digest = hashlib.blake2b(markdown.encode("utf-8") + self.shell.encode(), digest_size=16).hexdigest()
        page.meta["kb_digest"] = digest
        old = self._previous(page, digest)
        if old is not None:
            page.meta["template"] = REUSE_TEMPLATE
            self.reused[src] = old
        else:
            self.deferred.add(src)
        return ""

    def _previous(self, page, digest: str) -> Path | None:
        if self.previous_site is None:
            return None
        old = self.previous_site / page.file.dest_uri
        try:
            with open(old, "rb") as handle:
                head = handle.read(4096)  # the digest is in <head>, near the top
        except OSError:
            return None
        found = _DIGEST.search(head)
        return old if found and found.group(1).decode() == digest else None

    def start(self, config, files) -> None:
        """``on_env`` (a build, not serve): every page is read; hand the deferred ones to
        another process, which converts them in the order the engine will lay them out."""
        order = [f.src_uri for f in files.documentation_pages() if f.src_uri in self.deferred]
        if order and _in_parallel(len(order)):
            self.parallel = ParallelConversion(order, config, files)

    def convert(self, page, config, files) -> None:
        """``on_page_context``: the page's real conversion, just before it is laid out. A reused
        page gets the anchors of its last build, so links into it are still checked."""
        src = page.file.src_uri
        old = self.reused.get(src)
        if old is not None:
            page.present_anchor_ids = set(_ANCHOR.findall(old.read_text(encoding="utf-8")))
            return
        if src not in self.deferred:
            return
        self.deferred.discard(src)
        if self.parallel is not None and self.parallel.has(src):
            self.parallel.receive(page, files)
        else:
            convert_page(page, config, files)
        self.counts["converted"] += 1

    def close(self) -> None:
        """``on_post_build`` and ``on_build_error``: no conversion process outlives the build."""
        if self.parallel is not None:
            self.parallel.close()
            self.parallel = None

    def written(self, output: str, page) -> str:
        """``on_post_page``: a reused page's HTML from the last build; a converted page lets go
        of its text."""
        src = page.file.src_uri
        old = self.reused.pop(src, None)
        if old is not None:
            self.counts["reused"] += 1
            return old.read_text(encoding="utf-8")
        if src.startswith(_GENERATED) and src not in _NOT_DEFERRED:
            page.content = page.markdown = None
        return output


def convert_page(page, config, files) -> None:
    """What the engine does to a page between reading and laying it out (``_populate_page``)."""
    meta = dict(page.meta)
    page.read_source(config)  # the page's Markdown again, from its file: none is kept meanwhile
    page.meta.update(meta)
    page.render(config, files)
    page.content = config.plugins.on_page_content(page.content, page=page, config=config, files=files)


# Markdown conversion is about half of laying out a generated page (measured at 1,000
# practices: 54 of 125 profiled seconds). A second process converts while this one fills the
# theme's templates and writes: both cores work through the page loop, which the engine runs
# in one thread. Below this many pages the process is not worth starting.
PARALLEL_FROM = 200


def _in_parallel(pages: int) -> bool:
    """KB_JOBS=1 converts in the build's process; KB_JOBS=2 (or more) in a second one even for
    a few pages (the tests compare the two)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    wanted = os.environ.get("KB_JOBS")
    if wanted is not None:
        return wanted.isdigit() and int(wanted) > 1
    return pages >= PARALLEL_FROM and (os.cpu_count() or 1) > 1


class _Captured(logging.Handler):
    """The engine's messages in the converting process, sent back with each page: the build's
    process prints them and counts warnings for ``--strict`` as if it had converted the page."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        record.msg, record.args, record.exc_info, record.exc_text = record.getMessage(), None, None, None
        self.records.append(record)


# What the forked process works with: the build's config and files as they were when it started.
_FORKED: dict = {}


def _start_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build process's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    captured = _Captured()
    logger = engine.logger()
    logger.handlers = [captured]
    logger.propagate = False
    _FORKED["captured"] = captured


def _convert_in_worker(src: str):
    config, files, captured = _FORKED["config"], _FORKED["files"], _FORKED["captured"]
    page = files.get_file_from_path(src).page
    config._current_page = page
    try:
        convert_page(page, config, files)
    finally:
        config._current_page = None
    links = {target.src_uri: anchors for target, anchors in (page.links_to_anchors or {}).items()}
    records, captured.records = captured.records, []
    return (src, page.content, page.toc, page._title_from_render, page.present_anchor_ids,
            links if page.links_to_anchors is not None else None, records)


class ParallelConversion:
    """Converts pages in a forked process, in the order they will be asked for."""

    def __init__(self, order: list[str], config, files):
        self.waiting = set(order)
        self.arrived: dict[str, tuple] = {}
        _FORKED.update(config=config, files=files)
        try:
            self.pool = multiprocessing.get_context("fork").Pool(1, initializer=_start_worker)
        finally:
            _FORKED.clear()
        self.results = self.pool.imap(_convert_in_worker, order, chunksize=8)

    def has(self, src: str) -> bool:
        return src in self.waiting

    def receive(self, page, files) -> None:
        src = page.file.src_uri
        while src not in self.arrived:
            result = next(self.results)
            self.arrived[result[0]] = result
        _, content, toc, title, anchors, links, records = self.arrived.pop(src)
        self.waiting.discard(src)
        page.content, page.toc, page._title_from_render, page.present_anchor_ids = content, toc, title, anchors
        if links is not None:
            page.links_to_anchors = {files.get_file_from_path(target): anchors for target, anchors in links.items()}
        for record in records:
            logging.getLogger(record.name).handle(record)

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()
