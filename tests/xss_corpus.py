"""An XSS corpus placed in every string field of every record type, as a knowledge base.

Every field gets a marker (``X007X``) followed by payloads; the browser test then checks that no
payload runs and that each marker — with its payload, as text — is visible somewhere, so a field
silently dropped from the pages would be noticed as well.

Payloads set ``top.__xss`` (or open a dialog) when they run, so a test can see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

# Each payload would run script, fetch something, or change the page's structure if a field
# were written into the page unescaped. Short ones fit in names (60 characters).
PAYLOADS: list[str] = [
    "<script>top.__xss=1</script>",
    "<img src=x onerror=top.__xss=1 data-xss>",
    "<svg onload=top.__xss=1 data-xss>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1) data-xss>",
    '" onmouseover="top.__xss=1" data-xss="',
    "' autofocus onfocus='top.__xss=1' data-xss='",
    "</textarea><img src=x onerror=top.__xss=1 data-xss>",
    "</title><script>top.__xss=1</script>",
    "</script><script>top.__xss=1</script>",
    "--><img src=x onerror=top.__xss=1 data-xss><!--",
    "<iframe src=javascript:top.__xss=1 data-xss></iframe>",
    '<a href="javascript:top.__xss=1" data-xss>点我</a>',
    "[点我](javascript:top.__xss=1)",
    "[点我]( javascript:top.__xss=1)",
    "[点我](java&#x09;script:top.__xss=1)",
    "[点我](//evil.example/x)",
    "![图](https://evil.example/x.png)",
    '![x](x "onerror=top.__xss=1")',
    "<https://evil.example/auto>",
    "&lt;script&gt;top.__xss=1&lt;/script&gt;",
    "&#x3C;img src=x onerror=top.__xss=1&#x3E;",
    "&#60;svg onload=top.__xss=1&#62;",
    "{{ 1111*3 }}{% raw %}{{ x }}{% endraw %}",
    "{: onclick=top.__xss=1 data-xss }",
    "*[XSS]: <img src=x onerror=top.__xss=1>",
    "<details open ontoggle=top.__xss=1 data-xss>",
    "<math><mtext><img src=x onerror=top.__xss=1 data-xss>",
    "<object data=javascript:top.__xss=1 data-xss>",
    "<style>*{display:none}</style>",
    "<div markdown=1 data-xss>**粗体**</div>",
    "\\<script>top.__xss=1</script>",
    "javascript:top.__xss=1",
    "行\u2028分隔\u2029段",
    "# 标题XSSHEAD",
    "## XSSHEAD2",
    "| XSSCELL1 | b |",
    "??? note \"XSSDETAILS\"",
    "!!! danger \"XSSADMON\"",
    "1. XSSLIST",
    "- XSSITEM",
    "> XSSQUOTE",
    "`code` ~~del~~ ^^ins^^ ==mark== $x$",
    "[^1]: XSSFOOT",
    "~~~",
    # Second round (issue 10): a hover text ends a Markdown link at a quote or parenthesis.
    "读书活动('甲')",
    "丙('丁') ![](x){:onerror=top.__xss=1 data-xss}",
    '乙("戊") [x](javascript:top.__xss=1)',
    "a) b (c \"d\" 'e'",
    "{: #xss-id .xss-class onclick=top.__xss=1 }",
    "*[甲]: XSSABBR",
    # Table syntax, and JavaScript's built-in property names, and text that looks like a number.
    "|---|---|",
    "实践 | 组织",
    "constructor",
    "__proto__",
    "toString",
    "hasOwnProperty",
    "2020.10",
    "0x1F",
]
# Multi-line payloads only fit text fields.
BLOCK_PAYLOADS: list[str] = [
    "| XSSCELL1 | b |\n|---|---|\n| XSSCELL3 | d |",
    "```\n<script>top.__xss=1</script>\n```",
    "标题\n===\n\n    缩进的<script>top.__xss=1</script>",
    "XSSSETEXT\n---",
    "<div>\n<script>top.__xss=1</script>\n</div>",
]
# Text shown nowhere in a correctly built page: the payload's structure took effect.
STRUCTURE_TOKENS = ["XSSHEAD", "XSSHEAD2", "XSSCELL1", "XSSCELL3", "XSSDETAILS", "XSSADMON", "XSSLIST", "XSSITEM",
                    "XSSQUOTE", "XSSFOOT", "XSSSETEXT", "XSSABBR"]
# JavaScript's built-in property names, used as theme names, an id and a search query: every
# lookup keyed by record text in the site's scripts must treat them as plain keys.
PROTOTYPE_NAMES = ["constructor", "toString", "__proto__"]
JINJA_RESULT = "3333"  # what {{ 1111*3 }} would become if record text reached a template engine

NAME_CHARS = 60
EXCERPT_CHARS = 80


@dataclass
class Corpus:
    """Hands out field values and remembers, per marker, the field and the exact text.

    ``offset`` shifts which short payload each one-line field gets, so that builds of the corpus
    with different offsets put different payloads into names, tags and figures."""

    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # marker -> (where, value)
    offset: int = 0
    _short: int = 0

    def marker(self, where: str) -> str:
        marker = f"X{len(self.fields):03d}X"
        self.fields[marker] = (where, "")
        return marker

    def _keep(self, marker: str, where: str, value: str) -> str:
        self.fields[marker] = (where, value)
        return value

    def short(self, where: str, limit: int = NAME_CHARS) -> str:
        """A marker and one payload that fits ``limit`` characters (names, figures, tags)."""
        marker = self.marker(where)
        for _ in range(len(PAYLOADS)):
            payload = PAYLOADS[(self._short + self.offset) % len(PAYLOADS)]
            self._short += 1
            if len(marker) + len(payload) <= limit and "\u2028" not in payload:
                return self._keep(marker, where, marker + payload)
        raise AssertionError("no payload fits")

    def raw(self, key: str, where: str, value: str) -> str:
        """A value without a marker (a CSV formula must start with its = sign)."""
        self.fields[key] = (where, value)
        return value

    def text(self, where: str) -> str:
        """A marker and every payload (text fields allow 4000 characters)."""
        marker = self.marker(where)
        # Each payload in a paragraph of its own: block syntax counts at a paragraph's start.
        return self._keep(marker, where, marker + "\n\n" + "\n\n".join(PAYLOADS + BLOCK_PAYLOADS))


def write_yaml(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10**6)
    assert yaml.safe_load(text) == data, path
    path.write_text(text, encoding="utf-8")


# A record typed by hand, values unquoted: YAML 1.1 would read them as numbers, booleans and
# dates. Each must reach the page exactly as typed.
TYPED_TEXT = {"period": "2020.10", "aliases": ["007", "0x1F", "1_000", "12.50", "yes", "2020-10-01"]}
TYPED_RECORD = """name: 数字样的文本
aliases: [007, 0x1F, 1_000, 12.50, yes, 2020-10-01]
organization: jia-shi-zheng-xie
themes: [constructor]
period: 2020.10
summary: 看起来像数字的文本。
completeness: 简要
sources:
  - source: wen-xian
    excerpt: 甲市政协创立了甲工作法
