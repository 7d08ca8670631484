"""The search index as written at build time (generator/search/build.py); the browser side is
tested in test_search_browser.py against the real site."""

from __future__ import annotations

import random

from generator.search.build import (
    MAX_POSTINGS, NAME_PREFIX, NAME_START, SNIPPET_CHARS, WHOLE_NAME, Document, _script, decode_postings,
    encode_postings, facet_table, fnv1a, kind_ranges, name_key, pinyin_keys, query_tokens, scored_postings,
    simplified_map, tokens,
)


def test_tokens_are_character_pairs_and_latin_words():
    assert tokens("吉思广益") == ["吉思", "思广", "广益"]
    assert tokens("1+N协商议政格局")[:2] == ["1+n", "协商"]
    assert tokens("１＋Ｎ 四六三 463") == ["1+n", "四六", "六三", "463"]  # full width folded
    assert tokens("市") == ["市"]
    assert tokens("县区", unigrams=True) == ["县区", "县", "区"]


def test_names_become_one_token_without_punctuation():
    assert name_key("“容、融、通”") == "容融通"
    assert name_key("相约星期三·民情大家谈") == "相约星期三民情大家谈"
    assert name_key("1+N 协商议政格局") == "1+n协商议政格局"


def test_postings_round_trip():
    rng = random.Random(4)
    for _ in range(30):
        numbers = sorted(rng.sample(range(100_000), rng.randrange(1, 2_000)))
        plist = [(n, rng.choice([0, 1, 31, 32, 511, 512, 4_000, 70_000]), rng.random() < 0.5) for n in numbers]
        text = encode_postings(plist)
        assert decode_postings(text) == plist
        assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_")


def test_postings_are_compact():
    plist = [(n * 7, 100 + n % 50, n % 3 == 0) for n in range(1_000)]
    assert len(encode_postings(plist)) <= 3 * len(plist)


def test_names_and_aliases_are_marked_and_whole():
    docs = [
        Document("practices/a.html", "吉思广益", "practice", "吉林省政协", ["“吉思广益”协商品牌"], "广纳群言。"),
        Document("practices/b.html", "委员议事室", "practice", "", [], "借鉴吉思广益的做法，协商在基层。"),
    ]
    postings = dict(scored_postings(docs))
    assert [n for n, _, _ in postings[NAME_PREFIX + "吉思广益"]] == [0]
    assert [n for n, _, _ in postings[NAME_PREFIX + "吉思广益协商品牌"]] == [0]
    by_doc = {n: (score, named) for n, score, named in postings["吉思"]}
    assert by_doc[0][1] is True and by_doc[1][1] is False
    assert by_doc[0][0] > by_doc[1][0]  # in the name outweighs in the text


def test_a_very_common_token_keeps_its_best_postings():
    docs = [Document(f"p/{i}.html", f"名{i}", "practice", "", [], "协商" * (1 + i % 5)) for i in range(MAX_POSTINGS + 300)]
    plist = dict(scored_postings(docs))["协商"]
    assert len(plist) == MAX_POSTINGS
    assert [n for n, _, _ in plist] == sorted(n for n, _, _ in plist)  # document order, for the gaps


def test_traditional_map_covers_the_sites_characters_only():
    docs = [Document("x.html", "临沧协商", "page", "", [], "里面的头发和干部")]
    mapping = simplified_map(docs)
    for traditional, simplified in {"臨": "临", "滄": "沧", "協": "协", "裡": "里", "裏": "里",
                                    "髮": "发", "幹": "干", "乾": "干", "頭": "头"}.items():
        assert mapping.get(traditional) == simplified, traditional
    assert "國" not in mapping  # 国 is not in this site
    assert all(len(k) == 1 and len(v) == 1 for k, v in mapping.items())


def test_index_scripts_cannot_close_a_script_element():
    text = _script("meta", [0, [["x.html", "</script><script>alert(1)</script>", "page", "", [], ""]]])
    assert "</script>" not in text
    assert text.startswith("window.KB_SEARCH&&KB_SEARCH.meta(")


def test_quotation_marks_do_not_cut_a_phrase():
    # the text says “中立性”主持人; a reader searches for 中立性主持人
    assert tokens("“中立性”主持人") == tokens("中立性主持人")
    assert tokens("《条例》精神") == tokens("条例精神")


def test_names_are_found_by_their_pinyin_and_initials():
    whole, starts = pinyin_keys("吉思广益")
    assert whole == {"jisiguangyi", "jsgy"}
    assert starts == {"jisi", "jisiguang", "js", "jsg"}  # from two syllables, as the reader types
    assert pinyin_keys("板凳协商")[0] == {"bandengxieshang", "bdxs"}
    assert pinyin_keys("绿色")[0] == {"lvse", "ls"}  # ü typed as v, as pinyin keyboards do
    assert pinyin_keys("1+N协商议政格局")[0] == {"1+nxieshangyizhenggeju", "1+nxsyzgj"}
    assert pinyin_keys("“容、融、通”")[0] == {"rongrongtong", "rrt"}
    assert pinyin_keys("463") == (set(), set())  # nothing to spell


