"""The search index as written at build time (generator/search/build.py); the browser side is
tested in test_search_browser.py against the real site."""

from __future__ import annotations

import random

from generator.search.build import (
    MAX_POSTINGS, NAME_PREFIX, Document, _script, decode_postings, encode_postings, name_key,
    scored_postings, simplified_map, tokens,
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
    postings = scored_postings(docs)
    assert [n for n, _, _ in postings[NAME_PREFIX + "吉思广益"]] == [0]
    assert [n for n, _, _ in postings[NAME_PREFIX + "吉思广益协商品牌"]] == [0]
    by_doc = {n: (score, named) for n, score, named in postings["吉思"]}
    assert by_doc[0][1] is True and by_doc[1][1] is False
    assert by_doc[0][0] > by_doc[1][0]  # in the name outweighs in the text


def test_a_very_common_token_keeps_its_best_postings():
    docs = [Document(f"p/{i}.html", f"名{i}", "practice", "", [], "协商" * (1 + i % 5)) for i in range(MAX_POSTINGS + 300)]
    plist = scored_postings(docs)["协商"]
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