added: 2024-01-06
"""


def write_corpus(data_dir: Path, offset: int = 0) -> Corpus:
    """Replace the records in ``data_dir`` with XSS-laden ones of every type; returns the corpus."""
    c = Corpus(offset=offset)

    def cite(where: str, source: str = "wen-xian") -> dict:
        return {"source": source, "excerpt": c.short(f"{where}.excerpt", EXCERPT_CHARS),
                "locator": c.short(f"{where}.locator"), "note": c.text(f"{where}.note")}

    def inferred(where: str, fields: list[str]) -> list[dict]:
        return [{"field": f"{name}.{c.short(f'{where}[{i}].field', 40)}", "reason": c.text(f"{where}[{i}].reason")}
                for i, name in enumerate(fields)]

    records: dict[str, dict] = {}
    records["regions/jia-sheng"] = {"name": c.short("region.name"), "aliases": [c.short("region.aliases[0]")], "level": "省"}
    records["regions/jia-shi"] = {"name": c.short("region2.name"), "level": "市", "parent": "jia-sheng"}
    records["themes/ji-ceng"] = {"name": c.short("theme.name"), "aliases": [c.short("theme.aliases[0]")],
                                 "description": c.text("theme.description")}
    for number, name in enumerate(PROTOTYPE_NAMES):
        records[f"themes/{['constructor', 'to-string', 'proto'][number]}"] = {
            "name": c.raw(f"PROTO{number}", "theme.name", name), "description": f"以 {name} 为名的主题。"}
    records["sources/wen-xian"] = {
        "name": c.short("source.name"), "aliases": [c.short("source.aliases[0]")], "kind": "讲话",
        "date": "2023-05-06", "web_date": "2024-01-02", "speaker": c.short("source.speaker"),
        "office": c.short("source.office"), "organization": "jia-shi-zheng-xie", "outlet": c.short("source.outlet"),
        "url": "https://example.invalid/x?a=1&b=2", "seed": "seed.txt", "summary": c.text("source.summary"),
        "notes": c.text("source.notes"), "inferred": inferred("source.inferred", ["speaker"]),
    }
    records["sources/pian-mu"] = {
        "name": c.short("source2.name"), "kind": "经验交流发言", "speaker": c.short("source2.speaker"),
        "office": c.short("source2.office"), "part_of": "wen-xian",
        "url": "https://example.invalid/\"><script>top.__xss=1</script>",
    }
    records["organizations/jia-shi-zheng-xie"] = {
        "name": c.short("organization.name"), "aliases": [c.short("organization.aliases[0]")], "level": "市",
        "region": "jia-shi", "description": c.text("organization.description"),
        "sources": [cite("organization.sources[0]")],
        "inferred": inferred("organization.inferred", ["level", "region"]),
    }
    records["organizations/yi-xian-zheng-xie"] = {
        "name": c.short("organization2.name"), "level": "市", "region": "jia-shi", "parent": "jia-shi-zheng-xie",
        "sources": [{"source": "pian-mu", "excerpt": "乙县政协推行乙协商"}],
    }
    records["methods/yi-shi-hui"] = {
        "name": c.short("method.name"), "aliases": [c.short("method.aliases[0]")],
        "description": c.text("method.description"), "sources": [cite("method.sources[0]")],
    }
    records["terms/zhuan-men-xie-shang-ji-gou"] = {
        # The plain alias lets the hand-written home page link the term (with its definition as hover text).
        "name": c.short("term.name"), "aliases": ["专门协商机构", c.short("term.aliases[1]"), "实践 | 组织"],
        "definition": c.text("term.definition"), "related": ["xie-shang"],
        "sources": [cite("term.sources[0]")], "inferred": inferred("term.inferred", ["definition"]),
    }
    records["terms/xie-shang"] = {
        "name": c.short("term2.name"), "definition": c.text("term2.definition"),
        "sources": [{"source": "wen-xian", "excerpt": "作为专门协商机构的延伸"}],
    }
    figure = c.short("practice.outcomes[0].figures[0]", 40)
    records["practices/jia-gong-zuo-fa"] = {
        "name": c.short("practice.name"), "aliases": [c.short("practice.aliases[0]"), c.short("practice.aliases[1]")],
        "organization": "jia-shi-zheng-xie", "level": "市", "region": "jia-shi", "start_year": 2019,
        "period": c.short("practice.period"), "themes": ["ji-ceng", "constructor", "to-string", "proto"],
        "methods": ["yi-shi-hui"],
        "summary": c.text("practice.summary"),
        "components": [
            {"name": c.short("practice.components[0].name"), "description": c.text("practice.components[0].description"),
             "practice": "yi-xie-shang", "evidence": cite("practice.components[0].evidence")},
            {"name": c.short("practice.components[1].name"), "description": c.text("practice.components[1].description")},
        ],
        "steps": [
            {"stage": "选题", "name": c.short("practice.steps[0].name"), "description": c.text("practice.steps[0].description"),
             "evidence": cite("practice.steps[0].evidence")},
            {"stage": "协商", "name": c.short("practice.steps[1].name"), "description": c.text("practice.steps[1].description")},
        ],
        "outcomes": [
            {"text": c.text("practice.outcomes[0].text"), "figures": [figure],
             "evidence": {"source": "wen-xian", "excerpt": figure + "。"}},
        ],
        "relations": [{"kind": "相似", "target": "bing-fa", "note": c.text("practice.relations[0].note")}],
        "tags": [c.short("practice.tags[0]"), c.short("practice.tags[1]"), c.short("practice.tags[2]"),
                 "CON", "nul", "aux.yaml", "../../etc", "COM1"],
        "completeness": "较完整",
        "sources": [cite("practice.sources[0]")],
        "inferred": inferred("practice.inferred", ["organization", "region", "level", "start_year"]),
        "added": "2024-01-02",
    }
    records["practices/yi-xie-shang"] = {
        "name": c.short("practice2.name"), "organization": "jia-shi-zheng-xie", "themes": ["ji-ceng"],
        "part_of": "jia-gong-zuo-fa", "period": c.short("practice2.period"),
        "summary": c.text("practice2.summary"),
        "steps": [{"stage": "调研", "name": c.short("practice2.steps[0].name"), "description": "调查研究。"},
                  {"stage": "反馈", "name": "反馈", "description": c.text("practice2.steps[1].description")}],
        "completeness": "简要", "sources": [{"source": "pian-mu", "excerpt": "乙县政协推行乙协商"}], "added": "2024-01-03",
    }
    records["practices/bing-fa"] = {  # what a spreadsheet would take for formulas
        "name": c.raw("CSV", "practice3.name", '=HYPERLINK("https://evil.example/","点我")'),
        "organization": "yi-xian-zheng-xie", "themes": ["ji-ceng"],
        "summary": c.raw("CSV2", "practice3.summary", "@SUM(1+1)*cmd|' /C calc'!A0"), "completeness": "简要", "sources": [{"source": "wen-xian", "excerpt": "甲市政协创立了甲工作法"}],
        "added": "2024-01-04",
    }
    records["courses/ke-cheng"] = {
        "name": c.short("course.name"), "aliases": [c.short("course.aliases[0]")],
        "audience": c.short("course.audience"), "duration": c.short("course.duration"),
        "summary": c.text("course.summary"),
        "modules": [{
            "title": c.short("course.modules[0].title"), "duration": c.short("course.modules[0].duration"),
            "objectives": [c.text("course.modules[0].objectives[0]")], "practices": ["jia-gong-zuo-fa"],
            "methods": ["yi-shi-hui"], "terms": ["xie-shang"], "questions": [c.text("course.modules[0].questions[0]")],
            "compare": ["jia-gong-zuo-fa", "yi-xie-shang"], "notes": c.text("course.modules[0].notes"),
        }],
        "added": "2024-01-05",
    }
    for folder in data_dir.iterdir():
        if folder.is_dir():
            for old in folder.glob("*.yaml"):
                old.unlink()
    for rel, data in records.items():
        write_yaml(data_dir / f"{rel}.yaml", data)
    (data_dir / "practices" / "shu-zi.yaml").write_text(TYPED_RECORD, encoding="utf-8")
    c.raw("TYPED0", "typed.period", TYPED_TEXT["period"])
    for number, alias in enumerate(TYPED_TEXT["aliases"]):
        c.raw(f"TYPED{number + 1}", f"typed.aliases[{number}]", alias)
    return c
