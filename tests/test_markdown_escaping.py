"""One escaping layer, tested at every place record text enters Markdown.

Each place (paragraph, heading, list item, table cell, link text, link title, HTML attribute,
front matter title) gets every payload of the XSS corpus; the Markdown is converted with the
project's extensions plus footnotes, abbreviations and definition lists (so text that would
only become syntax with them enabled is caught too). The result must hold exactly the elements
the place itself makes, and the reader must see the payload as text.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import markdown
import pytest
import yaml

from conftest import ROOT
from generator.markdown_text import escape_attribute, escape_cell, escape_inline, join_lines, markdown_link
from generator.render import front_matter, safe_title
from xss_corpus import BLOCK_PAYLOADS, PAYLOADS

EXTRA_EXTENSIONS = ["abbr", "footnotes", "def_list"]


def project_markdown() -> markdown.Markdown:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    names = []
    for item in config["markdown_extensions"]:
        names.append(next(iter(item)) if isinstance(item, dict) else item)
    return markdown.Markdown(extensions=names + EXTRA_EXTENSIONS)


MD = project_markdown()


class Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def convert(text: str) -> Elements:
    MD.reset()
    parsed = Elements()
    parsed.feed(MD.convert(text))
    return parsed


def squash(text: str) -> str:
    return "".join(text.split())


def as_read(payload: str) -> str:
    """What a reader should see: the text as typed, control characters and line breaks folded."""
    return squash(join_lines(re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]", "", payload)))


HOVER = str.maketrans({"<": "＜", ">": "＞", "&": "＆"})
ALL = PAYLOADS + BLOCK_PAYLOADS

# place -> (Markdown around the escaped text, the elements that place makes and nothing else)
PLACES = {
    "paragraph": (lambda s: escape_inline(s), [("p", {})]),
    "heading": (lambda s: "# " + escape_inline(s), [("h1", None)]),
    "list item": (lambda s: "- " + escape_inline(s), [("ul", {}), ("li", {})]),
    "table cell": (lambda s: f"| 甲 | 乙 |\n|---|---|\n| {escape_cell(s)} | 丙 |\n",
                   [("table", {}), ("thead", {}), ("tr", {}), ("th", {}), ("th", {}), ("tbody", {}), ("tr", {}), ("td", {}), ("td", {})]),
    "link text": (lambda s: markdown_link(escape_inline(s), "x.md"), [("p", {}), ("a", {"href": "x.md"})]),
}


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("payload", ALL, ids=lambda p: p[:30])
def test_text_places_make_no_structure_and_show_the_text(place, payload):
    wrap, expected = PLACES[place]
    parsed = convert(wrap(payload))
    shape = [(tag, attrs if want is not None else None) for (tag, attrs), (_, want) in zip(parsed.tags, expected)]
    assert [t for t, _ in parsed.tags] == [t for t, _ in expected], f"{place}: {parsed.tags}"
    assert shape == expected, f"{place}: {parsed.tags}"
    assert as_read(payload) in squash("".join(parsed.text)), f"{place}: {''.join(parsed.text)!r}"


@pytest.mark.parametrize("payload", ALL, ids=lambda p: p[:30])
def test_link_title_stays_one_link_with_the_text_as_its_hover(payload):
    parsed = convert("前文 " + markdown_link("甲", "x.md", payload) + " 后文")
    assert [t for t, _ in parsed.tags] == ["p", "a"], parsed.tags
    attrs = parsed.tags[1][1]
    assert set(attrs) == {"href", "title"} and attrs["href"] == "x.md", attrs
    shown = join_lines(re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]", "", payload)).translate(HOVER)
    expected = shown if len(shown) <= 140 else shown[:139] + "…"
    assert attrs["title"] == expected
    assert squash("".join(parsed.text)) == "前文甲后文"


@pytest.mark.parametrize("payload", ALL, ids=lambda p: p[:30])
def test_html_attribute_holds_the_text_and_nothing_else(payload):
    parsed = convert(f'甲<abbr class="kb-inferred" title="{escape_attribute(payload)}">推断</abbr>乙')
    assert [t for t, _ in parsed.tags] == ["p", "abbr"], parsed.tags
    attrs = parsed.tags[1][1]
    assert set(attrs) == {"class", "title"}
    assert squash(attrs["title"]) == squash(as_read(payload).translate(HOVER))


@pytest.mark.parametrize("payload", ALL, ids=lambda p: p[:30])
def test_front_matter_title_is_text_that_cannot_form_a_tag(payload):
    title = safe_title(payload)
    parsed = yaml.safe_load(front_matter(title=title).strip("-\n"))
    assert parsed["title"] == title
    assert not re.search(r"[<>&\"\\]", title)


def test_the_reported_breakouts_are_closed():
    """The two strings the review found: a method name and a term definition as hover text."""
    for hover in ("通用做法：读书活动('甲')", "专门协商机构：丙('丁') ![](x){:onerror=alert(document.domain)}"):
        out = MD.reset().convert(markdown_link("甲", "../glossary/index.md#a", hover))
        assert out.count("<a ") == 1 and "onerror" not in out.split('title="')[0] and "<img" not in out, out
        assert html.unescape(re.search(r'title="([^"]*)"', out).group(1)) == hover
