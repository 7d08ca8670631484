"""First mentions link to their pages: longest name wins; never in headings, quotations, code
or existing links; never to the page itself; terms carry their definition as hover text."""

from __future__ import annotations

from generator.autolink import Linker, Target


def target(key, page, anchor="", title="", priority=0):
    return Target(key=key, page=page, anchor=anchor, title=title, priority=priority)


SIX = target(("practice", "liu-shi"), "practices/liu-shi.md")
TERM = target(("term", "shuang-xiang"), "glossary/index.md", anchor="shuang-xiang", title="双向发力：建言资政和凝聚共识", priority=2)
LINKER = Linker.from_names([
    ("六式协商议政工作法", SIX), ("六式", SIX), ("双向发力", TERM), ("1+N", target(("practice", "1n"), "practices/1n.md")),
])


def link(text, page="index.md", skip=frozenset()):
    return LINKER.link(text, page, skip)[0]


def test_longest_name_wins_and_only_the_first_mention_links():
    out = link("学习六式协商议政工作法。六式很有名。")
    assert out == "学习[六式协商议政工作法](practices/liu-shi.md)。六式很有名。"


def test_term_links_to_its_glossary_anchor_with_hover_text():
    out = link("要坚持双向发力。", page="practices/x.md")
    assert out == '要坚持[双向发力](../glossary/index.md#shuang-xiang "双向发力：建言资政和凝聚共识")。'


def test_nothing_inside_headings_quotes_code_or_links():
    text = "# 六式\n\n> 原文：六式\n\n`六式`\n\n```\n六式\n```\n\n[六式](elsewhere.md) 与 <a href='x'>六式</a>\n"
    assert link(text) == text


def test_heading_mentions_do_not_use_up_the_first_mention():
    out = link("## 六式\n\n正文提到六式。")
    assert out == "## 六式\n\n正文提到[六式](practices/liu-shi.md)。"


def test_never_links_a_page_to_itself():
    assert link("六式很好。", page="practices/liu-shi.md") == "六式很好。"


def test_terms_on_the_glossary_page_link_to_anchors_but_not_to_themselves():
    assert "#shuang-xiang" in link("双向发力", page="glossary/index.md")
    assert link("双向发力", page="glossary/index.md", skip=frozenset({("term", "shuang-xiang")})) == "双向发力"


def test_ascii_names_match_whole_tokens_only():
    assert link("构建1+N格局") == "构建[1+N](practices/1n.md)格局"
    assert link("构建21+N格局") == "构建21+N格局"


def test_html_attributes_are_never_rewritten():
    text = '<abbr title="六式">缩写</abbr>'
    assert link(text) == text


def test_mentions_of_plain_text():
    assert LINKER.mentions("六式与双向发力") == {("practice", "liu-shi"), ("term", "shuang-xiang")}