def test_pinyin_keys_are_whole_name_tokens_of_the_page():
    docs = [
        Document("practices/a.html", "吉思广益", "practice", "", ["吉林协商品牌"], "广纳群言。"),
        Document("practices/b.html", "吉思", "practice", "", [], ""),
    ]
    postings = dict(scored_postings(docs))
    # the query "jisiguangyi", "ji si guang yi" or "jsgy" is read as the whole-name key jisiguangyi / jsgy
    assert postings[NAME_PREFIX + "jisiguangyi"] == [(0, WHOLE_NAME, True)]
    assert postings[NAME_PREFIX + "jsgy"] == [(0, WHOLE_NAME, True)]
    assert postings[NAME_PREFIX + "jilinxieshangpinpai"] == [(0, WHOLE_NAME, True)]  # aliases too
    # "jisi" is the whole name of b and the start of a
    assert postings[NAME_PREFIX + "jisi"] == [(0, NAME_START, True), (1, WHOLE_NAME, True)]
    # pinyin is name-level only: no syllable or body text becomes a token
    assert "ji" not in postings and "guangnaqunyan" not in postings
    assert not any(tok.startswith(NAME_PREFIX + "guangna") for tok in postings)


def test_question_words_are_dropped_from_a_query():
    assert query_tokens("怎样开展协商在基层") == (tokens("协商在基层"), True)
    assert query_tokens("协商在基层怎么开展") == (tokens("协商在基层"), True)
    assert query_tokens("临沧的政协怎么搞协商") == (["临沧", "政协", "协商"], True)
    assert query_tokens("哪里有委员工作室") == (tokens("委员工作室"), True)
    assert query_tokens("吉思广益是什么") == (tokens("吉思广益"), True)
    assert query_tokens("什么是专门协商机构") == (tokens("专门协商机构"), True)
    assert query_tokens("有哪些基层协商的经验做法") == (tokens("基层协商"), True)
    # no pair across a question word: 样开, 展协 are not asked for
    assert "展协" not in query_tokens("怎样开展协商")[0]


def test_a_query_of_question_words_alone_is_searched_as_it_is():
    assert query_tokens("经验") == (["经验"], False)
    assert query_tokens("做法") == (["做法"], False)
    assert query_tokens("怎么办") == (tokens("怎么办"), False)
    assert query_tokens("是什么干什么怎么干") == (list(dict.fromkeys(tokens("是什么干什么怎么干"))), False)
    # and a query without any is untouched
    assert query_tokens("协商在基层") == (tokens("协商在基层"), False)
    assert query_tokens("1+N") == (["1+n"], False)


def test_documents_are_numbered_kind_by_kind_with_a_digest_of_their_urls():
    docs = [Document("practices/a.html", "甲", "practice"), Document("practices/b.html", "乙", "practice"),
            Document("organizations/c.html", "丙", "organization")]
    assert kind_ranges(docs) == [["practice", 0, 2, fnv1a("practices/a.html\npractices/b.html")],
                                 ["organization", 2, 1, fnv1a("organizations/c.html")]]
    assert fnv1a("") == 0x811C9DC5


def test_facet_table_gives_province_and_level_of_each_document():
    docs = [Document("p/a.html", "甲", "practice", province="云南省", level="市"),
            Document("p/b.html", "乙", "practice", level="县区"),
            Document("o/c.html", "丙", "organization", province="安徽省", level="全国"),
            Document("t/d.html", "丁", "term")]
    table = facet_table(docs)
    assert table["provinces"] == ["云南省", "安徽省"] and table["levels"] == ["全国", "市", "县区"]
    assert table["width"] == 1
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
    codes = [(digits.index(table["codes"][i]), digits.index(table["codes"][i + 1])) for i in range(0, len(table["codes"]), 2)]
    assert codes == [(1, 2), (0, 3), (2, 1)]  # the term (no place) and everything after it left out


def test_index_files_hold_the_rest_of_long_texts_for_snippets(tmp_path):
    from generator.search import build

    long_text = "开头" * 150 + "中立性主持人在后文"
    docs = [Document("practices/a.html", "甲", "practice", body=long_text), Document("practices/b.html", "乙", "practice", body="短")]
    real = build.record_documents
    build.record_documents = lambda graph: docs
    try:
        files, count = build.index_files(None, tmp_path, tmp_path)
    finally:
        build.record_documents = real
    assert count == 2
    assert "x/0.js" in files and "x/1.js" not in files
    assert long_text[SNIPPET_CHARS:] in files["x/0.js"] and "中立性主持人" not in files["d/0.js"]
    assert '"ranges":[["practice",0,2,' in files["manifest.js"] and '"question":["怎么样"' in files["manifest.js"]
    assert files["f.js"].startswith("window.KB_SEARCH&&KB_SEARCH.facets(")
