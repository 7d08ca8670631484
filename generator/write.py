"""Stage 5 — write: put generated pages into docs/, touching only what changed.

Unchanged files keep their bytes and modification time, so ``mkdocs serve --dirty`` and
editors see only real changes. Generated files whose record is gone are removed — but only
inside the folders the generator owns (``paths.GENERATED_FOLDERS``); hand-written pages are
never touched.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .paths import GENERATED_FOLDERS


@dataclass
class WriteResult:
    written: int = 0
    unchanged: int = 0
    removed: int = 0


class UnsafePath(ValueError):
    pass


def target_path(docs_dir: Path, rel: str) -> Path:
    """The file for a docs-relative path, refusing anything outside the generated folders."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or pure.parts[0] not in GENERATED_FOLDERS:
        raise UnsafePath(f"refusing to write {rel!r} outside the generated folders")
    if any(part.split(".")[0].lower() in {"con", "prn", "aux", "nul"} for part in pure.parts):
        raise UnsafePath(f"refusing Windows-reserved name in {rel!r}")
    return docs_dir.joinpath(*pure.parts)


def write_if_changed(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
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


def write_files(docs_dir: Path, files: dict[str, bytes]) -> WriteResult:
    """Make the generated folders hold exactly ``files`` (docs-relative path -> bytes)."""
    result = WriteResult()
    wanted: set[Path] = set()
    for rel in sorted(files):
        path = target_path(docs_dir, rel)
        wanted.add(path)
        if write_if_changed(path, files[rel]):
            result.written += 1
        else:
            result.unchanged += 1
    for folder in GENERATED_FOLDERS:
        root = docs_dir / folder
        if not root.is_dir() or root.is_symlink():
            continue
        for path in sorted(root.rglob("*"), reverse=True):
            if path.is_symlink() or path.is_file():
                if path not in wanted:
                    path.unlink()
                    result.removed += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return result
