"""``kb template``: the Word and Excel fill-in templates, blank or filled from records, and the
templates ``kb build`` puts on the site (``downloads/``, linked from the 如何贡献 page)."""

from __future__ import annotations

from pathlib import Path

from .link import Graph
from .model import RECORD_TYPES, TYPES_BY_NAME, Record
from .office_form import ALL_TYPES, MAIN_TYPES, Cells, Form, form_for, forms, record_cells
from .problems import UserError
from .text import pinyin_key

DOWNLOADS = "downloads"
# The site's workbook: what offices send (and the region a new county needs), not themes or courses.
SITE_WORKBOOK_TYPES = MAIN_TYPES + ("region",)
WORKBOOK_NAME = "协商实践知识库填报模板.xlsx"


def docx_name(type_name: str) -> str:
    return f"{TYPES_BY_NAME[type_name].type_label}填报模板.docx"


def referable_types() -> list[type[Record]]:
    """Types some field refers to, in the order of the forms (实践's references first)."""
    targets = {c.target for f in forms() for c in f.columns if c.target}
    targets |= {c.target for f in forms() for g in f.groups for c in g.columns if c.target}
    order = ["organization", "region", "theme", "method", "term", "source", "practice", "course"]
    return [TYPES_BY_NAME[t] for t in order if t in targets] + [t for t in RECORD_TYPES if t.type_name in targets and t.type_name not in order]


def names_by_label(graph: Graph) -> dict[str, list[str]]:
    """The names a reference may use, by type label, in pinyin order."""
    return {t.type_label: sorted((r.name for r in graph.kb.of(t).values()), key=pinyin_key) for t in referable_types()}


def vocabularies(chosen: list[Form]) -> dict[str, list[str]]:
    """The closed vocabularies the chosen forms use, by the label of their first field."""
    out: dict[str, list[str]] = {}
    seen: set[tuple[str, ...]] = set()
    for form in chosen:
        for column in [*form.columns, *(c for g in form.groups for c in g.columns)]:
            if column.choices and column.choices not in seen:
                seen.add(column.choices)
                out[column.label.split("·")[-1]] = list(column.choices)
    return out


def _data_date(graph: Graph) -> str:
    from .render import data_date

    day = data_date(graph)
    return day.isoformat() if day else ""


def filled(graph: Graph, form: Form, records: list[Record]) -> list[tuple[Form, Cells]]:
    names = {(t.type_name, r.id): r.name for t in RECORD_TYPES for r in graph.kb.of(t).values()}
    return [(form, record_cells(form, record, names)) for record in records]


def make(graph: Graph, type_names: list[str], fmt: str, records: list[Record] | None = None) -> bytes:
    """A template of ``fmt`` ("docx" or "xlsx") for the types, filled from ``records`` if any."""
    from .office_docx import template_docx
    from .office_xlsx import template_xlsx

    chosen = [form_for(TYPES_BY_NAME[t]) for t in type_names]
    rows = filled(graph, chosen[0], records) if records else []
    names = names_by_label(graph)
    day = _data_date(graph)
    if fmt == "docx":
        return template_docx(chosen, rows, names, day)
    return template_xlsx(chosen, rows, {**names, **vocabularies(chosen)}, day)


_SITE_CACHE: dict[tuple, dict[str, bytes]] = {}


def site_files(graph: Graph) -> dict[str, bytes]:
    """downloads/*.docx (one per main type) and the workbook, for the site. Blank templates
    depend only on the names in the data and its date: ``kb serve`` makes them again only when
    those change."""
    key = (tuple((label, tuple(names)) for label, names in names_by_label(graph).items()), _data_date(graph))
    if key not in _SITE_CACHE:
        files = {f"{DOWNLOADS}/{docx_name(t)}": make(graph, [t], "docx") for t in MAIN_TYPES}
        files[f"{DOWNLOADS}/{WORKBOOK_NAME}"] = make(graph, list(SITE_WORKBOOK_TYPES), "xlsx")
        _SITE_CACHE.clear()
        _SITE_CACHE[key] = files
    return _SITE_CACHE[key]


def template(graph: Graph, type_name: str, out: Path | None, *, records_from: list[str] | None = None,
             force: bool = False) -> tuple[Path, str]:
    """``kb template``: write the file; returns its path and a line saying what it holds."""
    from .export_docx import find, safe_filename, write_file

    type_names = list(ALL_TYPES) if type_name == "all" else [type_name]
    label = "全部类型" if type_name == "all" else TYPES_BY_NAME[type_name].type_label
    if out is None:
        out = Path(safe_filename(f"{label}填报模板") + ".docx")
    elif out.is_dir():
        out = out / (safe_filename(f"{label}填报模板") + ".docx")
    suffix = out.suffix.lower()
    if suffix not in (".docx", ".xlsx"):
        raise UserError(f"输出文件须以 .docx（Word）或 .xlsx（Excel）结尾：{out}")
    records: list[Record] = []
    if records_from:
        if type_name == "all":
            raise UserError("--from 只能与一种记录类型一起用，如 kb template practice --from 四双 -o 四双.docx")
        record_type = TYPES_BY_NAME[type_name]
        for value in records_from:
            record = find(graph, record_type, value)
            if record.id not in {r.id for r in records}:
                records.append(record)
    data = make(graph, type_names, suffix[1:], records)
    path = write_file(data, out, force=force)
    what = (f"{label}填报模板（已填入 {len(records)} 条：{'、'.join(r.name for r in records[:5])}"
            f"{'……' if len(records) > 5 else ''}）" if records else f"{label}填报模板（空白）")
    return path, what
