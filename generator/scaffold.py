"""``kb new``: a commented record to fill in, its id derived from the name's pinyin."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2

from .load import check_id
from .model import TYPES_BY_NAME
from .problems import UserError
from .project import Project
from .text import slugify

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("generator", "templates/scaffold"),
    keep_trailing_newline=True,
    autoescape=False,
    undefined=jinja2.StrictUndefined,
)


def yaml_scalar(text: str) -> str:
    """The name as a YAML scalar that stays text whatever it contains."""
    import json

    return json.dumps(text, ensure_ascii=False)


def record_named(folder: Path, name: str) -> Path | None:
    """The record file in ``folder`` whose name or an alias is ``name``. A scaffold for a name
    that exists would only become a duplicate-name error in kb check; files that do not parse
    are left to kb check too."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        try:
            data = yaml.load(path.read_bytes(), Loader=loader)  # noqa: S506 - a safe loader
        except (yaml.YAMLError, OSError, ValueError):
            continue
        if isinstance(data, dict):
            aliases = data.get("aliases") if isinstance(data.get("aliases"), list) else []
            if name in [data.get("name"), *aliases]:
                return path
    return None


def new_record(project: Project, type_name: str, name: str, record_id: str | None = None, today: dt.date | None = None) -> Path:
    name = " ".join(name.split())
    if not name:
        raise UserError("名称不能为空")
    record_type = TYPES_BY_NAME[type_name]
    folder = project.data_dir / record_type.folder
    existing = record_named(folder, name)
    if existing is not None:
        raise UserError(f"已有名为“{name}”的{record_type.type_label}：{existing.relative_to(project.root).as_posix()}；"
                        "请直接修改它，或换一个名称")
    if record_id is None:
        base = slugify(name)
        record_id, n = base, 2
        while (folder / f"{record_id}.yaml").exists() or (folder / f"{record_id}.yml").exists():
            record_id, n = f"{base}-{n}", n + 1
    else:
        why = check_id(record_id)
        if why:
            raise UserError(f"id “{record_id}”不可用：{why}")
    path = folder / f"{record_id}.yaml"
    if path.exists():
        raise UserError(f"{path.relative_to(project.root).as_posix()} 已存在，未覆盖")
    text = _env.get_template(f"{type_name}.yaml.j2").render(
        name=yaml_scalar(name), today=(today or dt.date.today()).isoformat()
    )
    folder.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    return path
