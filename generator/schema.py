"""JSON Schema for each record type, generated from the model so an editor's YAML extension
(VS Code + Red Hat YAML, or any yaml-language-server client) completes and checks fields while typing."""

from __future__ import annotations

import json
from pathlib import Path

from .model import RECORD_TYPES, Record


def schema_for(record_type: type[Record]) -> dict:
    schema = record_type.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"{record_type.type_label}（data/{record_type.folder}/*.yaml）"
    return schema


def schema_files() -> dict[str, str]:
    """File name -> JSON text, deterministic."""
    return {
        f"{t.type_name}.schema.json": json.dumps(schema_for(t), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        for t in RECORD_TYPES
    }


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_files().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
