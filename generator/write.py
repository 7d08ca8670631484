"""Stage 5 — write: put generated pages into docs/, touching only what changed.

Unchanged files keep their bytes and modification time, so ``mkdocs serve --dirty`` and
editors see only real changes. Generated files whose record is gone are removed — but only
inside the folders the generator owns (``paths.GENERATED_FOLDERS``); hand-written pages are
never touched.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .model import WINDOWS_RESERVED
from .paths import GENERATED_FOLDERS
from .problems import UserError


@dataclass
class WriteResult:
    written: int = 0
    unchanged: int = 0
    removed: int = 0


class UnsafePath(UserError, ValueError):
    """A generated path that would leave the generated folders (a bug, or a planted symlink)."""


def target_path(docs_dir: Path, rel: str, safe_dirs: set[Path] | None = None) -> Path:
    """The file for a docs-relative path, refusing anything outside the generated folders:
    absolute paths, "..", hand-written pages, Windows-reserved names, and symbolic links on the
    way (a symlinked docs/practices would make the writer write wherever it points)."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or "\\" in rel or len(pure.parts) < 2 or pure.parts[0] not in GENERATED_FOLDERS:
        raise UnsafePath(f"拒绝写入 docs/{rel}：不在生成页面的文件夹（{'、'.join(GENERATED_FOLDERS)}）中")
    if any(part.split(".")[0].lower() in WINDOWS_RESERVED for part in pure.parts):
        raise UnsafePath(f"拒绝写入 docs/{rel}：含有 Windows 保留名")
    path = docs_dir.joinpath(*pure.parts)
    for parent in list(path.parents)[: len(pure.parts) - 1]:
        if safe_dirs is not None and parent in safe_dirs:
            continue
        if parent.is_symlink():
            raise UnsafePath(f"拒绝写入 {parent.relative_to(docs_dir.parent).as_posix()}：它是符号链接；"
                             "生成页面的文件夹必须是 docs/ 中的普通文件夹，请删除这个链接后重新生成")
        if safe_dirs is not None:
            safe_dirs.add(parent)
    return path


def write_if_changed(path: Path, data: bytes) -> bool:
    try:
        # lstat: a symlink in place of a page is never read, only replaced (os.replace swaps
        # the link itself, not what it points to).
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode) and info.st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside and rename: a reader (mkdocs serve) never sees a half-written page.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kb-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True


class Writer:
    """Writes generated files into docs/ one at a time, so a build never holds every page's text
    at once (at 20,000 records, about a gigabyte); afterwards removes what this run did not make.
    Forked workers may write through a copy of it: each file is written beside and renamed."""

    def __init__(self, docs_dir: Path):
        self.docs_dir = docs_dir
        self.safe_dirs: set[Path] = set()  # folders already seen not to be symlinks, in this run
        self.result = WriteResult()

    def write(self, rel: str, data: bytes) -> bool:
        written = write_if_changed(target_path(self.docs_dir, rel, self.safe_dirs), data)
        if written:
            self.result.written += 1
        else:
            self.result.unchanged += 1
        return written

    def remove(self, rel: str) -> None:
        path = target_path(self.docs_dir, rel, self.safe_dirs)
        if path.is_symlink() or path.is_file():
            path.unlink()
            self.result.removed += 1

    def remove_others(self, wanted: set[str]) -> None:
        """Delete every file in the generated folders that is not in ``wanted`` (docs-relative)."""
        keep = {target_path(self.docs_dir, rel, self.safe_dirs) for rel in wanted}
        for folder in GENERATED_FOLDERS:
            root = self.docs_dir / folder
            if not root.is_dir() or root.is_symlink():
                continue
            for path in sorted(root.rglob("*"), reverse=True):
                if path.is_symlink() or path.is_file():
                    if path not in keep:
                        path.unlink()
                        self.result.removed += 1
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()


def write_files(docs_dir: Path, files: dict[str, bytes]) -> WriteResult:
    """Make the generated folders hold exactly ``files`` (docs-relative path -> bytes)."""
    writer = Writer(docs_dir)
    for rel in sorted(files):
        writer.write(rel, files[rel])
    writer.remove_others(set(files))
    return writer.result


def write_changed(docs_dir: Path, made: dict[str, bytes], removed: set[str]) -> WriteResult:
    """Write the files an incremental run made and delete the ones it no longer makes, without
    looking at the thousands of files that stayed as they were."""
    writer = Writer(docs_dir)
    for rel in sorted(made):
        writer.write(rel, made[rel])
    for rel in sorted(removed):
        writer.remove(rel)
    return writer.result
