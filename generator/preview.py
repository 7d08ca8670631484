"""``make handouts-preview``: the Word handouts as a person sees them, page by page.

Exports both kinds of handout (every course, a 3-practice comparison, one practice), has
LibreOffice (headless, from Debian's packages) lay them out as PDF and renders each page to a
PNG under ``review/handouts/`` with poppler's pdftoppm. The tests use ``to_pdf`` too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

COMPARE = ["六式协商议政工作法", "吉思广益", "协商在基层"]
PRACTICE = "四双"


def to_pdf(files: list[Path], outdir: Path, *, timeout: int = 300) -> list[Path]:
    """Convert documents (.docx, .xlsx) to PDF with one LibreOffice run. A private profile per
    call lets two runs (two test workers) go on side by side."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice is not installed; `make test` or `make handouts-preview` installs it")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kb-lo-profile-") as profile:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", "pdf", "--outdir", str(outdir), *map(str, files)],
                       check=True, capture_output=True, timeout=timeout, env={**os.environ, "HOME": profile})
    pdfs = [outdir / (Path(f).stem + ".pdf") for f in files]
    missing = [p.name for p in pdfs if not p.is_file()]
    if missing:
        raise RuntimeError(f"LibreOffice wrote no PDF for {missing}")
    return pdfs


def to_png(pdf: Path, prefix: Path, dpi: int = 60) -> list[Path]:
    for old in prefix.parent.glob(f"{prefix.name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)], check=True)
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"))


def main() -> int:
    from .export_docx import course_handout, practices_handout, write_file
    from .pipeline import load_graph
    from .project import Project

    project = Project.find(None)
    graph, _ = load_graph(project)
    out = project.root / "review" / "handouts"
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for course in sorted(graph.kb.courses.values(), key=lambda c: c.id):
        files.append(write_file(course_handout(graph, course), out / f"course-{course.id}.docx", force=True))
    by_name = {p.name: p for p in graph.kb.practices.values()}
    chosen = [by_name[n] for n in COMPARE if n in by_name]
    if chosen:
        files.append(write_file(practices_handout(graph, chosen), out / "compare-3.docx", force=True))
    single = [p for p in graph.kb.practices.values() if PRACTICE in (p.name, *p.aliases)][:1]
    if single:
        files.append(write_file(practices_handout(graph, single), out / "practice.docx", force=True))
    for pdf in to_pdf(files, out):
        pages = to_png(pdf, out / pdf.stem, dpi=70)
        print(f"{pdf.relative_to(project.root)}：{len(pages)} 页 → {out.relative_to(project.root)}/{pdf.stem}-*.png")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
