"""Shared fixtures: the project's real site built once per test session, served on
127.0.0.1 (at / and under the sub-path /kb/), and Debian's chromium driven by Playwright."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-gpu", "--no-first-run", "--disable-sync"]
SUBPATH = "/kb/"
REVIEW_DIR = ROOT / "review"


def run_kb(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run the kb command as a user would, capturing its output."""
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    full_env.pop("KB_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "generator.cli", *args], cwd=cwd or ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def copy_project(dest: Path, *, with_data: bool = True) -> Path:
    """A throwaway copy of the project (config, hand-written docs, data) to build or break."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    ignore = shutil.ignore_patterns(*[f for f in ("practices", "organizations", "regions", "themes", "sources",
                                                  "methods", "glossary", "explore", "courses")])
    shutil.copytree(ROOT / "docs", dest / "docs", ignore=ignore)
    if with_data:
        shutil.copytree(ROOT / "data", dest / "data")
    else:
        (dest / "data").mkdir()
    return dest


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The real knowledge base, built with `kb build` in a copy of the project."""
    project = copy_project(tmp_path_factory.mktemp("project") / "kb")
    result = run_kb("--project", str(project), "build")
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "site"


@pytest.fixture(scope="session")
def site_graph(built_site):
    """The linked knowledge base behind the built site: what its pages should show."""
    from generator.pipeline import check
    from generator.project import Project

    checked = check(Project(built_site.parent))
    assert checked.graph is not None
    return checked.graph


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site at / and under /kb/, like an intranet server with a sub-path."""

    def translate_path(self, path):
        parts = urlsplit(path)
        p = parts.path
        if p.startswith(SUBPATH):
            p = "/" + p[len(SUBPATH):]
        return super().translate_path(p)

    def log_message(self, *args):  # keep test output readable
        pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A browser that closes a page while a file is on its way (the benchmark closes each
        # context right after its measurement) is no error of the site: no traceback on stderr,
        # where tests/test_bench.py looks for one.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def site_url(built_site) -> str:
    """Base URL of the built site served on 127.0.0.1 (an ephemeral port)."""
    handler = functools.partial(_SiteHandler, directory=str(built_site))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def serve_dir(directory: Path):
    """Start a throwaway server for another built site; returns (url, stop)."""
    handler = functools.partial(_SiteHandler, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server.shutdown


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's chromium is missing at {CHROMIUM}; run `make test`, which installs it")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


class RequestLog:
    """Every URL a page asked for, to prove nothing leaves the site's origin."""

    def __init__(self):
        self.urls: list[str] = []

    def attach(self, context):
        context.on("request", lambda request: self.urls.append(request.url))

    def foreign(self, origin: str) -> list[str]:
        return [u for u in self.urls if not (u.startswith(origin) or u.startswith("data:") or u.startswith("blob:")
                                             or u.startswith("about:"))]


@pytest.fixture
def requests_log():
    return RequestLog()


@pytest.fixture
def page(browser, requests_log):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    requests_log.attach(context)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.js_errors = errors
    yield tab
    context.close()


def review_path(name: str) -> Path:
    """Where screenshots and page images for human review go (git-ignored)."""
    REVIEW_DIR.mkdir(exist_ok=True)
    return REVIEW_DIR / name
