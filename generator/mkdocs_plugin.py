"""The engine side: a thin plugin that runs the generator and adds the theme's extras. It takes
everything from the engine (MkDocs or ProperDocs) through ``engine.py``.

- ``on_config``: generate docs/ from data/ (so plain ``mkdocs build`` and ``mkdocs serve``
  work), put our template overrides before Material's, add our CSS/JS, watch data/.
- ``on_files``: add our static assets from the package.
- ``on_page_markdown``: in hand-written pages, expand ``<!-- kb:… -->`` blocks and link first
  mentions, exactly as the generator does for generated pages.
- ``on_serve``: watch data/ and the hand-written pages, not the generated folders.
- ``on_post_build``: write the search index (under ``serve``, after the rebuilt pages are shown).
"""

from __future__ import annotations

import html
import os
import threading
from pathlib import Path

from . import paths
from .engine import BasePlugin, Config, File, Files, PluginError, event_priority, plugin_logger
from .engine import config_options as c
from .problems import DataError, UserError
from .project import Project

log = plugin_logger("kb")  # "mkdocs.plugins.kb" or "properdocs.plugins.kb"

PACKAGE_DIR = Path(__file__).parent
THEME_DIR = PACKAGE_DIR / "theme"
STATIC_DIR = PACKAGE_DIR / "static"
CSS = ["assets/kb/kb.css", "assets/kb/print.css"]
# docs/assets/kb-unbuilt.css, listed in mkdocs.yml: the warning a site built without this plugin
# shows on every page. Every build this plugin runs leaves it out.
UNBUILT_CSS = "assets/kb-unbuilt.css"
JS = ["assets/kb/kb.js", "assets/kb/basket.js", "assets/kb/search.js", "assets/kb/browse.js", "assets/kb/compare.js"]


class KnowledgeBaseConfig(Config):
    # Folder of YAML records, relative to mkdocs.yml.
    data_dir = c.Type(str, default="data")
    # Link the first mention of practices, methods and terms in hand-written pages too.
    autolink = c.Type(bool, default=True)
    # Write the search index (turned off only by benchmarks that measure without search).
    search = c.Type(bool, default=True)


def format_problems(exc: DataError) -> str:
    lines = [p.format() for p in exc.problems.errors[:50]]
    more = len(exc.problems.errors) - len(lines)
    if more > 0:
        lines.append(f"……另有 {more} 个错误（运行 kb check 查看全部）")
    return "数据有错误，未生成页面：\n" + "\n".join(lines)


class BackgroundIndex:
    """Rewrites the search index off the build thread, newest request only.

    mkdocs serve answers no request while a rebuild runs (it never shows a half-built site),
    and at 5,000 practices writing the index took as long as generating every page, so a
    maintainer waited for both before seeing an edit. Under serve the rebuilt pages are shown
    first and the index follows a few seconds later; ``kb build`` still writes it in the build.
    Files are written only while holding ``_writing``, so ``stop`` can wait for the few seconds
    of writing (not the minute of computing) before mkdocs removes its site folder."""

    def __init__(self):
        self._lock = threading.Lock()
        self._writing = threading.Lock()
        self._pending: tuple | None = None
        self._running = False
        self._stopped = False

    def submit(self, graph, site_dir: Path, docs_dir: Path) -> None:
        with self._lock:
            self._pending = (graph, site_dir, docs_dir)
            if not self._running and not self._stopped:
                self._running = True
                threading.Thread(target=self._run, name="kb-search-index", daemon=True).start()

    def stop(self) -> None:
        """No more writing; returns once a write under way has finished."""
        with self._lock:
            self._stopped, self._pending = True, None
        with self._writing:
            pass

    def _run(self) -> None:
        from .search.build import index_files, install_index

        while True:
            with self._lock:
                job, self._pending = self._pending, None
                if job is None or self._stopped:
                    self._running = False
                    return
            graph, site_dir, docs_dir = job
            try:
                files, _ = index_files(graph, site_dir, docs_dir)
                with self._writing:
                    if not self._stopped:
                        install_index(site_dir, files)
            except Exception as exc:  # a preview keeps running; the next rebuild tries again
                if not self._stopped:
                    log.warning(f"kb：检索索引未能更新（{type(exc).__name__}: {exc}）")



