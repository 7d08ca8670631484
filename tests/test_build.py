"""`kb build` as IT staff and maintainers rely on it: one command, reproducible output, a failed
or interrupted build never touches the last good site, concurrent builds wait their turn."""

from __future__ import annotations

import hashlib
import re
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, run_kb
from kbfixture import make_kb

pytestmark = pytest.mark.slow


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def built_kb(tmp_path):
    kb = make_kb(tmp_path)
    result = run_kb("--project", str(kb.root), "build")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "构建完成" in result.stdout
    return kb


def test_build_writes_pages_for_every_record(built_kb):
    site = built_kb.root / "site"
    for page in ("index.html", "practices/jia-gong-zuo-fa.html", "practices/index.html", "organizations/jia-shi-zheng-xie.html",
                 "regions/jia-sheng.html", "themes/ji-ceng.html", "methods/yi-shi-hui.html", "sources/wen-xian.html",
                 "glossary/index.html", "explore/a-z.html", "explore/compare.html", "explore/stats.html"):
        assert (site / page).is_file(), page


def test_two_builds_of_the_same_data_are_byte_identical(built_kb, tmp_path):
    first = tree_digest(built_kb.root / "site")
    again = run_kb("--project", str(built_kb.root), "build")
    assert again.returncode == 0
    assert tree_digest(built_kb.root / "site") == first


def test_generation_writes_only_what_changed_and_removes_what_is_gone(built_kb):
    docs = built_kb.root / "docs"
    page = docs / "practices" / "yi-xie-shang.md"
    other = docs / "practices" / "jia-gong-zuo-fa.md"
    before = other.stat().st_mtime_ns
    time.sleep(0.05)
    built_kb.edit("practices/yi-xie-shang.yaml", "借鉴了甲工作法。", "借鉴了甲工作法，效果很好。")
    result = run_kb("--project", str(built_kb.root), "generate")
    assert result.returncode == 0, result.stderr
    assert "效果很好" in page.read_text(encoding="utf-8")
    # The other practice page is untouched: its mtime does not move when its bytes do not change.
    assert other.stat().st_mtime_ns == before
    (built_kb.root / "data" / "practices" / "yi-xie-shang.yaml").unlink()
    built_kb.edit("practices/jia-gong-zuo-fa.yaml", "relations:\n  - kind: 相似\n    target: 乙协商\n", "")
    run_kb("--project", str(built_kb.root), "generate")
    assert not page.exists()
    # Hand-written pages are never removed.
    assert (docs / "index.md").exists()


def test_bad_data_fails_with_chinese_errors_and_keeps_the_site(built_kb):
    site = built_kb.root / "site"
    before = tree_digest(site)
    built_kb.edit("practices/jia-gong-zuo-fa.yaml", "stage: 选题", "stage: 筹划")
    result = run_kb("--project", str(built_kb.root), "build")
    assert result.returncode == 1
    assert "jia-gong-zuo-fa.yaml:8: steps[0].stage" in result.stderr
    assert "网站保持原样" in result.stderr and "Traceback" not in result.stderr
    assert tree_digest(site) == before


def test_mkdocs_failure_keeps_the_site(built_kb):
    site = built_kb.root / "site"
    before = tree_digest(site)
    (built_kb.root / "docs" / "broken.md").write_text("[坏链接](nowhere.md)\n", encoding="utf-8")
    result = run_kb("--project", str(built_kb.root), "build")
    assert result.returncode == 1
    assert "构建失败" in result.stderr and "nowhere.md" in result.stderr
    assert tree_digest(site) == before
    assert not list(built_kb.root.glob(".site-build-*"))


