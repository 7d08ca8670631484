"""``kb build`` keeps ``kb serve``'s session between runs, in ``.cache/kb/``.

Every ``kb build`` is a new process, so it used to load, validate, link and generate the whole
knowledge base again after any edit. The session ``kb serve`` keeps in memory between rebuilds
(``pipeline.Session``: parsed files, validated records, per-record link work, the incremental
generator with what every generated file read) is written to one file after each successful
build and read back by the next, which then does only what the edit touched — the same code
``kb serve`` runs after an edit.

- The file is keyed by everything besides data/ that can change what the session holds: every
  file of the generator package (code, templates, theme), the Python version, the versions of
  the packages that shape the output, and the project's folder. Hand-written pages are read
  again by every build and compared like data (``Graph.page_mentions``), so they are no part of
  the key. A cache with another key, or one that cannot be read whole (truncated, garbled, any
  exception while reading it), is ignored without a word: the build starts from scratch.
- It is written (beside, then renamed) only after a build has succeeded; a failed build leaves
  the last one in place. Deleting ``.cache/`` at any time is safe.
- docs/ may have been changed behind the cache's back (``kb generate``, ``kb serve``, an edit, a
  deleted folder). Before generating, every file in the generated folders is checked against
  the digest the cache holds for it: a file whose size, times and inode are as recorded after
  the last build, and which was not changed within a moment of when that build began, is
  trusted (as git trusts its index); any other is read and its digest compared. Files that
  differ or are missing are made again, files the cache does not know are deleted, and
  anything but plain files and folders (a symbolic link) sends the build to a full generate.
- Pieces of pages keep their ``make`` (a ``functools.partial`` of a module-level function, which
  pickles by name); the old graph's first-mention automaton is not kept, only its targets, which
  is all that the next run compares. The link memo keys its tables by ``id(record)`` and keys
  them again when read back (``LinkMemo.__setstate__``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import os
import pickle
import stat
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .incremental import Incremental, _digest
from .link import Graph
from .pagecache import package_version
from .paths import GENERATED_FOLDERS
from .pipeline import Generated, Session
from .problems import Problems, UserError
from .project import Project

CACHE_DIR = (".cache", "kb")
CACHE_FILE = "build.pickle"
FORMAT = b"kb build cache 1\n"
PACKAGE_DIR = Path(__file__).resolve().parent
# Distributions whose version can change what load, validate, link and generate produce (and,
# to be safe, the engine's: the key is cheap, a stale cache is not).
PACKAGES = ("mkdocs", "properdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2", "markupsafe",
            "pydantic", "pydantic-core", "pyyaml", "pypinyin", "opencc", "pyahocorasick", "nh3", "python-docx",
            "lxml", "openpyxl")
RACY_NS = 2_000_000_000  # a file changed this close to a build's start is compared by content
CHUNK = 1 << 20

StatKey = tuple[int, int, int, int]


def cache_path(project: Project) -> Path:
    return project.root.joinpath(*CACHE_DIR, CACHE_FILE)


def code_digest(package_dir: Path) -> str:
    """Every file of the generator package (code, templates, theme, assets), by path and content."""
    digest = hashlib.blake2b(digest_size=16)
    files = sorted(p for p in package_dir.rglob("*")
                   if p.is_file() and "__pycache__" not in p.relative_to(package_dir).parts and p.suffix != ".pyc")
    for path in files:
        digest.update(path.relative_to(package_dir).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.blake2b(path.read_bytes(), digest_size=16).digest())
    return digest.hexdigest()


@lru_cache(maxsize=None)
def _own_code_digest() -> str:
    return code_digest(PACKAGE_DIR)


def cache_key(project: Project, package_dir: Path | None = None) -> str:
    """What a cache must have been written under to be used (see the module docstring)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(FORMAT)
    digest.update(os.fsencode(project.root.resolve()) + b"\0")
    digest.update(sys.version.encode("utf-8") + b"\0")
    for package in PACKAGES:
        digest.update(f"{package}={package_version(package)}\0".encode("utf-8"))
    digest.update((code_digest(package_dir) if package_dir is not None else _own_code_digest()).encode("ascii"))
    return digest.hexdigest()


