"""A small valid knowledge base copied into a temporary folder, to break one thing at a time."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.pipeline import check
from generator.problems import Problem
from generator.project import Project

FIXTURE = Path(__file__).parent / "fixtures" / "minimal"


class KB:
    def __init__(self, root: Path):
        self.root = root
        self.project = Project(root)

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / "data" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def read(self, rel: str) -> str:
        return (self.root / "data" / rel).read_text(encoding="utf-8")

    def edit(self, rel: str, old: str, new: str) -> None:
        text = self.read(rel)
        assert old in text, f"{old!r} not in {rel}"
        self.write(rel, text.replace(old, new, 1))

    def add_practices(self, count: int) -> None:
        """Many more valid practices, so that a build takes long enough to interrupt."""
        template = self.read("practices/yi-xie-shang.yaml")
        for i in range(count):
            self.write(f"practices/bulk-{i:04d}.yaml", template.replace("name: 乙协商", f"name: 批量协商{i:04d}"))

    def check(self, seeds: bool = False):
        return check(self.project, seeds_dir=self.root if seeds else None)

    def errors(self, seeds: bool = False) -> list[Problem]:
        return self.check(seeds).problems.errors

    def warnings(self) -> list[Problem]:
        return self.check().problems.warnings


def make_kb(tmp_path: Path) -> KB:
    root = tmp_path / "kb"
    shutil.copytree(FIXTURE, root)
    return KB(root)


def only_error(kb: KB, seeds: bool = False) -> Problem:
    errors = kb.errors(seeds)
    assert len(errors) == 1, "\n".join(e.format() for e in errors)
    return errors[0]
