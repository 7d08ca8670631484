"""Editing help: `kb new` scaffolds a commented record named by pinyin; the editor schema
committed in schema/ is exactly what the model generates."""

from __future__ import annotations

import json

import yaml

from conftest import ROOT, run_kb
from generator.schema import schema_files
from kbfixture import make_kb


def test_new_practice_gets_a_pinyin_id_and_comments(tmp_path):
    kb = make_kb(tmp_path)
    result = run_kb("--project", str(kb.root), "new", "practice", "协商在一线")
    assert result.returncode == 0, result.stderr
    path = kb.root / "data" / "practices" / "xie-shang-zai-yi-xian.yaml"
    assert "data/practices/xie-shang-zai-yi-xian.yaml" in result.stdout
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schema/practice.schema.json")
    assert "# 取自 data/themes/" in text
    data = yaml.safe_load(text)
    assert data["name"] == "协商在一线" and data["completeness"] == "简要"
    # A name that sounds the same (same pinyin, so the same id) does not overwrite the first.
    again = run_kb("--project", str(kb.root), "new", "practice", "协商再一线")
    assert again.returncode == 0 and (kb.root / "data/practices/xie-shang-zai-yi-xian-2.yaml").exists()
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["name"] == "协商在一线"


def test_scaffold_filled_in_passes_check(tmp_path):
    kb = make_kb(tmp_path)
    run_kb("--project", str(kb.root), "new", "practice", "丙工作法")
    kb.edit("practices/bing-gong-zuo-fa.yaml", "organization: 待填", "organization: 甲市政协")
    kb.edit("practices/bing-gong-zuo-fa.yaml", "themes: []", "themes: [基层协商]")
    kb.edit("practices/bing-gong-zuo-fa.yaml", "  - source: 待填", "  - source: 测试文献")
    kb.edit("practices/bing-gong-zuo-fa.yaml", "excerpt: 待填：逐字摘自原文，不超过 80 字", "excerpt: 每年开展协商活动30多场次")
    assert [e.format() for e in kb.errors(seeds=True)] == []


def test_new_refuses_a_bad_id(tmp_path):
    kb = make_kb(tmp_path)
    result = run_kb("--project", str(kb.root), "new", "term", "某术语", "--id", "../escape")
    assert result.returncode == 1 and "不可用" in result.stderr
    assert not (kb.root / "data" / "escape.yaml").exists()


def test_new_refuses_a_name_or_alias_that_exists(tmp_path):
    kb = make_kb(tmp_path)
    before = sorted(p.name for p in (kb.root / "data" / "practices").iterdir())
    for name in ("甲工作法", "甲法"):  # the fixture's practice and its alias
        result = run_kb("--project", str(kb.root), "new", "practice", name)
        assert result.returncode == 1
        assert f"已有名为“{name}”的实践：data/practices/jia-gong-zuo-fa.yaml" in result.stderr
    assert sorted(p.name for p in (kb.root / "data" / "practices").iterdir()) == before


def test_committed_schema_matches_the_model():
    for name, text in schema_files().items():
        committed = (ROOT / "schema" / name).read_text(encoding="utf-8")
        assert committed == text, f"schema/{name} is stale: run `kb schema`"


def test_schema_describes_fields_in_chinese_and_closes_vocabularies():
    schema = json.loads(schema_files()["practice.schema.json"])
    assert schema["additionalProperties"] is False
    assert "政协组织" in schema["properties"]["organization"]["description"]
    stage = schema["$defs"]["Stage"]
    assert stage["enum"][:3] == ["选题", "调研", "筹备"]


def test_vscode_maps_schemas_to_record_folders():
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = settings["yaml.schemas"]
    assert mapping["schema/practice.schema.json"] == "data/practices/*.yaml"
