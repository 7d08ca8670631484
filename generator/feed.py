"""An Atom feed of new and updated practices (``feed.xml`` at the site's root).

A reader's feed program, or an office's intranet portal, can follow what the knowledge base
adds without visiting it. Entries are the practices most recently added or updated (their
``added`` / ``updated`` dates), newest first. Links are absolute when ``site_url`` is set in
mkdocs.yml; otherwise they are relative to the feed, which Atom readers resolve against the
address they fetched it from, and entry ids are URNs that do not depend on where the site is.

Built with ElementTree, which escapes all record text.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from . import paths
from .link import Graph
from .markdown_text import join_lines
from .model import Practice
from .text import pinyin_key

FEED_FILE = "feed.xml"
FEED_TITLE = "协商实践知识库：新收录和更新的实践"
ENTRIES = 50
SUMMARY_CHARS = 200
ATOM = "http://www.w3.org/2005/Atom"


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00+08:00"  # dates are Beijing dates


def recent_practices(g: Graph, limit: int) -> list[Practice]:
    """The practices last added or updated, newest first (then by name, for a stable order)."""
    practices = sorted(g.kb.practices.values(), key=lambda p: pinyin_key(p.name))
    return sorted(practices, key=lambda p: p.last_updated, reverse=True)[:limit]


def atom_feed(g: Graph, site_url: str | None) -> bytes:
    base = (site_url or "").rstrip("/") + "/" if site_url else ""
    ET.register_namespace("", ATOM)

    def sub(parent, tag, text=None, **attrs):
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    practices = recent_practices(g, ENTRIES)
    feed = ET.Element(f"{{{ATOM}}}feed")
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", "zh-CN")
    sub(feed, "title", FEED_TITLE)
    sub(feed, "id", base + FEED_FILE if base else "urn:xieshang-kb:feed")
    sub(feed, "link", rel="self", href=base + FEED_FILE if base else FEED_FILE)
    sub(feed, "link", rel="alternate", href=base + "index.html" if base else "index.html")
    newest = max((p.last_updated for p in practices), default=dt.date(2026, 1, 1))
    sub(feed, "updated", _stamp(newest))
    sub(sub(feed, "author"), "name", "协商实践知识库编写组")
    for practice in practices:
        entry = sub(feed, "entry")
        sub(entry, "title", join_lines(practice.name))
        sub(entry, "id", f"urn:xieshang-kb:practice:{practice.id}")
        url = paths.built_href(paths.page_of(practice))
        sub(entry, "link", rel="alternate", type="text/html", href=base + url)
        sub(entry, "published", _stamp(practice.added))
        sub(entry, "updated", _stamp(practice.last_updated))
        org = g.kb.organizations.get(practice.organization)
        if org is not None:
            sub(sub(entry, "author"), "name", org.name)
        for theme_id in practice.themes:
            theme = g.kb.themes.get(theme_id)
            if theme is not None:
                sub(entry, "category", term=theme.name)
        summary = join_lines(practice.summary)
        if len(summary) > SUMMARY_CHARS:
            summary = summary[: SUMMARY_CHARS - 1] + "…"
        sub(entry, "summary", summary)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
