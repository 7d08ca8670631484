"""Virtual environments with another site engine, for `make engines` (and so `make test`).

    python tools/engine_venv.py properdocs .venv-properdocs   # kb with ProperDocs instead of MkDocs
    python tools/engine_venv.py zensical .venv-zensical       # Zensical alone (no kb plugin)

Run with the project's .venv Python. The ProperDocs environment gets every package at the version
.venv has (its `pip freeze` is the constraints file), except MkDocs and what only MkDocs needs,
plus ProperDocs at PROPERDOCS: the two sites are then built by the same Markdown, Material and
generator code, and differ only where the engine does. mkdocs-material declares `mkdocs` as a
dependency, so it is installed without its dependencies and those are listed here from its
metadata. The project itself is installed editable, so `.venv-properdocs/bin/kb` runs this checkout.

An environment is made where it will live (a venv's scripts name their own folder) and marked
finished last: an unfinished one (an install interrupted or failed) is removed and made again.
A lock serialises two callers (two test workers); a finished one is not made again.
"""

from __future__ import annotations

import fcntl
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROPERDOCS = "properdocs==1.6.7"
# zensical 0.0.74 and later require zensical-ui, which the package index does not serve (404);
# 0.0.73 is the newest release that installs from PyPI alone.
ZENSICAL = "zensical==0.0.73"
# Installed by MkDocs for itself only; ProperDocs 1.6.7 dropped mergedeep.
MKDOCS_ONLY = {"mkdocs", "mkdocs-get-deps", "mergedeep"}
STAMP = ".installed"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return canonical(re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0])


def pip(python: Path, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", "--quiet", *args], check=True)


def properdocs_requirements() -> tuple[list[str], list[str]]:
    """(constraints, requirements) for kb's runtime under ProperDocs."""
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], check=True,
                            capture_output=True, text=True).stdout.splitlines()
    constraints = [line for line in frozen if line and not line.startswith("#")
                   and requirement_name(line) not in MKDOCS_ONLY]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [r for r in project["dependencies"] if requirement_name(r) not in {"mkdocs", "mkdocs-material"}]
    material = importlib.metadata.requires("mkdocs-material") or []
    wanted += [r for r in material if "extra ==" not in r and requirement_name(r) != "mkdocs"]
    return constraints, [PROPERDOCS, *wanted]


def make_properdocs(target: Path) -> None:
    python = target / "bin" / "python"
    constraints, requirements = properdocs_requirements()
    pinned = target / "constraints.txt"
    pinned.write_text("\n".join(constraints) + "\n", encoding="utf-8")
    material = next(line for line in constraints if requirement_name(line) == "mkdocs-material")
    # --no-warn-conflicts: pip would report that mkdocs-material wants mkdocs, which is the point.
    pip(python, "install", "--no-warn-conflicts", "--no-deps", material)
    pip(python, "install", "--no-warn-conflicts", "-c", str(pinned), *requirements)
    pip(python, "install", "--no-warn-conflicts", "--no-deps", "-e", str(ROOT))
    check = ("import importlib.util, sys; import properdocs; "
             "sys.exit(importlib.util.find_spec('mkdocs') is not None)")
    if subprocess.run([str(python), "-c", check]).returncode != 0:
        raise SystemExit("MkDocs ended up in the ProperDocs environment")


def make_zensical(target: Path) -> None:
    pip(target / "bin" / "python", "install", ZENSICAL)


MAKERS = {"properdocs": make_properdocs, "zensical": make_zensical}


def main(kind: str, target: str) -> int:
    target_path = (ROOT / target).resolve()
    lock_path = target_path.with_name(target_path.name + ".lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target_path / STAMP).is_file():
            return 0
        shutil.rmtree(target_path, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(target_path)], check=True)
        try:
            MAKERS[kind](target_path)
        except BaseException:
            shutil.rmtree(target_path, ignore_errors=True)
            raise
        (target_path / STAMP).write_text(kind + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in MAKERS:
        raise SystemExit(f"usage: python {sys.argv[0]} properdocs|zensical TARGET")
    sys.exit(main(sys.argv[1], sys.argv[2]))
