"""Time each pipeline stage on one project, in a process of its own (so peak memory is
this project's alone). Prints one JSON object; used by bench/run.py.

    python -m bench.stages PROJECT_DIR
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import yaml


def parse_only(data_dir: Path) -> float:
    """The floor: read and parse every YAML file with libyaml's C loader, nothing else."""
    started = time.perf_counter()
    for path in sorted(data_dir.rglob("*.yaml")):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    return time.perf_counter() - started


def main(root: Path) -> dict:
    from generator.exports import data_files
    from generator.link import link, read_handwritten
    from generator.load import load_all
    from generator.project import Project
    from generator.render import render_all
    from generator.validate import validate
    from generator.write import write_files

    project = Project(root)
    figures: dict[str, float | int] = {"parse_only_s": parse_only(project.data_dir)}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        figures[name] = now - clock
        clock = now

    raws, problems = load_all(project.root, project.data_dir)
    lap("load_s")
    validated = validate(raws, project.root, problems)
    lap("validate_s")
    if problems.errors:
        raise SystemExit(f"synthetic data has {len(problems.errors)} errors: {problems.errors[0].format()}")
    graph = link(validated.kb, problems, read_handwritten(project.docs_dir))
    lap("link_s")
    files = {page.path: page.content.encode("utf-8") for page in render_all(graph)}
    files.update(data_files(graph))
    lap("render_s")
    result = write_files(project.docs_dir, files)
    lap("write_s")
    figures["records"] = sum(len(v) for v in validated.kb.records.values())
    figures["practices"] = len(validated.kb.practices)
    figures["pages_generated"] = len(files)
    figures["pages_written"] = result.written
    figures["load_validate_generate_s"] = sum(figures[k] for k in ("load_s", "validate_s", "link_s", "render_s", "write_s"))
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures.update(warm_edit(project))
    return figures


def warm_edit(project) -> dict:
    """The same stages as kb serve runs them after one edit: a session that keeps parsed files,
    validated records, per-record link work and every generated file's inputs (issue 13), against
    parsing the one edited file."""
    from bench.run import one_practice, touch_record
    from generator.pipeline import Session

    session = Session(project)
    session.generate()  # the first run of a session: everything
    record = one_practice(project.root)
    touch_record(record, f"基准修改{time.time_ns()}")
    started = time.perf_counter()
    generated = session.generate()
    warm = time.perf_counter() - started
    started = time.perf_counter()
    yaml.load(record.read_bytes(), Loader=yaml.CSafeLoader)
    one = time.perf_counter() - started
    return {"warm_edit_generate_s": warm, "warm_edit_files_written": generated.written, "parse_one_file_s": one}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]).resolve())))
