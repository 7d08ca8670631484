"""The pipeline, stage by stage: load → validate → link → render → write → build.

Each function here runs the stages up to a point and hands on one value; nothing reaches
back into an earlier stage. ``kb check`` stops after link, ``kb generate`` after write, and
``kb build`` (generator.build) adds the mkdocs build and the atomic swap of site/.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .link import Graph, LinkMemo, link, read_handwritten
from .render import render_all
from .write import Writer
from .load import LoadCache, RawRecord, load_all
from .model import KnowledgeBase
from .problems import DataError, Problems
from .project import Project
from .validate import ValidationMemo, validate


@dataclass
class Checked:
    kb: KnowledgeBase
    graph: Graph | None
    problems: Problems
    excerpts_checked: int


def check(project: Project, seeds_dir: Path | None = None, cache: LoadCache | None = None,
          memo: ValidationMemo | None = None, link_memo: LinkMemo | None = None,
          extra: list[RawRecord] | None = None) -> Checked:
    """Load, validate and link, collecting every problem. ``cache`` and the memos keep parsed
    files, validated records and per-record link work between the rebuilds of one ``kb serve``.
    ``extra`` records (``kb import``'s, not written yet) are checked with the others, in place of
    any record file with the same type and id."""
    raws, problems = load_all(project.root, project.data_dir, cache)
    if extra:
        replaced = {(raw.type.type_name, raw.id) for raw in extra}
        raws = [raw for raw in raws if (raw.type.type_name, raw.id) not in replaced] + list(extra)
    validated = validate(raws, project.root, problems, seeds_dir=seeds_dir, memo=memo)
    graph = None
    if not problems.errors:
        graph = link(validated.kb, problems, read_handwritten(project.docs_dir), link_memo)
    return Checked(validated.kb, graph, problems, validated.excerpts_checked)


def load_graph(project: Project, cache: LoadCache | None = None, memo: ValidationMemo | None = None,
               link_memo: LinkMemo | None = None) -> tuple[Graph, Problems]:
    """A linked graph of valid data, or DataError carrying every problem."""
    checked = check(project, cache=cache, memo=memo, link_memo=link_memo)
    if checked.problems.errors or checked.graph is None:
        raise DataError(checked.problems)
    return checked.graph, checked.problems


@dataclass
class Generated:
    graph: Graph
    problems: Problems
    written: int
    unchanged: int
    removed: int
    made_paths: tuple[str, ...] = ()  # under kb serve: the files this run wrote …
    removed_paths: tuple[str, ...] = ()  # … and deleted (docs-relative)


def render_files(graph: Graph) -> dict[str, bytes]:
    """Every generated file under docs/, by docs-relative path."""
    from .exports import data_files

    files = {page.path: page.content.encode("utf-8") for page in render_all(graph)}
    files.update(data_files(graph))
    return files


def _make_and_write(writer: Writer, job, graph: Graph) -> bool:
    """Make one generated file and write it at once (in a forked worker too)."""
    data = job.make(graph)
    return writer.write(job.path, data.encode("utf-8") if isinstance(data, str) else data)


def generate(project: Project, checked: tuple[Graph, Problems] | None = None,
             cache: LoadCache | None = None) -> Generated:
    """load → validate → link → render → write. Nothing is written when the data has errors.

    ``checked`` is a graph the caller has just loaded (kb build checks the data before it
    starts mkdocs), so the records are not read and validated twice. Each file is written as
    soon as it is made: no run holds every page's text."""
    from .exports import data_jobs
    from .render import page_jobs, run_jobs

    graph, problems = checked if checked is not None else load_graph(project, cache)
    writer = Writer(project.docs_dir)
    jobs = page_jobs(graph) + data_jobs(graph)
    written = sum(1 for _path, fresh in run_jobs(graph, jobs, partial(_make_and_write, writer)) if fresh)
    writer.remove_others({job.path for job in jobs})
    return Generated(graph, problems, written, len(jobs) - written, writer.result.removed)


class Session:
    """What ``kb serve`` keeps between rebuilds: the parsed files (only changed files are read
    again), the last good graph and the incremental generator (only files whose inputs changed
    are made and written again)."""

    def __init__(self, project: Project):
        from .incremental import Incremental

        self.project = project
        self.load_cache = LoadCache()
        self.validation = ValidationMemo()
        self.linking = LinkMemo()
        self.incremental = Incremental(self._read_back)
        self.graph: Graph | None = None

    def _read_back(self, rel: str) -> bytes | None:
        try:
            return (self.project.docs_dir / rel).read_bytes()
        except OSError:
            return None

    def generate(self) -> Generated:
        return self.write(*self.check())

    def check(self) -> tuple[Graph, Problems]:
        """Load, validate and link with what the session kept (DataError when the data has errors)."""
        return load_graph(self.project, self.load_cache, self.validation, self.linking)

    def write(self, graph: Graph, problems: Problems) -> Generated:
        """Make and write the files the changes since the last run touched (all in a first run)."""
        first = self.graph is None
        writer = Writer(self.project.docs_dir)
        outcome = self.incremental.run(graph, writer.write)
        if first:  # docs/ may hold any earlier run's pages: make it hold exactly these
            writer.remove_others(set(outcome.paths))
        else:
            for rel in sorted(outcome.removed):
                writer.remove(rel)
        self.graph = graph
        result = writer.result
        return Generated(graph, problems, result.written, len(outcome.paths) - len(outcome.changed), result.removed,
                         tuple(sorted(outcome.changed)), tuple(sorted(outcome.removed)))
