"""Stage 6 — build: the site engine (MkDocs or ProperDocs, see engine.py) into a fresh folder,
then swap it in for site/ in one step.

A build that fails, is interrupted (Ctrl-C, SIGTERM) or meets bad data leaves the previous
site/ byte for byte as it was. Two builds of one project at the same time are serialised by
a lock file; the second says so and waits.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import fcntl
import logging
import os
import re
import shutil
import signal
import tempfile
import time
from pathlib import Path

from .project import Project

LOCK_NAME = ".kb-build.lock"
RENAME_EXCHANGE = 2  # linux/fs.h


class BuildFailed(Exception):
    pass


@contextlib.contextmanager
def build_lock(project: Project, announce=print, waiting_to: str = "构建"):
    """Hold the project's build lock; if another build has it, say so and wait."""
    path = project.root / LOCK_NAME
    handle = open(path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "未知"
            announce(f"另一个构建正在进行（进程 {holder}），等待它结束后再{waiting_to}……")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            handle.seek(0)
            handle.truncate()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2). False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), RENAME_EXCHANGE)
    return result == 0


def swap_in(new_site: Path, site: Path) -> None:
    """Make ``new_site`` the site; the old one is removed afterwards."""
    if not site.exists():
        os.rename(new_site, site)
        return
    if _exchange(new_site, site):
        shutil.rmtree(new_site, ignore_errors=True)  # now holds the old site
        return
    old = site.with_name(f".site-old-{os.getpid()}")
    os.rename(site, old)
    os.rename(new_site, site)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def sigterm_as_interrupt():
    """SIGTERM (a service manager stopping us) cleans up like Ctrl-C does."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def run_engine(project: Project, site_dir: Path, strict: bool, quiet: bool, preloaded=None,
               reused: dict | None = None, session=None) -> list[str]:
    """Build with the site engine (MkDocs or ProperDocs) into ``site_dir``; returns its warnings,
    raises BuildFailed. ``preloaded`` is the data kb build has loaded and checked already;
    ``reused`` receives how many generated pages were converted and how many copied from the
    site being replaced (generator.pagecache). ``session`` (generator.buildcache) generates
    docs/ from ``preloaded``, redoing only what changed since the cached build."""
    from . import engine

    collector = _Collect()
    logger = engine.logger()
    logger.addHandler(collector)
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        config = engine.load_config(project.config_file, site_dir=str(site_dir), strict=strict)
        plugin = config.plugins.get("kb")
        if plugin is not None and preloaded is not None:
            plugin.preloaded = preloaded
            plugin.reuse_from = project.site_dir if project.site_dir.is_dir() else None
            plugin.build_session = session
        engine.build(config)
        if plugin is not None and plugin.page_cache is not None and reused is not None:
            reused.update(plugin.page_cache.counts)
    except engine.PluginError as exc:
        raise BuildFailed(str(exc)) from None
    except (engine.Abort, engine.ConfigurationError) as exc:
        details = "\n".join(collector.messages)
        raise BuildFailed(f"{engine.LABEL} 构建失败：{exc}\n{details}".strip()) from None
    finally:
        logger.removeHandler(collector)
    return collector.messages


def reproducible_timestamp(graph) -> None:
    """The engine stamps the sitemap with the build date; use the data's date so two builds of
    the same data are byte-identical (SOURCE_DATE_EPOCH is the reproducible-builds convention)."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        return
    from .render import data_date

    day = data_date(graph) or dt.date(2026, 1, 1)
    os.environ["SOURCE_DATE_EPOCH"] = str(int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()))


def remove_leftovers(project: Project) -> None:
    """Temporary folders of a build that was killed outright (SIGKILL, a power cut) and could
    not clean up. Called with the build lock held, so no other build is using them."""
    for pattern in (".site-build-*", ".site-old-*"):
        for path in project.root.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)


