"""The one record model every pipeline stage reads.

Each record type is declared once here, as a pydantic model whose field descriptions are
Chinese (they become the hover help of the editor schema). Closed vocabularies that are
part of the method itself (levels, lifecycle stages, relation kinds, completeness, source
kinds) are enumerations here; open vocabularies (themes, regions) are records in ``data/``.

References between records are plain strings at load time (an id or a unique Chinese
name/alias) and are resolved to ids by ``generator.validate``.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, ClassVar, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints
from pydantic_core import PydanticCustomError

# --- size limits (documented in the README's security section) -------------------------

MAX_FILE_BYTES = 256 * 1024  # one record file
MAX_RECORDS = 100_000  # record files under data/
MAX_NAME_CHARS = 60  # names, aliases, tags, titles and other one-line fields
MAX_TEXT_CHARS = 4_000  # summaries, descriptions and other text fields
MAX_EXCERPT_CHARS = 80  # a quotation from a source
MAX_URL_CHARS = 500  # a source's web address
MAX_LIST_ITEMS = 200  # items in any list field
MAX_NESTING_DEPTH = 12  # levels of mappings and lists in one file

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID_CHARS = 80
# Names Windows refuses as file names, whatever the extension (CON.yaml is CON).
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"com{i}" for i in range(1, 10)]
    + [f"lpt{i}" for i in range(1, 10)]
)

# --- closed vocabularies -------------------------------------------------------------------


class Level(str, Enum):
    """Administrative level of a CPPCC body (and of the practice it runs)."""

    NATIONAL = "全国"
    PROVINCE = "省"
    CITY = "市"
    COUNTY = "县区"
    TOWNSHIP = "乡镇街道"


class Stage(str, Enum):
    """The common consultation lifecycle every process step maps onto."""

    TOPIC = "选题"
    RESEARCH = "调研"
    PREPARE = "筹备"
    CONSULT = "协商"
    RESULT = "成果"
    ASSIGN = "交办"
    HANDLE = "办理"
    SUPERVISE = "督办"
    FEEDBACK = "反馈"
    EVALUATE = "评价"


STAGE_HINTS: dict[Stage, str] = {
    Stage.TOPIC: "确定协商什么：议题从哪里来、谁来定",
    Stage.RESEARCH: "协商前的调查研究",
    Stage.PREPARE: "会前准备：人员、材料、场所",
    Stage.CONSULT: "协商活动本身如何进行",
    Stage.RESULT: "形成什么样的协商成果",
    Stage.ASSIGN: "成果如何报送、交办给责任单位",
    Stage.HANDLE: "责任单位如何办理",
    Stage.SUPERVISE: "如何跟踪督办",
    Stage.FEEDBACK: "办理结果如何反馈给提出方和群众",
    Stage.EVALUATE: "如何评价协商和办理的质量",
}


class RelationKind(str, Enum):
    """How one practice relates to another (besides being part of it)."""

    SIMILAR = "相似"
    INSPIRED_BY = "借鉴"
    LOCAL_FORM_OF = "地方形式"
    DERIVED_FROM = "发展自"
    COMPLEMENTS = "配套"


# How each kind reads from the other end of the link; None means symmetric.
RELATION_INVERSE: dict[RelationKind, str | None] = {
    RelationKind.SIMILAR: None,
    RelationKind.INSPIRED_BY: "被借鉴",
    RelationKind.LOCAL_FORM_OF: "有地方形式",
    RelationKind.DERIVED_FROM: "发展出",
    RelationKind.COMPLEMENTS: None,
}

RELATION_LABEL: dict[RelationKind, str] = {
    RelationKind.SIMILAR: "相似做法",
    RelationKind.INSPIRED_BY: "借鉴了",
    RelationKind.LOCAL_FORM_OF: "是其地方形式",
    RelationKind.DERIVED_FROM: "发展自",
    RelationKind.COMPLEMENTS: "配套做法",
}


class Completeness(str, Enum):
    BRIEF = "简要"
    FAIR = "较完整"
    FULL = "完整"


class SourceKind(str, Enum):
    SPEECH = "讲话"
    EXCHANGE = "经验交流发言"
    COMPILATION = "汇编"
    NEWS = "新闻报道"
    REPORT = "工作报告"
    DOCUMENT = "文件"
    OTHER = "其他"


class CitationPart(str, Enum):
    """Parts of a GB/T 7714 citation a source record can lack (see ``Source.unknown``)."""

    SPEAKER = "speaker"
    OUTLET = "outlet"
    DATE = "date"
    URL = "url"
    ACCESSED = "accessed"


class Script(str, Enum):
    SIMPLIFIED = "简体"
    TRADITIONAL = "繁体"


# --- field types ------------------------------------------------------------------------

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_CHARS)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS)]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_CHARS + 20)]
Excerpt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=MAX_EXCERPT_CHARS)]

# Dates a record can carry: the CPPCC was founded in 1949, and nothing is added or said in the
# future (a typo such as 2206-11-23 would also stamp the whole build with that year). Two days
# of margin for time zones and a clock slightly off.
FIRST_DATE = dt.date(1949, 1, 1)
FUTURE_MARGIN = dt.timedelta(days=2)


def _plausible_date(value: dt.date) -> dt.date:
    latest = dt.date.today() + FUTURE_MARGIN
    if not FIRST_DATE <= value <= latest:
        raise PydanticCustomError("date_out_of_range", "date out of range",
                                  {"first": FIRST_DATE.isoformat(), "latest": latest.isoformat()})
    return value


Date = Annotated[dt.date, AfterValidator(_plausible_date)]


@dataclass(frozen=True)
class Role:
    """What the generator does with a field besides validating it, declared on the field itself
    (``name: Annotated[Name, Role("名称", prose=False)]``) so that a new field is one edit here:

    - ``label``: the Chinese name readers see for the field where a record's field is named to
      them ("推断" notes, ``render.field_label``); None shows the field name as it is written;
    - ``prose``: whether its text is searched for the names of other records (the link stage's
      mentions and backlinks). Names, references, quotations, codes and dates are not prose.

    A field without a ``Role`` has no label and is prose. Pydantic keeps the object in the
    field's metadata and leaves it out of the JSON schemas.
    """

    label: str | None = None
    prose: bool = True


NOT_PROSE = Role(prose=False)


def listing(item, *, description: str, min_length: int = 0, title: str | None = None):
    """A list field with the shared size limit. A list that must have items is also required:
    pydantic does not validate defaults, so a default of [] would let a missing field pass."""
    if min_length:
        return Field(..., title=title, description=description, min_length=min_length, max_length=MAX_LIST_ITEMS)
    return Field(default_factory=list, title=title, description=description, min_length=0, max_length=MAX_LIST_ITEMS)


REF_KEY = "x-kb-ref"


def ref(target: str, description: str, *, required: bool = False, title: str | None = None):
    """A reference to a record of type ``target``: its id, or its unique name or alias."""
    return Field(... if required else None, title=title, description=description, json_schema_extra={REF_KEY: target})


def refs(target: str, description: str, *, min_length: int = 0, title: str | None = None):
    """A list of references to records of type ``target`` (required when it must have items)."""
    default = {"default": ...} if min_length else {"default_factory": list}
    return Field(
        **default,
        title=title,
        description=description,
        min_length=min_length,
        max_length=MAX_LIST_ITEMS,
        json_schema_extra={REF_KEY: target},
    )


class Strict(BaseModel):
    """Unknown keys are errors: a typo such as ``reigon:`` must not vanish silently."""

    # YAML reads 463 or 2020 as numbers; in a text field they mean the text.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)


class Citation(Strict):
    source: Annotated[Ref, NOT_PROSE] = ref("source", "来源文献：填来源的 id 或名称", required=True)
    excerpt: Annotated[Excerpt, NOT_PROSE] = Field(
        description="原文摘录：逐字摘自来源（不超过 80 字），繁体来源可写简体；用于核对，显示为引文"
    )
    locator: Annotated[Name | None, NOT_PROSE] = Field(default=None, description="出处位置，如“第二部分”“第3页”")
    note: Text | None = Field(default=None, title="说明", description="关于这段摘录的说明，如原文错字、转载替换词")


class Inference(Strict):
    field: Annotated[Name, NOT_PROSE] = Field(title="推断的字段", description="哪个字段的内容是推断而非原文直接陈述，如 region、organization")
    reason: Text = Field(title="依据", description="推断的依据：原文哪句话、结合什么常识")


class Component(Strict):
    name: Annotated[Name, NOT_PROSE] = Field(title="名称", description="组成部分的名称，如“双联”“开门式选题”")
    description: Text = Field(title="说明", description="用自己的话说明这一部分做什么")
    practice: Annotated[Ref | None, NOT_PROSE] = ref("practice", "若这一部分另有实践记录，填其 id 或名称", title="对应实践")
    evidence: Citation | None = Field(default=None, title="依据", description="支撑这一说明的原文摘录")


class Step(Strict):
    stage: Annotated[Stage, NOT_PROSE] = Field(title="协商环节", description="对应的协商环节：选题、调研、筹备、协商、成果、交办、办理、督办、反馈、评价")
    name: Annotated[Name, NOT_PROSE] = Field(title="步骤名称", description="这一步在该工作法里的叫法，如“选题集民意”")
    description: Text = Field(title="做法", description="这一步怎么做，用自己的话写")
    evidence: Citation | None = Field(default=None, title="依据", description="支撑这一步的原文摘录")


class Outcome(Strict):
    text: Text = Field(title="成效", description="取得了什么成效，用自己的话写")
    figures: Annotated[list[Name], NOT_PROSE] = listing(Name, title="数字", description="原文给出的数字，须逐字出现在 evidence 摘录中，如“30多场次”")
    evidence: Citation | None = Field(default=None, title="依据", description="成效出处；有 figures（数字）时必填")


class Relation(Strict):
    kind: Annotated[RelationKind, NOT_PROSE] = Field(description="关系种类：相似、借鉴、地方形式、发展自、配套")
    target: Annotated[Ref, NOT_PROSE] = ref("practice", "相关实践的 id 或名称", required=True, title="相关实践")
    note: Text | None = Field(default=None, title="说明", description="说明两者的关系")


# --- records ------------------------------------------------------------------------------


class Record(Strict):
    """Fields every record has. ``id`` comes from the file name, not from the YAML."""

    type_name: ClassVar[str]
    type_label: ClassVar[str]
    folder: ClassVar[str]
    needs_sources: ClassVar[bool] = False

    name: Annotated[Name, Role("名称", prose=False)] = Field(description="名称（简体中文），在同类记录中唯一")
    aliases: Annotated[list[Name], Role("别名", prose=False)] = listing(Name, description="别名、简称，如“六式”“四双”")
    added: Annotated[Date | None, NOT_PROSE] = Field(default=None, description="收录日期，如 2026-11-23（kb new 自动填写）")
    updated: Annotated[Date | None, NOT_PROSE] = Field(default=None, description="最后更新日期：改动记录内容时写当天的日期；没改过就不填")

    # Where the record came from; set by the loader, never read from YAML.
    _id: str = PrivateAttr(default="")
    _path: str = PrivateAttr(default="")

    # Read straight from pydantic's private dict: ``self._id`` goes through
    # BaseModel.__getattr__, and ids are read a few hundred thousand times per build.
    @property
    def id(self) -> str:
        return self.__pydantic_private__["_id"]

    @property
    def path(self) -> str:
        """Path of the YAML file, relative to the project root, with forward slashes."""
        return self.__pydantic_private__["_path"]

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]

    @property
    def last_updated(self) -> dt.date | None:
        """When the record last changed: its ``updated`` date, or the day it was added."""
        return self.updated or self.added


class Region(Record):
    type_name: ClassVar[str] = "region"
    type_label: ClassVar[str] = "地区"
    folder: ClassVar[str] = "regions"

    level: Annotated[Level, Role("层级", prose=False)] = Field(description="行政层级：省、市、县区、乡镇街道（全国用于全国性机构）")
    parent: Annotated[Ref | None, Role("上级", prose=False)] = ref("region", "上级地区的 id 或名称；省级不填", title="上级地区")


class Theme(Record):
    type_name: ClassVar[str] = "theme"
    type_label: ClassVar[str] = "主题"
    folder: ClassVar[str] = "themes"

    description: Annotated[Text, Role("简介")] = Field(title="说明", description="这个主题涵盖什么")


class Source(Record):
    type_name: ClassVar[str] = "source"
    type_label: ClassVar[str] = "来源文献"
    folder: ClassVar[str] = "sources"

    kind: Annotated[SourceKind, NOT_PROSE] = Field(description="文献类型：讲话、经验交流发言、汇编、新闻报道、工作报告、文件、其他")
    date: Annotated[Date | None, Role("日期", prose=False)] = Field(default=None, description="讲话或成文日期（原文给出时）")
    web_date: Annotated[Date | None, Role("转载日期", prose=False)] = Field(default=None, description="网页转载或上传日期")
    speaker: Annotated[Name | None, Role("讲话人")] = Field(default=None, description="讲话人或发言人（原文给出时）")
    office: Annotated[Name | None, Role("职务")] = Field(default=None, description="讲话人职务，如“临沧市政协主席”")
    organization: Annotated[Ref | None, Role("组织", prose=False)] = ref("organization", "讲话人所在的政协组织", title="政协组织")
    outlet: Name | None = Field(default=None, description="刊载的网站或出版物")
    url: Annotated[Annotated[str, StringConstraints(max_length=MAX_URL_CHARS)] | None, NOT_PROSE] = Field(
        default=None, description="原文网址，只接受 http:// 或 https://"
    )
    accessed: Annotated[Date | None, NOT_PROSE] = Field(default=None, description="引用日期：查阅网页的日期（有网址时填写，参考文献著录需要）")
    unknown: list[CitationPart] = listing(
        CitationPart, description="查不到的著录项（speaker、outlet、date、url、accessed）：原文和转载页都没有给出；"
                                  "写明后 kb check --sources 不再提示它缺少")
    seed: Annotated[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+\.txt$")] | None, NOT_PROSE] = Field(
        default=None, description="原文文本文件名（在 shared/seeds/ 中），用于核对摘录"
    )
    part_of: Annotated[Ref | None, NOT_PROSE] = ref("source", "所属的汇编或文献（如摘登中的一篇发言）；摘录按其原文核对")
    script: Annotated[Script, NOT_PROSE] = Field(default=Script.SIMPLIFIED, description="原文字体：简体或繁体")
    summary: Annotated[Text | None, Role("概要")] = Field(default=None, title="概要", description="这篇文献讲了什么")
    notes: Text | None = Field(default=None, title="原文说明", description="关于原文质量的说明，如网页杂项、同义词替换")
    inferred: list[Inference] = listing(Inference, title="推断", description="推断而非原文陈述的字段")


class Organization(Record):
    type_name: ClassVar[str] = "organization"
    type_label: ClassVar[str] = "政协组织"
    folder: ClassVar[str] = "organizations"
    needs_sources: ClassVar[bool] = True

    level: Annotated[Level, Role("层级", prose=False)] = Field(description="层级：全国、省、市、县区、乡镇街道")
    region: Annotated[Ref | None, Role("地区", prose=False)] = ref("region", "所在地区的 id 或名称；全国政协不填", title="所在地区")
    parent: Annotated[Ref | None, Role("上级", prose=False)] = ref(
        "organization", "上级政协组织（指导关系）的 id 或名称", title="上级政协组织")
    description: Annotated[Text | None, Role("简介")] = Field(default=None, description="简介")
    sources: Annotated[list[Citation], Role("出处")] = listing(Citation, description="出处，至少一条", min_length=1)
    inferred: list[Inference] = listing(Inference, title="推断", description="推断而非原文陈述的字段")


class Method(Record):
    type_name: ClassVar[str] = "method"
    type_label: ClassVar[str] = "通用做法"
    folder: ClassVar[str] = "methods"

    description: Annotated[Text, Role("简介")] = Field(title="说明", description="这种通用做法是什么，各地通常怎样做")
    sources: Annotated[list[Citation], Role("出处")] = listing(Citation, description="出处")


class Term(Record):
    type_name: ClassVar[str] = "term"
    type_label: ClassVar[str] = "术语"
    folder: ClassVar[str] = "terms"
    needs_sources: ClassVar[bool] = True

    definition: Annotated[Text, Role("释义")] = Field(description="释义，用自己的话写")
    related: Annotated[list[Ref], Role("相关术语", prose=False)] = refs("term", "相关术语的 id 或名称", title="相关术语")
    sources: Annotated[list[Citation], Role("出处")] = listing(Citation, description="出处，至少一条", min_length=1)
    inferred: list[Inference] = listing(Inference, title="推断", description="推断而非原文陈述的字段")


class Practice(Record):
    type_name: ClassVar[str] = "practice"
    type_label: ClassVar[str] = "实践"
    folder: ClassVar[str] = "practices"
    needs_sources: ClassVar[bool] = True

    organization: Annotated[Ref, Role("组织", prose=False)] = ref(
        "organization", "创设或推行这一实践的政协组织（id 或名称）", required=True, title="政协组织")
    level: Annotated[Level | None, Role("层级", prose=False)] = Field(
        default=None, title="层级", description="实践所在层级；不填则取组织的层级")
    region: Annotated[Ref | None, Role("地区", prose=False)] = ref("region", "实践所在地区；不填则取组织所在地区", title="地区")
    start_year: Annotated[Annotated[int, Field(ge=1949, le=2100)] | None, Role("起始年份", prose=False)] = Field(
        default=None, description="开始年份（原文给出或可推断时；推断须在 inferred 中说明）"
    )
    period: Annotated[Name | None, Role("时间")] = Field(
        default=None, title="时间表述", description="原文对时间的表述，如“中央政协工作会议以来”")
    themes: Annotated[list[Ref], Role("主题", prose=False)] = refs("theme", "主题（取自 data/themes）", min_length=1)
    methods: Annotated[list[Ref], Role("通用做法", prose=False)] = refs(
        "method", "属于哪些通用做法（取自 data/methods）", title="通用做法")
    part_of: Annotated[Ref | None, Role("所属实践", prose=False)] = ref(
        "practice", "是哪个实践的组成部分（id 或名称）", title="所属实践")
    summary: Annotated[Text, Role("概要")] = Field(description="概要：是什么、为什么、怎么做，用自己的话写")
    components: Annotated[list[Component], Role("组成部分")] = listing(Component, description="组成部分，如“四双”的四个“双”")
    steps: Annotated[list[Step], Role("运行步骤")] = listing(Step, description="运行步骤，每步对应一个协商环节")
    outcomes: Annotated[list[Outcome], Role("成效")] = listing(Outcome, description="成效，数字须来自原文")
    relations: Annotated[list[Relation], Role("相关实践")] = listing(Relation, title="相关实践", description="与其他实践的关系")
    tags: Annotated[list[Name], Role("标签", prose=False)] = listing(Name, description="标签，自由填写")
    completeness: Annotated[Completeness, NOT_PROSE] = Field(description="完整程度：简要、较完整、完整")
    sources: Annotated[list[Citation], Role("出处")] = listing(Citation, description="出处，至少一条", min_length=1)
    inferred: list[Inference] = listing(Inference, title="推断", description="推断而非原文陈述的字段")
    added: Annotated[Date, NOT_PROSE] = Field(description="收录日期，如 2026-11-23")


class Module(Strict):
    title: Name = Field(description="单元标题")
    duration: Name | None = Field(default=None, description="时长，如“45 分钟”")
    objectives: list[Text] = listing(Text, description="学习目标", min_length=1)
    practices: list[Ref] = refs("practice", "本单元要读的实践（id 或名称）", title="阅读的实践")
    methods: Annotated[list[Ref], Role("通用做法", prose=False)] = refs("method", "本单元涉及的通用做法", title="通用做法")
    terms: list[Ref] = refs("term", "本单元涉及的术语", title="术语")
    questions: list[Text] = listing(Text, description="讨论题")
    compare: list[Ref] = Field(
        default_factory=list, max_length=6, title="对比的实践",
        description="在本单元中并排对比的实践（2–6 项；不对比则不填）",
        json_schema_extra={REF_KEY: "practice"},
    )
    notes: Text | None = Field(default=None, description="给讲师的提示")


class Course(Record):
    type_name: ClassVar[str] = "course"
    type_label: ClassVar[str] = "培训课程"
    folder: ClassVar[str] = "courses"

    audience: Name = Field(description="对象，如“市县政协机关干部”")
    duration: Name = Field(description="总时长，如“半天（3 学时）”")
    summary: Annotated[Text, Role("概要")] = Field(description="课程简介")
    modules: list[Module] = listing(Module, description="教学单元", min_length=1)
    added: Annotated[Date, NOT_PROSE] = Field(description="编写日期")


RECORD_TYPES: tuple[type[Record], ...] = (Region, Theme, Source, Organization, Method, Term, Practice, Course)
TYPES_BY_FOLDER: dict[str, type[Record]] = {t.folder: t for t in RECORD_TYPES}
TYPES_BY_NAME: dict[str, type[Record]] = {t.type_name: t for t in RECORD_TYPES}


# --- field roles, by field name -----------------------------------------------------------


def _models_below(model: type[BaseModel]) -> list[type[BaseModel]]:
    """A model and every model nested in its fields (Citation, Step, Module …)."""
    found: list[type[BaseModel]] = []
    stack: list = [model]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item in found:
                continue
            found.append(item)
            stack.extend(info.annotation for info in item.model_fields.values())
        else:
            stack.extend(typing.get_args(item))
    return found


def role_of(model: type[BaseModel], name: str) -> Role:
    return next((m for m in model.model_fields[name].metadata if isinstance(m, Role)), Role())


def _roles_by_name() -> dict[str, Role]:
    """Each field name's role, over every model. The readers of roles see a field path
    (``steps[2].description``, a location in a record), not the model it belongs to, so a name
    has one role wherever it is used: a field that disagrees with another of its name is an
    error here rather than a label or a mention silently taken from the other."""
    roles: dict[str, Role] = {}
    owners: dict[str, str] = {}
    for model in dict.fromkeys(m for t in RECORD_TYPES for m in _models_below(t)):
        for name in model.model_fields:
            role, known = role_of(model, name), roles.get(name)
            labels_differ = None not in (known.label, role.label) and known.label != role.label if known else False
            if known is not None and (known.prose != role.prose or labels_differ):
                raise TypeError(f"{model.__name__}.{name}: its Role {role} differs from {owners[name]}.{name}'s {known}")
            if known is None or known.label is None:
                roles[name], owners[name] = role, model.__name__
    return roles


FIELD_ROLES: dict[str, Role] = _roles_by_name()
# Chinese names of fields, for the "推断" notes and messages that name one ("start_year" means
# nothing to a reader).
FIELD_LABELS: dict[str, str] = {name: role.label for name, role in FIELD_ROLES.items() if role.label}
# Fields whose text is not prose: the link stage does not look for mentions in them.
NOT_PROSE_FIELDS: frozenset[str] = frozenset(name for name, role in FIELD_ROLES.items() if not role.prose)


R = TypeVar("R", bound=Record)


@dataclass
class KnowledgeBase:
    """Every validated record, by type and id, with references resolved to ids."""

    root: Path
    records: dict[str, dict[str, Record]] = field(default_factory=dict)

    def of(self, record_type: type[R]) -> dict[str, R]:
        return self.records.setdefault(record_type.type_name, {})  # type: ignore[return-value]

    def get(self, record_type: type[R], record_id: str | None) -> R | None:
        if record_id is None:
            return None
        return self.of(record_type).get(record_id)

    @property
    def practices(self) -> dict[str, Practice]:
        return self.of(Practice)

    @property
    def organizations(self) -> dict[str, Organization]:
        return self.of(Organization)

    @property
    def regions(self) -> dict[str, Region]:
        return self.of(Region)

    @property
    def themes(self) -> dict[str, Theme]:
        return self.of(Theme)

    @property
    def sources(self) -> dict[str, Source]:
        return self.of(Source)

    @property
    def terms(self) -> dict[str, Term]:
        return self.of(Term)

    @property
    def methods(self) -> dict[str, Method]:
        return self.of(Method)

    @property
    def courses(self) -> dict[str, "Course"]:
        return self.of(Course)

    def counts(self) -> dict[str, int]:
        return {t.type_label: len(self.of(t)) for t in RECORD_TYPES}
