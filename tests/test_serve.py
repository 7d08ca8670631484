"""Editing a YAML file under `kb serve` (mkdocs serve) updates its page without a restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT
from kbfixture import make_kb

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def wait_for(predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def searchable(base: str, token: str) -> bool:
    """Whether the served search index holds ``token`` (a character pair) in its shard."""
    import json
    import re

    from generator.search.build import shard_of

    manifest = fetch(base + "search/manifest.js")
    if not manifest:
        return False
    shards = json.loads(re.search(r"manifest\((.*)\);", manifest).group(1))["shards"]
    shard = fetch(base + f"search/t/{shard_of(token, shards)}.js")
    return bool(shard) and json.dumps(token, ensure_ascii=False) in shard


def test_yaml_edit_shows_up_in_the_served_page(tmp_path):
    kb = make_kb(tmp_path)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "--project", str(kb.root), "serve", "--address", f"127.0.0.1:{port}"],
        cwd=ROOT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/practices/yi-xie-shang.html"
    try:
        first = wait_for(lambda: fetch(url), timeout=60)
        assert first and "借鉴了甲工作法" in first
        kb.edit("practices/yi-xie-shang.yaml", "借鉴了甲工作法。", "借鉴了甲工作法，并在三个村试行。")
        started = time.monotonic()
        updated = wait_for(lambda: (page := fetch(url)) and "在三个村试行" in page and page, timeout=30)
        assert updated, "the edited summary never reached the served page"
        print(f"edit visible after {time.monotonic() - started:.1f} s")
        assert server.poll() is None, "the server restarted or died"
        # Search follows: the index is rewritten after the page is shown, and finds the new words.
        base = f"http://127.0.0.1:{port}/"
        assert wait_for(lambda: searchable(base, "个村"), timeout=30), "the search index never learnt the edit"
        # A broken edit is reported on the page, and the last good content stays served.
        kb.edit("practices/yi-xie-shang.yaml", "completeness: 简要", "completeness: 很好")
        broken = wait_for(lambda: (page := fetch(url)) and "数据有错误" in page and page, timeout=30)
        assert broken and "yi-xie-shang.yaml:5: completeness" in broken and "在三个村试行" in broken
        time.sleep(2)  # broken data must not make the server rebuild again and again meanwhile
        kb.edit("practices/yi-xie-shang.yaml", "completeness: 很好", "completeness: 简要")
        assert wait_for(lambda: (page := fetch(url)) and "数据有错误" not in page, timeout=30)
        assert server.poll() is None
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            output, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            output, _ = server.communicate()
    assert "很好" in output and "completeness" in output  # the error was shown to the maintainer
    # What the maintainer reads: where to look, each rebuild once (the generator's own writes
    # to docs/ trigger no second one), in Chinese, without mkdocs' "dirty build" warning.
    assert f"预览地址：http://127.0.0.1:{port}/" in output
    assert output.count("检测到改动") == 3, output  # three edits
    assert "dirty" not in output and "Traceback" not in output


def test_stopping_the_preview_waits_for_no_index_computation_and_writes_nothing_after(tmp_path, monkeypatch):
    """Ctrl-C right after an edit: mkdocs serve removes its site folder, and a search index still
    being written into it made that fail with an internal error."""
    import threading

    import generator.search.build as search_build
    from generator.mkdocs_plugin import BackgroundIndex

    computing = threading.Event()
    release = threading.Event()

    def slow_index_files(graph, site_dir, docs_dir):
        computing.set()
        release.wait(10)
        return {"manifest.js": "x"}, 0

    monkeypatch.setattr(search_build, "index_files", slow_index_files)
    index = BackgroundIndex()
    index.submit(None, tmp_path, tmp_path)
    assert computing.wait(10)
    started = time.monotonic()
    index.stop()  # returns at once: nothing is being written yet
    assert time.monotonic() - started < 1
    release.set()
    time.sleep(0.3)
    assert not (tmp_path / "search").exists() and list(tmp_path.iterdir()) == []