class LinkTargets:
    """What the next run needs of the last graph's first-mention linker: its targets (compared by
    ``incremental.link_changes``). The automaton itself is not kept."""

    def __init__(self, targets: dict):
        self.targets = targets


@dataclass
class State:
    """What is written to the cache file."""

    load_cache: Any
    validation: Any
    linking: Any
    memo: Any  # incremental.Memo
    graph: Graph
    docs: dict[str, StatKey] = field(default_factory=dict)  # generated file -> its stat after the build
    started: int = 0  # when the build that wrote it began generating (time.time_ns())


def _stat_key(info: os.stat_result) -> StatKey:
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino


class Unusual(Exception):
    """Something in the generated folders that is not a plain file or folder."""


def scan_generated(docs_dir: Path) -> tuple[dict[str, StatKey], list[Path]]:
    """Every file in the generated folders (docs-relative) with its stat, and the empty folders
    below them. Raises Unusual at a symbolic link or any other kind of file."""
    files: dict[str, StatKey] = {}
    empty: list[Path] = []

    def walk(folder: Path, rel: str) -> None:
        count = 0
        with os.scandir(folder) as entries:
            for entry in entries:
                count += 1
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    walk(Path(entry.path), f"{rel}{entry.name}/")
                elif stat.S_ISREG(info.st_mode):
                    files[rel + entry.name] = _stat_key(info)
                else:
                    raise Unusual(entry.path)
        if not count and rel.count("/") > 1:
            empty.append(folder)

    for name in GENERATED_FOLDERS:
        folder = docs_dir / name
        try:
            info = os.lstat(folder)
        except FileNotFoundError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            raise Unusual(str(folder))
        walk(folder, f"{name}/")
    return files, empty


def _file_digest(path: Path) -> str | None:
    try:
        return _digest(path.read_bytes())
    except OSError:
        return None


class BuildSession(Session):
    """A ``pipeline.Session`` that ``kb build`` reads from and writes to the cache."""

    def __init__(self, project: Project, state: State | None = None):
        super().__init__(project)
        self.state_docs: dict[str, StatKey] = {}
        self.state_started = 0
        self.started = 0
        self.recorded: dict[str, StatKey] = {}
        self.staged: Path | None = None  # the cache file written after generating, until committed
        if state is not None:
            self.load_cache, self.validation, self.linking = state.load_cache, state.validation, state.linking
            self.incremental.memo, self.incremental.graph = state.memo, state.graph
            self.graph = state.graph
            self.state_docs, self.state_started = state.docs, state.started

    def write(self, graph: Graph, problems: Problems) -> Generated:
        self.started = time.time_ns()
        docs_dir = self.project.docs_dir
        extra: set[str] = set()
        empty: list[Path] = []
        if self.graph is not None:
            try:
                extra, empty = self._verify(docs_dir)
            except (Unusual, OSError):
                self._start_over()
        try:
            generated = super().write(graph, problems)
        except UserError:
            raise
        except Exception:  # noqa: BLE001 - never fail a build because of the cache
            if self.graph is None:
                raise
            self._start_over()
            extra, empty = set(), []
            generated = super().write(graph, problems)
        if extra or empty or generated.removed_paths:
            self._tidy(docs_dir, extra - set(self._paths()), empty, generated.removed_paths)
        self.recorded = {}
        with contextlib.suppress(Unusual, OSError):
            self.recorded = scan_generated(docs_dir)[0]
        # Written now and renamed into place once the whole build has succeeded (commit): what
        # only the next build needs is let go of before the engine builds the site.
        self.staged = _stage(self)
        self.load_cache = self.validation = self.linking = self.incremental = None
        return generated

    def _paths(self) -> list[str]:
        return [key for key in self.incremental.memo.entries if isinstance(key, str)]

    def _start_over(self) -> None:
        """Generate everything, as without a cache (the checks and links kept stay valid)."""
        self.incremental = Incremental(self._read_back)
        self.graph = None

    def _verify(self, docs_dir: Path) -> tuple[set[str], list[Path]]:
        """Make docs/ what the cache says it is: forget every file that is missing or differs
        (it is made again); return the files the cache does not know and the empty folders."""
        on_disk, empty = scan_generated(docs_dir)
        memo = self.incremental.memo
        trusted_before = self.state_started - RACY_NS
        for path in self._paths():
            found = on_disk.get(path)
            if found is not None and found == self.state_docs.get(path) and found[2] < trusted_before:
                continue
            if found is None or _file_digest(docs_dir / path) != memo.entries[path].value:
                memo.forget(path)
        return set(on_disk) - set(self._paths()), empty

    def _tidy(self, docs_dir: Path, extra: set[str], empty: list[Path], removed: tuple[str, ...]) -> None:
        """What a full generate also does: delete the files it did not make, and the folders
        below the generated folders that are left empty."""
        from .write import Writer

        writer = Writer(docs_dir)
        for rel in sorted(extra):
            writer.remove(rel)
        folders = {(docs_dir / rel).parent for rel in (*extra, *removed)} | set(empty)
        tops = {docs_dir / name for name in GENERATED_FOLDERS}
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            while folder not in tops and docs_dir in folder.parents and folder.is_dir() and not folder.is_symlink():
                try:
                    folder.rmdir()
                except OSError:
                    break  # not empty
                folder = folder.parent

    def state(self) -> State:
        graph = self.graph
        if graph is not None and graph.linker is not None:
            graph = dataclasses.replace(graph, linker=LinkTargets(graph.linker.targets))
        return State(self.load_cache, self.validation, self.linking, self.incremental.memo, graph,
                     self.recorded, self.started)


