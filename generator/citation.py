"""Citations in the style of GB/T 7714—2015 (the Chinese national standard for references).

A source with a web address is an electronic resource: "[EB/OL]" (or the type's own code with
/OL: [N/OL] for a news report, [R/OL] for a work report, [G/OL] for a compilation), followed by
the date, the 引用日期 in brackets where recorded, and the address. A source without an address
is cited as what it is — a speech, an exchange speech or a document [Z], a compilation [G], a
report [R], a news report [N] — with the publishing body and date where known, never as an
online resource it cannot be looked up as. A speech inside a compilation is a contribution
(析出文献), written "…[Z]//汇编题名. …".

``missing_fields`` says what a source lacks for a full citation; ``kb check --sources`` warns.
"""

from __future__ import annotations

import re

from .model import KnowledgeBase, Source, SourceKind

# Type code of a source by kind (GB/T 7714—2015 table B.1); 讲话 and 文件 have no code of their own.
KIND_CODES = {
    SourceKind.SPEECH: "Z",
    SourceKind.EXCHANGE: "Z",
    SourceKind.COMPILATION: "G",
    SourceKind.NEWS: "N",
    SourceKind.REPORT: "R",
    SourceKind.DOCUMENT: "Z",
    SourceKind.OTHER: "Z",
}
_ANONYMOUS = re.compile(r"^某")  # "某县级政协": the body is not named, so there is no author
_TRAILING_NOTE = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def author(source: Source, kb: KnowledgeBase) -> str:
    """The responsible person or body: the speaker, else the organisation's name without a
    trailing note in brackets; none for an unnamed body ("某县级政协")."""
    if source.speaker:
        return source.speaker
    org = kb.organizations.get(source.organization or "")
    if org is None:
        return ""
    name = _TRAILING_NOTE.sub("", org.name)
    return "" if _ANONYMOUS.match(name) else name


def _url(source: Source, container: Source | None) -> str:
    return source.url or (container.url if container else None) or ""


def gbt7714(source: Source, kb: KnowledgeBase) -> str:
    """The citation as plain text (escaped by whoever writes it into a page)."""
    container = kb.sources.get(source.part_of or "")
    url = _url(source, container)
    code = KIND_CODES.get(source.kind, "Z")
    if url:
        kind = "EB/OL" if code == "Z" else f"{code}/OL"
    else:
        kind = code
    who = author(source, kb)
    text = (f"{who}. " if who else "") + f"{source.name}[{kind}]"
    if container is not None:
        text += f"//{container.name}"
    outlet = source.outlet or (container.outlet if container else None)
    if url:
        day = source.web_date or source.date or (container.web_date if container else None)
    else:
        day = source.date or source.web_date or (container.date or container.web_date if container else None)
    parts = [p for p in (outlet, day.isoformat() if day else "") if p]
    tail = ", ".join(parts)
    if url and source.accessed:
        tail += f"[{source.accessed.isoformat()}]"
    if tail:
        text += ". " + tail
    text += "."
    if url:
        text += f" {url}."
    return text


def missing_fields(source: Source, kb: KnowledgeBase) -> list[tuple[str, str]]:
    """(field, label) a full GB/T 7714 citation of this source needs and the record lacks."""
    container = kb.sources.get(source.part_of or "")
    url = _url(source, container)
    missing = []
    if source.kind is not SourceKind.COMPILATION and not author(source, kb):
        missing.append(("speaker", "讲话人或署名的组织（主要责任者）"))
    if not (source.outlet or (container and container.outlet)):
        missing.append(("outlet", "刊载的网站或出版物（出版者）"))
    if not (source.date or source.web_date or (container and (container.date or container.web_date))):
        missing.append(("date", "日期"))
    if url and not source.accessed:
        missing.append(("accessed", "引用日期（accessed）"))
    if not url and (source.web_date or (container and container.web_date)):
        missing.append(("url", "网址（url；网上转载的文献要有网址才能按电子资源著录）"))
    # What the record (or the compilation it is in) says cannot be found is not asked for again.
    known_unknown = {part.value for part in (*source.unknown, *(container.unknown if container else ()))}
    return [(field, label) for field, label in missing if field not in known_unknown]
