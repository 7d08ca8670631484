"""``kb synth N --out DIR``: a synthetic but realistically shaped knowledge base, for benchmarks.

Shape follows the real thing: 31 provinces, about ten cities each, about eight counties per
city; one 政协 per body that has practices; practices with components, steps on the lifecycle,
outcomes, relations, tags and citations; Chinese prose of realistic length (~1,500 characters per
practice page) recombined from the clauses of the project's own records, so character
frequencies resemble real pages. Output is deterministic for a given N and seed, and never
lands in a project's own data/.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import yaml

from .model import Level, RelationKind, Stage
from .paths import GENERATED_FOLDERS
from .problems import UserError
from .project import Project
from .text import slugify

PROVINCES = [
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省", "浙江省",
    "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市",
    "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
]
PLACE_SYLLABLES = list("安宁平川山河阳江海云林青石泉城新和丰兴华明德昌盛永福康泰长清沙水源桥溪岭原庄塘湖峰")
THEMES = ["基层协商", "协商平台建设", "委员履职与服务管理", "党建引领", "民主监督", "提案工作", "凝聚共识与思想引领",
          "数字政协", "市县政协能力建设", "协商成果转化", "读书学习", "联系群众", "界别工作", "乡村振兴"]
METHOD_NAMES = ["委员工作室", "协商议事会议", "委员之家", "政协委员联络站", "委员读书活动", "委员讲堂", "网络协商平台",
                "专项民主监督", "提案办理评议", "委员联系界别群众", "协商成果反馈", "双月专题协商", "界别协商",
                "政协开放日", "委员履职考核", "重点提案督办", "远程协商", "民生实事票决", "社情民意信息", "对口协商"]
BRAND_PARTS = ["协商", "议事", "商量", "同心", "连心", "民声", "有事", "好商量", "圆桌", "聚力", "暖心", "一线", "院坝", "板凳",
               "小区", "乡贤", "田间", "码上", "云上", "掌上", "委员", "心桥", "和合", "众智", "汇智", "润心"]
BRAND_SUFFIXES = ["工作法", "协商平台", "议事会", "工作机制", "品牌", "行动", "工程", "模式", "论坛", "驿站", "直通车"]
FALLBACK_CLAUSES = [
    "围绕党政关心、群众关切的问题开展协商", "由委员牵头组织调研", "邀请相关部门负责同志到场回应",
    "把协商成果报送党委政府参阅", "承办单位按要求办理并反馈", "形成凝聚各方共识的协商成果",
    "推动政协协商与基层协商有效衔接", "每年至少开展两次协商议事活动", "建立协商议题征集和公示制度",
]


def clauses_from(project_root: Path | None) -> list[str]:
    """Clauses of the project's own record prose (our own words), to recombine into text."""
    found: list[str] = []
    if project_root and (project_root / "data").is_dir():
        for path in sorted((project_root / "data").rglob("*.yaml")):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (yaml.YAMLError, OSError, UnicodeDecodeError):
                continue
            for value in _strings(data):
                for clause in re.split(r"[，。；：！？、\n]", value):
                    clause = clause.strip(" “”\"'")
                    if 6 <= len(clause) <= 40 and re.search(r"[\u4e00-\u9fff]{4}", clause):
                        found.append(clause)
    return sorted(set(found)) or FALLBACK_CLAUSES


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if k not in ("name", "aliases", "source", "target", "excerpt"):
                yield from _strings(v)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class Synth:
    def __init__(self, count: int, seed: int, clauses: list[str]):
        self.count = count
        self.rng = random.Random(seed)
        self.clauses = clauses
        self.files: dict[str, dict] = {}
        self.used_names: set[str] = set()
        self.mentionable: list[str] = []  # names that real prose would mention (autolinked)

    def prose(self, chars: int) -> str:
        out, size = [], 0
        while size < chars:
            parts = self.rng.sample(self.clauses, k=min(len(self.clauses), self.rng.randint(2, 4)))
            if self.mentionable and self.rng.random() < 0.15:
                parts.insert(1, "坚持" + self.rng.choice(self.mentionable))
            sentence = "，".join(parts) + "。"
            out.append(sentence)
            size += len(sentence)
        return "".join(out)

    def unique(self, make) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("could not make a unique name")

    def place(self, suffix: str) -> str:
        # Mostly two-syllable names as in reality; some three-syllable ones so that the ~4,000
        # places of a national tree stay unique.
        return self.unique(lambda: "".join(self.rng.sample(PLACE_SYLLABLES, 2 if self.rng.random() < 0.7 else 3)) + suffix)

    def add(self, folder: str, record_id: str, data: dict) -> str:
        self.files[f"{folder}/{record_id}.yaml"] = data
        return record_id

    def build(self) -> dict[str, dict]:
        rng = self.rng
        for theme in THEMES:
            self.add("themes", slugify(theme), {"name": theme, "description": self.prose(40)})
        methods = [self.add("methods", slugify(m), {"name": m, "description": self.prose(120)}) for m in METHOD_NAMES]
        terms = []
        for i in range(max(30, self.count // 100)):
            name = self.unique(lambda: "".join(rng.sample(BRAND_PARTS, 2)) + rng.choice(["机制", "制度", "原则", "要求", "格局"]))
            terms.append(self.add("terms", f"term-{i:05d}", {"name": name, "definition": self.prose(80)}))
        self.mentionable = [self.files[f"terms/{t}.yaml"]["name"] for t in terms] + METHOD_NAMES

        # The region tree and one CPPCC body per region, like the real national system.
        regions: list[tuple[str, str, Level, str | None]] = []  # (id, name, level, parent)
        cities_per_province = max(1, min(12, self.count // 300))
        counties_per_city = max(1, min(10, self.count // 250))
        for p_index, province in enumerate(PROVINCES):
            pid = f"p{p_index:02d}"
            regions.append((pid, province, Level.PROVINCE, None))
            for c in range(cities_per_province):
                cid = f"{pid}-c{c:02d}"
                regions.append((cid, self.place("市"), Level.CITY, pid))
                for k in range(counties_per_city):
                    regions.append((f"{cid}-k{k:02d}", self.place(rng.choice(["县", "区"])), Level.COUNTY, cid))
        orgs: list[tuple[str, Level]] = []
        for rid, name, level, parent in regions:
            self.add("regions", rid, {"name": name, "level": level.value, **({"parent": parent} if parent else {})})
        sources: list[str] = []
        for rid, name, level, parent in regions:
            org_id = f"org-{rid}"
            sid = self.add("sources", f"src-{rid}", {
                "name": f"{name}政协工作经验交流发言", "kind": "经验交流发言", "outlet": "合成数据",
                "web_date": f"20{rng.randint(18, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                "summary": self.prose(60),
            })
            sources.append(sid)
            record = {"name": f"{name}政协", "level": level.value, "region": rid,
                      "description": self.prose(100), "sources": [{"source": sid, "excerpt": self.prose(20)[:40]}]}
            if parent:
                record["parent"] = f"org-{parent}"
            self.add("organizations", org_id, record)
            orgs.append((org_id, level))
        for term_id in terms:
            self.files[f"terms/{term_id}.yaml"]["sources"] = [{"source": rng.choice(sources), "excerpt": self.prose(20)[:40]}]

        # Practices, most of them at county level, as in reality.
        weights = [1 if level is Level.PROVINCE else 3 if level is Level.CITY else 10 for _, level in orgs]
        practice_ids: list[str] = []
        for i in range(self.count):
            org_id, _level = rng.choices(orgs, weights=weights)[0]
            # Brand names alone run out near 7,000; real ones often carry the place, so do that.
            place = self.files[f"organizations/{org_id}.yaml"]["name"][:2]
            name = self.unique(lambda: (place if rng.random() < 0.5 else "") + "".join(rng.sample(BRAND_PARTS, 2))
                               + rng.choice(BRAND_SUFFIXES))
            pid = f"practice-{i:05d}"
            source = f"src-{org_id[4:]}"
            stages = sorted(rng.sample(list(Stage), rng.randint(3, 7)), key=list(Stage).index)
            record = {
                "name": name,
                "aliases": [name[:4]] if rng.random() < 0.2 and name[:4] not in self.used_names else [],
                "organization": org_id,
                "start_year": rng.randint(2012, 2024) if rng.random() < 0.6 else None,
                "themes": rng.sample([slugify(t) for t in THEMES], rng.randint(1, 3)),
                "methods": rng.sample(methods, rng.randint(0, 2)),
                "summary": self.prose(220),
                "components": [{"name": f"{rng.choice(BRAND_PARTS)}{k + 1}", "description": self.prose(70)}
                               for k in range(rng.randint(2, 5))],
                "steps": [{"stage": s.value, "name": rng.choice(BRAND_PARTS) + s.value, "description": self.prose(90)}
                          for s in stages],
                "outcomes": [{"text": self.prose(70)} for _ in range(rng.randint(1, 3))],
                "relations": [],
                "tags": rng.sample(["试点", "品牌", "边疆", "乡村", "社区", "网络", "青年", "企业"], rng.randint(0, 2)),
                "completeness": rng.choice(["简要", "较完整", "完整"]),
                "sources": [{"source": source, "excerpt": self.prose(30)[:50]}],
                "added": f"2026-{rng.randint(1, 11):02d}-{rng.randint(10, 28)}",
            }
            if record["aliases"]:
                self.used_names.add(record["aliases"][0])
            if record["start_year"] is None:
                del record["start_year"]
            if practice_ids:
                for target in rng.sample(practice_ids[-500:], min(len(practice_ids[-500:]), rng.randint(1, 3))):
                    record["relations"].append({"kind": rng.choice(list(RelationKind)).value, "target": target})
            self.add("practices", pid, record)
            practice_ids.append(pid)
        return self.files


def write_synthetic(count: int, out: Path, *, seed: int = 20261123, template: Project | None = None) -> Path:
    """Write a synthetic project (mkdocs.yml, hand-written docs, data/) into ``out``."""
    if count < 1:
        raise UserError("N 必须是正整数")
    out = out.resolve()
    if template is not None:
        real_data = template.data_dir.resolve()
        if out == template.root.resolve() or out == real_data or real_data in out.parents:
            raise UserError("合成数据不能写进项目自己的 data/；请用 --out 指定另一个文件夹")
    if (out / "data").exists():
        shutil.rmtree(out / "data")
    files = Synth(count, seed, clauses_from(template.root if template else None)).build()
    for rel, data in files.items():
        path = out / "data" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
    if template is not None:
        shutil.copy2(template.config_file, out / "mkdocs.yml")
        if (out / "docs").exists():
            shutil.rmtree(out / "docs")
        shutil.copytree(template.docs_dir, out / "docs", ignore=shutil.ignore_patterns(*GENERATED_FOLDERS))
    return out
