"""pydantic's validation errors as Chinese a county-office maintainer can act on: what is wrong,
where, and what to write instead. Never pydantic's English message."""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import BaseModel

from .walk import field_description, model_at


_KIND_NAMES = {bool: "布尔值（是/否）", int: "数字", float: "数字", str: "文本", list: "列表", dict: "字段映射", type(None): "空值"}


def kind_of(value: Any) -> str:
    return _KIND_NAMES.get(type(value), type(value).__name__)


def shown(value: Any, limit: int = 40) -> str:
    """A value quoted in a message: short, on one line (a 200 kB value must not flood the output)."""
    try:
        text = " ".join(str(value).split())
    except ValueError:  # an integer too long to print
        return "（过长的数字）"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def explain(error: dict, model: type[BaseModel]) -> tuple[tuple, str, bool]:
    """A pydantic error as (location, Chinese message, point at the key rather than the value)."""
    loc = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        description = field_description(model, loc)
        hint = f"（{description}）" if description else ""
        return loc, f"缺少必填字段 {loc[-1]}{hint}", True
    if kind == "extra_forbidden":
        parent = model_at(model, loc[:-1]) or model
        allowed = list(parent.model_fields)
        key = str(loc[-1])
        guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6) if len(key) < 60 else []
        hint = f"；是否想写 {guess[0]}？" if guess else ""
        return loc, f"未知字段“{shown(key)}”{hint}（可用字段：{'、'.join(allowed)}）", True
    if kind in ("enum", "literal_error"):
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return loc, f"“{shown(value)}”不是允许的值；可选：{'、'.join(allowed)}", False
    if kind == "string_type":
        hint = "；YAML 会把 yes/no/on/off/true/false 读成布尔值，请给文本加引号" if isinstance(value, bool) else ""
        return loc, f"应为文本，实际是{kind_of(value)}{hint}", False
    if kind == "string_too_long":
        return loc, f"过长：{len(str(value))} 字，上限 {ctx.get('max_length')} 字", False
    if kind == "string_too_short":
        if ctx.get("min_length", 1) <= 1:
            return loc, "不能为空", False
        return loc, f"过短：至少 {ctx.get('min_length')} 个字", False
    if kind == "too_short":
        return loc, f"至少需要 {ctx.get('min_length')} 项", False
    if kind == "too_long":
        return loc, f"项数过多：上限 {ctx.get('max_length')} 项", False
    if kind == "list_type":
        return loc, f"应为列表（每项以“- ”开头），实际是{kind_of(value)}", False
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return loc, f"应为字段映射（如 name: …），实际是{kind_of(value)}", False
    if kind == "int_parsing_size":
        return loc, "数字过大，无法读取；若是文本（如编号）请加引号", False
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return loc, f"应为整数（如 2020），实际是“{shown(value)}”", False
    if kind in ("greater_than_equal", "less_than_equal"):
        return loc, f"超出范围：“{shown(value)}”", False
    if kind == "date_out_of_range":
        return loc, f"日期“{shown(value)}”不可能：须在 {ctx.get('first')} 到 {ctx.get('latest')} 之间（今天之后的日期多是笔误）", False
    if kind.startswith("date") or kind.startswith("datetime"):
        if isinstance(value, str) and re.match(r"\d{4}-\d{1,2}-\d{1,2}", value.strip()):
            return loc, f"日期或时间不存在（如 2 月 30 日、25 点）或格式不对：“{shown(value)}”；日期写作 2026-11-23，不带时间", False
        return loc, f"应为日期，格式如 2026-11-23，实际是“{shown(value)}”", False
    if kind == "string_pattern_mismatch":
        return loc, f"格式不对：“{shown(value)}”", False
    if kind == "invalid_key":
        return loc, "字段名须是文本（写了空的字段名，或 ~、null 作字段名）；请改为正确的字段名", True
    if kind in ("finite_number", "float_parsing", "float_type"):
        return loc, f"应为普通数字，实际是“{shown(value)}”", False
    if kind in ("bool_type", "bool_parsing"):
        return loc, f"应为是/否，实际是“{shown(value)}”", False
    # Never pydantic's English message: say where, what was given and what the field is for.
    description = field_description(model, loc)
    hint = f"（{description}）" if description else ""
    return loc, f"值“{shown(value)}”不合要求{hint}", False