def site_mode() -> int:
    """Permissions for the new site/: what mkdir (and so every folder inside) gets. mkdtemp
    makes its folder private (0700), and a web server running as another user could then read
    nothing of the swapped-in site."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o777 & ~umask


def _checked(project: Project, use_cache: bool):
    """The build's session (generator.buildcache) and the data it loaded, validated and linked;
    DataError before anything is touched. A cached session that fails in any other way is
    dropped for a fresh one: the cache never fails a build. Without the cache there is no
    session: recording what every file reads and writing the cache cost a full build about a
    tenth more time and, at 5,000 practices, 290 MB more memory, for a next build that a
    one-off build (an intranet host's) never has."""
    from .buildcache import open_session
    from .pipeline import load_graph
    from .problems import DataError

    if not use_cache:
        return None, load_graph(project)
    session = open_session(project)
    if session.graph is None:
        return session, session.check()
    try:
        return session, session.check()
    except DataError:
        raise
    except Exception:  # noqa: BLE001
        session = open_session(project, use_cache=False)
        return session, session.check()


def build_site(project: Project, *, strict: bool = True, quiet: bool = False, announce=print,
               use_cache: bool = True) -> str:
    """Check the data, build the site into a temporary folder and swap it in. ``use_cache``:
    start from the last successful build's session in .cache/kb/ (generator.buildcache) and
    leave this build's there; without it, neither read nor write the cache."""
    from .buildcache import commit, discard

    started = time.monotonic()
    with build_lock(project, announce), sigterm_as_interrupt():
        session, (graph, problems) = _checked(project, use_cache)
        reproducible_timestamp(graph)
        remove_leftovers(project)
        tmp = Path(tempfile.mkdtemp(prefix=".site-build-", dir=project.root))
        try:
            tmp.chmod(site_mode())
            counts: dict = {}
            warnings = run_engine(project, tmp, strict, quiet, preloaded=(project.root.resolve(), (graph, problems)),
                                  reused=counts, session=session)
            swap_in(tmp, project.site_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if session is not None:
                discard(session)
            raise
        if session is not None:
            commit(session)
    from . import engine

    seconds = time.monotonic() - started
    pages = sum(1 for _ in project.site_dir.rglob("*.html"))
    # The collector is the engine logger's only handler, so nothing else printed these.
    note = (f"；{engine.LABEL} 提示 {len(warnings)} 条：\n" + "\n".join("  " + w.replace("\n", "\n    ") for w in warnings)) if warnings else ""
    kept = f"，{counts['reused']} 个未变的页面沿用上次构建" if counts.get("reused") else ""
    return f"构建完成：{pages} 个页面{kept}，用时 {seconds:.1f} 秒，输出到 site/（{engine.DESCRIPTION}）{note}"


# What the engine's serve says (MkDocs and ProperDocs word it alike), as a maintainer should read
# it: None drops a line that only describes the engine's own workings (the "dirty build" warning
# is the mode kb serve chose).
SERVE_MESSAGES: list[tuple[re.Pattern, str | None]] = [
    (re.compile(r"Serving on (\S+)"), "预览地址：{0}　修改 data/ 中的记录或 docs/ 中的手写页面后自动刷新；Ctrl-C 结束"),
    (re.compile(r"Detected file changes"), "检测到改动，正在重新生成……"),
    (re.compile(r"Documentation built in ([\d.]+) seconds"), "已更新（{0} 秒）"),
    (re.compile(r"Shutting down"), "预览已停止"),
    (re.compile(r"Building documentation|A 'dirty' build|Watching paths|Reloading browsers|Waiting for file changes"), None),
]


class ServeLog(logging.Filter):
    """Rewrites the engine's serve log lines into Chinese (or drops them); warnings and our
    plugin's own lines pass as they are, other information is dropped."""

    def __init__(self, plugin_logger: str):
        super().__init__()
        self.plugin_logger = plugin_logger

    def filter(self, record: logging.LogRecord) -> bool:
        text = re.sub(r"^\[\d\d:\d\d:\d\d\] ", "", record.getMessage())
        for pattern, message in SERVE_MESSAGES:
            match = pattern.match(text)
            if match:
                if message is None:
                    return False
                record.msg, record.args = message.format(*match.groups()), ()
                return True
        name = record.name
        return record.levelno >= logging.WARNING or name == self.plugin_logger or name.startswith(self.plugin_logger + ".")


def serve(project: Project, address: str = "127.0.0.1:8000") -> None:
    """The engine's serve with --dirty: only pages whose Markdown changed are rebuilt."""
    from . import engine

    handler = logging.StreamHandler()
    handler.addFilter(ServeLog(engine.plugin_logger("kb").name))
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    engine_log = engine.logger()
    engine_log.addHandler(handler)
    engine_log.setLevel(logging.INFO)
    engine_log.propagate = False
    print(f"正在生成页面并启动预览（{engine.DESCRIPTION}）……", flush=True)
    try:
        engine.serve(project.config_file, address)
    finally:
        engine_log.removeHandler(handler)
