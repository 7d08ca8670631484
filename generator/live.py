"""``kb serve`` after an edit: build just the pages the edit touched.

The engine's own ``--dirty`` rebuild still lists, stats and looks at every file of the site
(thousands of pages at 20,000 records) and renders its sitemap and 404 page again, on every
edit. After the first full build, this rebuild takes over: the incremental generator says which
files it wrote and removed, and only those pages (plus the few hand-written ones, whose live
blocks may show the change, and the tags page) are converted and written — with the engine's own
page and theme machinery (``engine.build_pages``), so they look exactly as a full build makes
them. Data files are copied. Anything it is not sure about (mkdocs.yml changed, a hand-written
page added or removed, broken data) goes to the engine's full rebuild instead.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from . import engine, paths
from .problems import DataError


class QuickRebuild:
    """The builder ``kb serve``'s live-reload server calls after a change (see module docstring)."""

    def __init__(self, plugin, full_rebuild):
        self.plugin = plugin
        self.full_rebuild = full_rebuild
        self.baseline = self._state()

    def _state(self) -> tuple:
        """What a quick rebuild cannot follow: the configuration and the set of hand-written pages."""
        config = self.plugin.config_seen
        try:
            stamp = os.stat(config.config_file_path).st_mtime_ns
        except OSError:
            stamp = None
        return stamp, tuple(sorted(self.plugin.project.docs_dir.glob("*.md")))

    def __call__(self) -> None:
        plugin = self.plugin
        if plugin.flagged or plugin.files_seen is None or self._state() != self.baseline:
            return self._full()
        started = time.monotonic()
        try:
            generated = plugin.session.generate()
        except DataError:
            return self._full()  # the full rebuild shows the errors on the pages
        try:
            self._build(generated)
        except Exception as exc:  # never leave the preview half-built: the full rebuild repairs it
            plugin.log.warning(f"kb：快速更新没有完成（{type(exc).__name__}: {exc}），改为完整重建")
            return self._full()
        engine.logger().info(f"Documentation built in {time.monotonic() - started:.2f} seconds")

    def _full(self) -> None:
        self.full_rebuild()
        self.baseline = self._state()

    def _build(self, generated) -> None:
        plugin, config = self.plugin, self.plugin.config_seen
        files, nav, env = plugin.files_seen, plugin.nav_seen, plugin.env_seen
        plugin.graph = generated.graph
        docs_dir, site_dir = Path(config.docs_dir), Path(config.site_dir)
        pages = []
        for rel in generated.removed_paths:
            file = files.get_file_from_path(rel)
            if file is not None:
                files.remove(file)
                Path(file.abs_dest_path).unlink(missing_ok=True)
        for rel in generated.made_paths:
            file = files.get_file_from_path(rel)
            if file is None:
                file = engine.File(rel, str(docs_dir), str(site_dir), config.use_directory_urls)
                files.append(file)
                if rel.endswith(".md"):
                    engine.Page(file, config)
            if rel.endswith(".md"):
                pages.append(file.page)
            else:
                file.copy_file()
        generated_folders = tuple(f"{folder}/" for folder in paths.GENERATED_FOLDERS)
        for file in files.documentation_pages():
            # Hand-written pages show live blocks (counts, recent practices) and link first
            # mentions; there are few. The tags page lists every practice's tags.
            if not file.src_uri.startswith(generated_folders) or file.src_uri == paths.explore_page("tags"):
                if file.page not in pages:
                    pages.append(file.page)
        engine.build_pages([p for p in pages if p is not None], config, files, nav, env)
        plugin.on_post_build(config)
