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
import re
from functools import lru_cache
from pathlib import Path

from . import engine, paths

REUSE_TEMPLATE = "kb-reuse.html"  # a template that renders nothing: the page's HTML is copied
_DIGEST = re.compile(rb'<meta name="kb-digest" content="([0-9a-f]{32})">')
_ANCHOR = re.compile(r'\bid="([^"]+)"')
# Generated pages that are not converted on their own: the tags page lists every page's tags.
_NOT_DEFERRED = {paths.explore_page("tags")}
_GENERATED = tuple(f"{folder}/" for folder in paths.GENERATED_FOLDERS)


def _version(package: str) -> str:
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
    for part in (engine.DESCRIPTION, _version("mkdocs-material"), _version("markdown"), _version("pymdown-extensions")):
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

    def convert(self, page, config, files) -> None:
        """``on_page_context``: the page's real conversion, just before it is laid out. A reused
        page gets the anchors of its last build, so links into it are still checked."""
        old = self.reused.get(page.file.src_uri)
        if old is not None:
            page.present_anchor_ids = set(_ANCHOR.findall(old.read_text(encoding="utf-8")))
            return
        if page.file.src_uri not in self.deferred:
            return
        self.deferred.discard(page.file.src_uri)
        meta = dict(page.meta)
        page.read_source(config)  # the page's Markdown again, from its file: none is kept meanwhile
        page.meta.update(meta)
        page.render(config, files)
        page.content = config.plugins.on_page_content(page.content, page=page, config=config, files=files)
        self.counts["converted"] += 1

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
