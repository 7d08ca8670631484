"""Citations in the style of GB/T 7714—2015 (the Chinese national standard for references).

Our sources are web copies, so they are electronic resources, [EB/OL]; a speech inside a
compilation is a contribution (析出文献) and is written "…[EB/OL]//汇编题名. …".
"""

from __future__ import annotations

from .model import KnowledgeBase, Source


def _date(source: Source) -> str:
    day = source.web_date or source.date
    return day.isoformat() if day else ""


def _tail(source: Source) -> str:
    """Publisher and date: ". 人民政协网, 2020-08-24"."""
    parts = [p for p in (source.outlet, _date(source)) if p]
    return (". " + ", ".join(parts)) if parts else ""


def gbt7714(source: Source, kb: KnowledgeBase) -> str:
    """The citation as plain text (escaped by whoever writes it into a page)."""
    container = kb.sources.get(source.part_of or "")
    online = bool(source.outlet or source.url or source.web_date or (container and (container.outlet or container.web_date)))
    kind = "EB/OL" if online else "Z"
    author = source.speaker
    if not author and source.organization and source.organization in kb.organizations:
        author = kb.organizations[source.organization].name
    head = f"{author}. " if author else ""
    text = f"{head}{source.name}[{kind}]"
    if container is not None:
        text += f"//{container.name}"
        tail = _tail(source) if (source.outlet or source.web_date) else _tail(container)
    else:
        tail = _tail(source)
    text += tail + "."
    url = source.url or (container.url if container else None)
    if url:
        text += f" {url}."
    return text
