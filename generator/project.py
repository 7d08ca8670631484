"""Where a knowledge-base project keeps things, found from the current directory like mkdocs does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONFIG_NAME = "mkdocs.yml"


class ProjectNotFound(Exception):
    pass


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def schema_dir(self) -> Path:
        return self.root / "schema"

    @property
    def default_seeds_dir(self) -> Path:
        """The shared source texts sit beside the checkout in the team's workspace."""
        return self.root.parent / "shared" / "seeds"

    @classmethod
    def find(cls, start: Path | None = None) -> "Project":
        """The nearest folder at or above ``start`` that has both mkdocs.yml and data/."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / CONFIG_NAME).is_file() and (folder / "data").is_dir():
                return cls(folder)
        raise ProjectNotFound(
            f"在 {here} 及其上级目录中找不到知识库项目（需要同时有 {CONFIG_NAME} 和 data/）；"
            "请进入项目目录再运行，或用 --project 指定"
        )