class _HashingWriter:
    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.blake2b(digest_size=16)

    def write(self, data) -> int:
        self.digest.update(data)
        return self.handle.write(data)


def _header(key: str, payload_digest: str) -> bytes:
    return FORMAT + key.encode("ascii") + b"\n" + payload_digest.encode("ascii") + b"\n"


@contextlib.contextmanager
def _no_gc():
    # Unpickling creates millions of objects; the collector would walk them again and again.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def open_session(project: Project, use_cache: bool = True) -> BuildSession:
    """The last successful build's session, or a fresh one (no cache, ``--no-cache``, another key,
    or a file that cannot be read whole)."""
    state = load(project) if use_cache else None
    return BuildSession(project, state)


def load(project: Project) -> State | None:
    try:
        key = cache_key(project)
        with open(cache_path(project), "rb") as handle:
            header = handle.read(len(_header(key, "0" * 32)))
            if header[: len(FORMAT) + len(key) + 1] != FORMAT + key.encode("ascii") + b"\n":
                return None
            expected = header[len(FORMAT) + len(key) + 1:].strip().decode("ascii")
            start = handle.tell()
            digest = hashlib.blake2b(digest_size=16)
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
            if digest.hexdigest() != expected:
                return None
            handle.seek(start)
            with _no_gc():
                state = pickle.load(handle)
    except Exception:  # noqa: BLE001 - a cache that cannot be read is no cache
        return None
    return state if isinstance(state, State) else None


def _stage(session: BuildSession) -> Path | None:
    """Write the session to a file beside the cache file; None (and no file left behind) when
    that is not possible. Never raises for an ordinary failure. Called with the build lock held."""
    if session.graph is None:
        return None
    tmp = None
    try:
        project = session.project
        key = cache_key(project)
        folder = cache_path(project).parent
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob(".build-*.tmp"):  # of a build killed outright
            leftover.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".build-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(_header(key, "0" * 32))
            writer = _HashingWriter(handle)
            with _no_gc():
                pickle.dump(session.state(), writer, protocol=pickle.HIGHEST_PROTOCOL)
            handle.seek(0)
            handle.write(_header(key, writer.digest.hexdigest()))
        staged, tmp = Path(tmp), None
        return staged
    except Exception:  # noqa: BLE001 - the build goes on; the next one just starts from scratch
        return None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def commit(session: BuildSession) -> bool:
    """The build succeeded: its session becomes the cache."""
    staged, session.staged = session.staged, None
    if staged is None:
        return False
    try:
        os.replace(staged, cache_path(session.project))
        return True
    except OSError:
        discard_file(staged)
        return False


def discard(session: BuildSession) -> None:
    """The build failed: the last successful build's cache stays as it was."""
    staged, session.staged = session.staged, None
    if staged is not None:
        discard_file(staged)


def discard_file(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