class KnowledgeBasePlugin(BasePlugin[KnowledgeBaseConfig]):
    """State lives on the instance: a plugin with ``on_startup`` is created once per ``mkdocs
    serve`` and kept for every rebuild (mkdocs ≥ 1.4), so the serve session (parsed files, last
    graph, incremental generator) and the background index outlive each rebuild."""

    def __init__(self):
        super().__init__()
        self.graph = None
        self.project: Project | None = None
        self.serving = False
        self.watching = False  # turns true once serve's first build is done and its watcher is set up
        self.session = None  # pipeline.Session while serving
        self.preloaded = None  # (project root, (graph, problems)) handed over by kb build
        self.build_session = None  # kb build's session (generator.buildcache), which generates docs/
        self.flagged: set[str] = set()
        self.background = BackgroundIndex()
        self.problems: list[str] = []
        # What the last full build used, for kb serve's quick rebuilds (generator.live).
        self.config_seen = self.files_seen = self.nav_seen = self.env_seen = None
        self.log = log
        self.reuse_from: Path | None = None  # the site kb build is replacing (generator.pagecache)
        self.page_cache = None

    def on_startup(self, *, command, dirty):
        self.serving = command == "serve"

    def on_config(self, config):
        from .pipeline import Session, generate

        root = Path(config.config_file_path).resolve().parent
        self.project = Project(root)
        self.problems = []
        data_dir = (root / self.config.data_dir).resolve()
        if data_dir != self.project.data_dir.resolve():
            raise PluginError("kb 插件目前只支持项目根目录下的 data/ 文件夹")
        try:
            if self.serving:
                if self.session is None or self.session.project != self.project:
                    self.session = Session(self.project)
                generated = self.session.generate()
            else:
                preloaded, self.preloaded = self.preloaded, None
                session, self.build_session = self.build_session, None
                checked = preloaded[1] if preloaded and preloaded[0] == root else None
                if session is not None and checked is not None:
                    generated = session.write(*checked)
                else:
                    generated = generate(self.project, checked)
        except UserError as exc:  # e.g. write.UnsafePath: a symlinked generated folder
            raise PluginError(str(exc)) from None
        except DataError as exc:
            if not (self.serving and self.graph is not None):
                raise PluginError(format_problems(exc)) from None
            # While previewing, keep serving the last good pages and say on every page what
            # is wrong, instead of a server that hangs until the YAML is fixed.
            self.problems = [p.format() for p in exc.problems.errors]
            log.error(format_problems(exc))
            self._flag_pages(exc, config)
        else:
            self.graph = generated.graph
            self._unflag_pages(config)
            if generated.written or generated.removed:
                log.info(f"kb：生成页面 {generated.written} 个，删除 {generated.removed} 个")

        from .pagecache import PageCache, shell_digest

        self.page_cache = PageCache(None if self.serving else self.reuse_from, shell_digest(config))

        # Our overrides come after a project's own custom_dir, before Material's templates.
        dirs = list(config.theme.dirs)
        position = 1 if config.theme.custom_dir else 0
        if str(THEME_DIR) not in dirs:
            config.theme.dirs.insert(position, str(THEME_DIR))
        if UNBUILT_CSS in config.extra_css:
            config.extra_css.remove(UNBUILT_CSS)
        for css in CSS:
            if css not in config.extra_css:
                config.extra_css.append(css)
        for js in JS:
            if js not in [str(x) for x in config.extra_javascript]:
                config.extra_javascript.append(js)
        if str(data_dir) not in config.watch:
            config.watch.append(str(data_dir))
        tags = config.plugins.get("material/tags") or config.plugins.get("tags")
        if tags is not None and hasattr(tags.config, "tags_slugify"):
            tags.config.tags_slugify = paths.tag_slug  # one anchor per tag (see tag_slug)
        return config

    def on_nav(self, nav, config, files):
        self.nav_seen = nav
        return nav

    def on_env(self, env, config, files):
        self.env_seen, self.files_seen, self.config_seen = env, files, config
        if self.page_cache is not None and not self.serving:
            self.page_cache.start(config, files)
        return env

    def on_build_error(self, error):
        if self.page_cache is not None:
            self.page_cache.close()

    def on_serve(self, server, config, builder):
        """Watch the hand-written pages and data/, not the folders the generator writes:
        every edit used to be built twice (once for the YAML change, once more because the
        first build wrote docs/practices/…), and the watcher polled every generated file
        twice a second. A folder added to docs/ later is watched after a restart."""
        docs_dir = Path(config.docs_dir)
        server.unwatch(str(docs_dir))
        server.watch(str(docs_dir), recursive=False)
        for child in sorted(docs_dir.iterdir()):
            if child.is_dir() and not child.is_symlink() and child.name not in paths.GENERATED_FOLDERS:
                server.watch(str(child))
        self.watching = True
        # After this first full build, an edit rebuilds only the pages it touched (generator.live).
        from .live import QuickRebuild

        server.builder = QuickRebuild(self, server.builder)
        return server

    def on_shutdown(self):
        # mkdocs serve removes its site folder next: let no index write race with that.
        if self.watching:
            self.background.stop()

    def on_files(self, files: Files, config):
        self._add_handouts(files, config)
        unbuilt = files.get_file_from_path(UNBUILT_CSS)
        if unbuilt is not None:
            files.remove(unbuilt)
        self._add_templates(files, config)
        for path in sorted(STATIC_DIR.rglob("*")):
            if path.is_file():
                rel = path.relative_to(STATIC_DIR).as_posix()
                existing = files.get_file_from_path(rel)
                if existing is not None:
                    files.remove(existing)
                files.append(File(rel, str(STATIC_DIR), config.site_dir, config.use_directory_urls))
        return files

    def _add_handouts(self, files: Files, config) -> None:
        """Each course's Word handout beside its page (courses/<id>.docx), the same file
        ``kb export course`` writes: built into the temporary site folder like every page, so
        ``kb build`` stays atomic. Practices and comparisons are made in the browser (docx.js)."""
        if self.graph is None:
            return
        from .export_docx import course_handout

        for course in self.graph.kb.courses.values():
            rel = f"courses/{course.id}.docx"
            existing = files.get_file_from_path(rel)
            if existing is not None:
                files.remove(existing)
            files.append(File.generated(config, rel, content=course_handout(self.graph, course)))

    def _add_templates(self, files: Files, config) -> None:
        """The Word and Excel fill-in templates for county offices (downloads/, linked from the
        如何贡献 page), made from the model and the names in the data, built like the handouts."""
        if self.graph is None:
            return
        from .office_template import site_files

        for rel, content in site_files(self.graph).items():
            existing = files.get_file_from_path(rel)
            if existing is not None:
                files.remove(existing)
            files.append(File.generated(config, rel, content=content))

    def on_page_markdown(self, markdown, page, config, files):
        src = page.file.src_uri
        if src.startswith(tuple(f"{f}/" for f in paths.GENERATED_FOLDERS)):
            return self.page_cache.read(markdown, page) if self.page_cache else markdown
        if self.graph is None:
            return markdown
        from .snippets import expand

        markdown = expand(markdown, src, self.graph)
        if self.config.autolink and self.graph.linker is not None:
            markdown, _ = self.graph.linker.link(markdown, src)
        return markdown

    def _flag_pages(self, exc: DataError, config) -> None:
        """Under ``serve --dirty`` only changed pages are rebuilt: mark the pages of the broken
        records (and the home page) as out of date so they are rebuilt with the error banner.
        The built copy is made old, not the source touched: the watcher sees docs/index.md,
        and touching it started a new rebuild after every rebuild for as long as the data
        stayed broken."""
        pages = {"index.md"} | {page for page in map(paths.page_of_record_file, (p.path for p in exc.problems.errors)) if page}
        for rel in pages:
            if (self.project.docs_dir / rel).is_file():
                self._outdate(rel, config)
                self.flagged.add(rel)

    def _unflag_pages(self, config) -> None:
        for rel in self.flagged:
            if (self.project.docs_dir / rel).is_file():
                self._outdate(rel, config)
        self.flagged.clear()

    @staticmethod
    def _outdate(rel: str, config) -> None:
        built = Path(File(rel, config.docs_dir, config.site_dir, config.use_directory_urls).abs_dest_path)
        if built.is_file():
            os.utime(built, (0, 0))  # older than any source: mkdocs --dirty rebuilds it

    def on_page_content(self, html, page, config, files):
        """Row headers in the stage matrix and the comparisons of course modules (a11y.py)."""
        from .a11y import row_headers

        return row_headers(html)

    def on_page_context(self, context, page, config, nav):
        """Record pages are not in the navigation (it would grow with every record); show where
        they belong anyway — the tab and section of their index page (全部实践, 政协组织 …) are
        marked active while the page is rendered — and date them by their record (sitemap)."""
        if self.page_cache is not None:
            self.page_cache.convert(page, config, self.files_seen)
        meta = page.meta.get("kb") if isinstance(page.meta.get("kb"), dict) else None
        if not meta or meta.get("type") not in paths.PAGE_FOLDERS:
            return context
        section = paths.index_page(paths.PAGE_FOLDERS[meta["type"]])
        index = next((item for item in nav.pages if item.file.src_uri == section), None)
        if index is not None and not index.active:
            index.active = True  # mkdocs passes this up to the section and its tab
            self._borrowed_active = index
        record = self.graph.record((meta["type"], str(meta.get("id")))) if self.graph is not None else None
        if record is not None and record.last_updated is not None:
            page.update_date = record.last_updated.isoformat()
        return context

    def on_template_context(self, context, template_name, config):
        """The 404 page links to the site root with absolute paths (mkdocs: "/" unless
        site_url is set), so a site under a sub-path showed it unstyled with a huge logo. Without
        site_url, link it relatively like every other page: right wherever 404.html sits at the
        top of the site. (With site_url set, mkdocs' absolute paths work at any depth.)"""
        if template_name == "404.html" and not config.site_url:
            context["base_url"] = "."  # Material's templates build every URL from it
        return context

    def on_post_page(self, output, page, config):
        if self.page_cache is not None:
            output = self.page_cache.written(output, page)
        borrowed = getattr(self, "_borrowed_active", None)
        if borrowed is not None:
            borrowed.active = False
            self._borrowed_active = None
        if not self.problems:
            return output
        items = "".join(f"<li><code>{html.escape(p)}</code></li>" for p in self.problems[:20])
        banner = (
            '<div class="admonition failure kb-data-errors"><p class="admonition-title">'
            "数据有错误，页面显示的是上次正确的内容；修正后会自动刷新</p>"
            f"<ul>{items}</ul></div>"
        )
        return output.replace('<article class="md-content__inner md-typeset">',
                              '<article class="md-content__inner md-typeset">' + banner, 1)

    @event_priority(-50)
    def on_post_build(self, config):
        if self.page_cache is not None:
            self.page_cache.close()
        if self.graph is None:
            return
        from .feed import FEED_FILE, atom_feed

        (Path(config.site_dir) / FEED_FILE).write_bytes(atom_feed(self.graph, config.site_url))
        if not self.config.search:
            return
        if os.environ.get("KB_NO_SEARCH"):
            return
        if self.watching:
            self.background.submit(self.graph, Path(config.site_dir), Path(config.docs_dir))
            return
        from .search.build import write_search_index

        write_search_index(self.graph, Path(config.site_dir), Path(config.docs_dir))