def _start_build(root: Path) -> subprocess.Popen:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    # A session of its own: a signal can go to the whole process group, as Ctrl-C in a terminal does.
    return subprocess.Popen([sys.executable, "-m", "generator.cli", "--project", str(root), "build"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _wait_for_temp_site(root: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(any(d.rglob("*.html")) for d in root.glob(".site-build-*")):
            return
        time.sleep(0.05)
    raise AssertionError("the build never started writing")


@pytest.mark.parametrize("sig, group", [(signal.SIGINT, False), (signal.SIGINT, True), (signal.SIGTERM, False)],
                         ids=["kill-INT", "ctrl-c-to-group", "kill-TERM"])
def test_interrupted_build_leaves_the_last_good_site(built_kb, sig, group):
    site = built_kb.root / "site"
    before = tree_digest(site)
    built_kb.add_practices(600)  # long enough a build to stop half-way
    built_kb.edit("practices/yi-xie-shang.yaml", "借鉴了甲工作法。", "借鉴了甲工作法（新版本）。")
    process = _start_build(built_kb.root)
    _wait_for_temp_site(built_kb.root)  # mkdocs is writing the new site
    if group:
        os.killpg(process.pid, sig)
    else:
        process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "已中断" in err and "Traceback" not in err
    assert tree_digest(site) == before
    assert not list(built_kb.root.glob(".site-build-*")) and not list(built_kb.root.glob(".site-old-*"))
    # Not a stale copy: the same build, left alone, does change the site.
    again = run_kb("--project", str(built_kb.root), "build")
    assert again.returncode == 0, again.stderr
    assert tree_digest(site) != before
    assert "新版本" in (site / "practices" / "yi-xie-shang.html").read_text(encoding="utf-8")


def test_killed_build_leaves_the_site_and_the_next_build_cleans_up(built_kb):
    """SIGKILL (or a power cut) allows no clean-up: the site is still the last good one, the
    lock is free, and the next build removes the abandoned temporary folder."""
    site = built_kb.root / "site"
    before = tree_digest(site)
    built_kb.add_practices(300)
    process = _start_build(built_kb.root)
    _wait_for_temp_site(built_kb.root)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    assert tree_digest(site) == before
    assert list(built_kb.root.glob(".site-build-*")), "expected the killed build's folder to be left behind"
    again = run_kb("--project", str(built_kb.root), "build", timeout=300)
    assert again.returncode == 0, again.stderr
    assert "另一个构建正在进行" not in again.stdout
    assert not list(built_kb.root.glob(".site-build-*"))


def test_site_is_readable_by_a_web_server_running_as_another_user(built_kb):
    """mkdtemp makes the temporary folder 0700; swapped in as site/, nginx could read nothing."""
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE((built_kb.root / "site").stat().st_mode) == 0o777 & ~umask


def test_a_build_waits_for_the_one_holding_the_lock_and_says_so(built_kb):
    """Deterministic: this test holds the build lock as another build would, so the message
    and the waiting do not depend on how fast the machine happens to be."""
    import fcntl

    with open(built_kb.root / ".kb-build.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        waiting = _start_build(built_kb.root)
        first_line = []
        reader = threading.Thread(target=lambda: first_line.append(waiting.stdout.readline()))
        reader.start()
        reader.join(timeout=60)
        assert first_line and f"另一个构建正在进行（进程 {os.getpid()}）" in first_line[0], first_line
        time.sleep(0.5)
        assert waiting.poll() is None, "the build did not wait for the lock"
        assert not list(built_kb.root.glob(".site-build-*")), "the waiting build started writing"
        fcntl.flock(lock, fcntl.LOCK_UN)
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert "构建完成" in out
    assert (built_kb.root / "site" / "index.html").exists()


def test_two_builds_at_once_never_write_at_the_same_time(built_kb):
    built_kb.add_practices(100)
    most = [0]
    done = threading.Event()

    def watch():
        while not done.is_set():
            most[0] = max(most[0], len(list(built_kb.root.glob(".site-build-*"))))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        builds = [_start_build(built_kb.root) for _ in range(2)]
        results = [b.communicate(timeout=300) for b in builds]
    finally:
        done.set()
        watcher.join()
    assert [b.returncode for b in builds] == [0, 0], results
    assert most[0] == 1, f"{most[0]} builds wrote at the same time"
    assert (built_kb.root / "site" / "index.html").exists()


def test_pack_writes_a_dated_zip_with_a_checksum(built_kb, tmp_path):
    result = run_kb("--project", str(built_kb.root), "pack", "--out", str(tmp_path / "dist"))
    assert result.returncode == 0, result.stderr
    archive = next((tmp_path / "dist").glob("xieshang-kb-site-*.zip"))
    assert len(archive.stem.rsplit("-", 1)[-1]) == 8
    checksum = archive.with_name(archive.name + ".sha256").read_text(encoding="ascii").split()
    assert checksum == [hashlib.sha256(archive.read_bytes()).hexdigest(), archive.name]
    verify = subprocess.run(["sha256sum", "-c", archive.name + ".sha256"], cwd=archive.parent, capture_output=True, text=True)
    assert verify.returncode == 0
    with zipfile.ZipFile(archive) as zf:
        assert "xieshang-kb-site/index.html" in zf.namelist()
        assert "xieshang-kb-site/practices/jia-gong-zuo-fa.html" in zf.namelist()


def test_pack_without_a_site_says_build_first(tmp_path):
    kb = make_kb(tmp_path)
    result = run_kb("--project", str(kb.root), "pack")
    assert result.returncode == 1 and "请先运行 kb build" in result.stderr


def test_plain_mkdocs_build_generates_too(tmp_path):
    kb = make_kb(tmp_path)
    result = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "-q"], cwd=kb.root,
                            capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr
    assert (kb.root / "site" / "practices" / "jia-gong-zuo-fa.html").exists()
    shutil.rmtree(kb.root / "site")


def test_a_build_after_an_edit_reuses_unchanged_pages_and_equals_a_build_from_scratch(built_kb, tmp_path):
    """kb build copies the pages an edit did not touch from the site it replaces; the result
    must be the site a build from nothing makes, byte for byte."""
    built_kb.edit("practices/yi-xie-shang.yaml", "借鉴了甲工作法。", "借鉴了甲工作法，并在三个村试行。")
    again = run_kb("--project", str(built_kb.root), "build")
    assert again.returncode == 0, again.stderr
    assert re.search(r"\d+ 个未变的页面沿用上次构建", again.stdout), again.stdout
    assert "在三个村试行" in (built_kb.root / "site" / "practices" / "yi-xie-shang.html").read_text(encoding="utf-8")
    fresh = tmp_path / "fresh"
    shutil.copytree(built_kb.root, fresh, ignore=shutil.ignore_patterns("site", ".kb-build.lock"))
    scratch = run_kb("--project", str(fresh), "build")
    assert scratch.returncode == 0 and "沿用上次构建" not in scratch.stdout, scratch.stdout
    assert tree_digest(built_kb.root / "site") == tree_digest(fresh / "site")


def test_pages_converted_in_a_second_process_are_the_pages_converted_in_one(tmp_path):
    """A large build converts generated pages in a second process while the first lays them out
    (generator.pagecache.ParallelConversion); KB_JOBS=2 forces it for this small one. The site
    must be the one-process site byte for byte: content, tables of contents, titles, anchors."""
    sites = {}
    for jobs in ("1", "2"):
        kb = make_kb(tmp_path / f"jobs-{jobs}")
        result = run_kb("--project", str(kb.root), "build", env={"KB_JOBS": jobs})
        assert result.returncode == 0, result.stdout + result.stderr
        assert "提示" not in result.stdout, result.stdout  # no engine warnings either way
        sites[jobs] = tree_digest(kb.root / "site")
    assert sites["2"] == sites["1"]
    assert len(sites["1"]) > 50
