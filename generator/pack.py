"""``kb pack``: the built site as one dated .zip, with a SHA-256 checksum file beside it,
for IT staff to copy onto an intranet server (``sha256sum -c`` verifies it)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import zipfile
from pathlib import Path

from .build import build_lock
from .problems import UserError
from .project import Project

ARCHIVE_PREFIX = "xieshang-kb-site"


def pack_site(project: Project, out_dir: Path | None = None, today: dt.date | None = None,
              announce=print) -> tuple[Path, Path]:
    """Pack under the build lock: a build swaps site/ in while holding it, so the archive is
    always one whole build, never old files mixed with new ones."""
    with build_lock(project, announce, waiting_to="打包"):
        return _pack(project, out_dir, today)


def _pack(project: Project, out_dir: Path | None, today: dt.date | None) -> tuple[Path, Path]:
    site = project.site_dir
    if not (site / "index.html").is_file():
        raise UserError("site/ 中没有构建好的网站；请先运行 kb build")
    out_dir = (out_dir or project.root / "dist").resolve()
    if out_dir == site.resolve() or site.resolve() in out_dir.parents:
        raise UserError("输出文件夹不能在 site/ 之内")
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = (today or dt.date.today()).strftime("%Y%m%d")
    archive = out_dir / f"{ARCHIVE_PREFIX}-{stamp}.zip"
    partial = archive.with_suffix(".zip.part")
    # Entries sorted, under one top folder, so the archive unpacks to a folder named like it.
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(p for p in site.rglob("*") if p.is_file() and not p.is_symlink()):
            rel = path.relative_to(site).as_posix()
            info = zipfile.ZipInfo(f"{ARCHIVE_PREFIX}/{rel}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    os.replace(partial, archive)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    checksum = archive.with_name(archive.name + ".sha256")
    checksum.write_text(f"{digest}  {archive.name}\n", encoding="ascii")
    return archive, checksum
