"""Stage 6b — the search index, written after mkdocs has built the site.

Chinese has no spaces, and a segmenter cuts names it does not know (吉思广益, 双反馈一验证).
So the index is built from overlapping character pairs (bigrams): any phrase of two or more
characters is found wherever it stands, whole names stay findable, and nothing depends on a
dictionary. Runs of Latin letters and digits (1+N, 463) are kept as words.

The index is split so that a browser downloads only what a query needs, from any sub-path and
from file:// (no fetch, no XHR — every file is a script that hands its data to
``window.KB_SEARCH``):

- ``search/manifest.js``: shard count, document count, and the Traditional→Simplified map of
  the characters that occur in the site (so 臨滄 finds 临沧);
- ``search/t/<n>.js``: the posting lists of the tokens whose hash falls in shard n. A posting
  is a document number, a precomputed BM25F score and a bit saying whether the token is in the
  document's name or aliases, written compactly (``encode_postings``). Every name and alias is
  also a token of its own (``=`` + the name without punctuation), so the page whose name is
  the query is known from the index alone;
- ``search/d/<n>.js``: title, URL, kind, subtitle, aliases and the first lines of text of 10
  documents, loaded only for the results shown (the order is known from the index alone, so
  a query costs two rounds of script loads: its shards, then the data of what it shows);
- ``search/x/<n>.js``: the rest of one document's text, for documents longer than the first
  lines: loaded by the results page for a shown result whose first lines do not hold the query,
  so its snippet can show the place where the query occurs;
- ``search/f.js``: province and level of every document (two characters each), for the
  results page's filters. Documents are numbered kind by kind, so a document's kind is known
  from its number (``ranges`` in the manifest).

Names are also findable by their pinyin (``jisiguangyi``, ``jsgy`` → 吉思广益), written as
whole-name tokens too, and question words in a query (怎么、如何、哪些 …) are dropped before it is
cut into pairs (``query_tokens``; search.js does the same with the list from the manifest).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from .. import paths
from ..link import Graph
from ..markdown_text import join_lines
from ..model import Course, Level, Method, Organization, Practice, Record, Region, Source, Term, Theme
from ..text import pinyin_syllables

INDEX_DIR = "search"
# Page data is read only for the few results shown; they are spread over the whole numbering,
# so small files keep what a query loads small.
DOCS_PER_META_FILE = 10
TARGET_SHARD_BYTES = 32_000
MAX_POSTINGS = 2_000  # per token; beyond this a token is too common to rank by (idf ≈ 0)
SNIPPET_CHARS = 200
# The rest of a document's text, for snippets around the query; a record's text fields are at
# most 4,000 characters each, and a snippet beyond this is taken from the start instead.
TEXT_CHARS = 8_000
SCORE_SCALE = 10  # scores are stored as round(score × 10)
NAME_PREFIX = "="  # whole-name tokens: "=" + name_key(name)

# field weights (BM25F): a name outranks a subtitle, which outranks the body
WEIGHTS = {"title": 12.0, "subtitle": 3.0, "body": 1.0}
K1, B = 1.2, 0.6

_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[0-9a-z]+(?:\+[0-9a-z]+)*\+?")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
QUOTES = "“”‘’「」『』《》〈〉\"'"  # search.js has the same list
_QUOTES = str.maketrans("", "", QUOTES)

# Documents are numbered kind by kind in this order, so a number tells its kind (the results
# page filters by kind without loading anything); the kinds with a province and level first.
KIND_ORDER = (Practice.type_name, Organization.type_name, Region.type_name, Method.type_name, Term.type_name,
              Theme.type_name, Source.type_name, Course.type_name, "page")

# What the results page calls each kind: the record type's own label (in this order: the
# manifest is written in it).
KIND_LABELS = {
    **{t.type_name: t.type_label for t in (Practice, Organization, Region, Theme, Source, Method, Term, Course)},
    "page": "页面",
}


# Words of a question that say nothing about what is sought: "怎样开展协商在基层" is a search
# for 协商在基层. Removed from a query before it is cut into pairs (pairs across them, 样开 or
# 展协, are dropped too), unless nothing else is left: "经验" alone is still searched.
QUESTION_WORDS = (
    "怎么样", "怎么办", "怎么搞", "怎么做", "怎么", "怎样", "如何", "开展", "进行", "哪些", "哪里有", "哪里",
    "哪儿", "哪个", "哪家", "是什么", "什么是", "什么意思", "有什么", "什么", "有哪些", "有没有", "是不是", "为什么", "做法", "经验",
    "请问", "介绍一下", "介绍", "一下", "搞", "的", "吗", "呢", "吧", "呀", "啊",
)
# A name is also found by its pinyin: whole (jisiguangyi), initials (jsgy), and as the reader
# types, from two syllables or two initials up to this many.
PINYIN_PREFIXES = 6


def normalize(text: str) -> str:
    """The form both the index and the query are read in: NFKC (full-width letters and digits
    become ASCII), lower case. The browser applies the same steps plus 繁→简."""
    return unicodedata.normalize("NFKC", text).lower()


def name_key(text: str) -> str:
    """A name as one token: normalized, without spaces and punctuation (“容、融、通” → 容融通)."""
    return "".join(m.group() for m in _TOKEN.finditer(normalize(text)))


def tokens(text: str, unigrams: bool = False) -> list[str]:
    """Bigrams of Chinese runs (a one-character run is kept as it is), words of Latin runs.
    Quotation marks do not cut a run: “中立性”主持人 holds 中立性主持人, as a reader means it.
    With ``unigrams``, single characters too — only for titles, so one-character queries
    (市, 县) still find names without every page's every character in the index."""
    out: list[str] = []
    for match in _TOKEN.finditer(normalize(text).translate(_QUOTES)):
        run = match.group()
        if not _CJK.match(run):
            out.append(run)
            continue
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(map(str.__add__, run, run[1:]))  # the character pairs
        if unigrams and len(run) > 1:
            out.extend(run)
    return out


def query_tokens(query: str) -> tuple[list[str], bool]:
    """The tokens a query is searched by, and whether question words were dropped from it.
    search.js reads a query the same way (with QUESTION_WORDS from the manifest)."""
    text = normalize(query)
    words = sorted(set(QUESTION_WORDS), key=len, reverse=True)
    pieces, start, i, dropped = [], 0, 0, False
    while i < len(text):
        word = next((w for w in words if text.startswith(w, i)), None)
        if word:
            pieces.append(text[start:i])
            i = start = i + len(word)
            dropped = True
        else:
            i += 1
    pieces.append(text[start:])
    kept: list[str] = []
    for piece in pieces:
        for tok in tokens(piece):
            # a lone character left between question words (搞 in 怎么搞) says nothing either
            if dropped and len(tok) == 1 and _CJK.match(tok):
                continue
            if tok not in kept:
                kept.append(tok)
    if not kept:
        return list(dict.fromkeys(tokens(query))), False
    return kept, dropped


def pinyin_keys(name: str) -> tuple[set[str], set[str]]:
    """A name's pinyin as whole-name keys: (the keys that are the whole name, the keys a reader
    typing it passes through). 吉思广益 → ({jisiguangyi, jsgy}, {jisi, jisiguang, jsg, js}).
    Letters and digits in the name stay as they are (1+N协商 → 1+nxieshang, 1+nxs)."""
    text = normalize(name)
    syllables = pinyin_syllables(text)
    if len(syllables) != len(text) or not _CJK.search(text):
        return set(), set()
    full, initials, prefixes = [], [], set()
    spelled = 0
    for char, syllable in zip(text, syllables):
        if _CJK.match(char) and syllable.isascii() and syllable.isalpha():
            full.append(syllable.lower())
            initials.append(syllable[0].lower())
            spelled += 1
            if 2 <= spelled <= PINYIN_PREFIXES:
                prefixes.add(name_key("".join(full)))
                prefixes.add(name_key("".join(initials)))
        else:
            full.append(char)
            initials.append(char)
    if not spelled:
        return set(), set()
    whole = {name_key("".join(full)), name_key("".join(initials))} - {""}
    return whole, prefixes - whole - {""}


@dataclass
class Document:
    url: str  # site-relative
    title: str
    kind: str
    subtitle: str = ""
    aliases: list[str] = field(default_factory=list)
    body: str = ""
    province: str = ""  # for the results page's filters
    level: str = ""

    def fields(self) -> dict[str, list[str]]:
        return {
            "title": tokens(" ".join([self.title, *self.aliases]), unigrams=True),
            "subtitle": tokens(self.subtitle),
            "body": tokens(self.body),
        }


def _text(*parts) -> str:
    return join_lines(" ".join(p for p in parts if p))


def record_documents(g: Graph) -> list[Document]:
    """One document per record page (and per glossary term), from the model, not the HTML:
    what a record is called and what it says, without the navigation around it."""
    kb = g.kb
    docs: list[Document] = []

    def url(record: Record) -> str:
        return paths.page_url(paths.page_of(record), paths.record_anchor(record.type_name, record.id))

    for p in kb.practices.values():
        body = _text(
            p.summary, p.period,
            *(f"{c.name} {c.description}" for c in p.components),
            *(f"{s.stage.value} {s.name} {s.description}" for s in p.steps),
            *(o.text for o in p.outcomes),
            *(kb.methods[m].name for m in p.methods if m in kb.methods),
            *(kb.themes[t].name for t in p.themes if t in kb.themes),
            *p.tags,
        )
        place = g.place(p)
        docs.append(Document(url(p), p.name, p.type_name, place.line, list(p.aliases), body,
                             place.province_name, place.level.value))
    for o in kb.organizations.values():
        place = g.place(o)
        subtitle = " · ".join(x for x in (place.level.value, place.region_text) if x)
        docs.append(Document(url(o), o.name, o.type_name, subtitle, list(o.aliases), _text(o.description),
                             place.province_name, place.level.value))
    for r in kb.regions.values():
        place = g.place(r)
        docs.append(Document(url(r), r.name, r.type_name, place.region_text, list(r.aliases), "",
                             place.province_name, place.level.value))
    for t in kb.themes.values():
        docs.append(Document(url(t), t.name, t.type_name, t.type_label, list(t.aliases), _text(t.description)))
    for m in kb.methods.values():
        docs.append(Document(url(m), m.name, m.type_name, m.type_label, list(m.aliases), _text(m.description)))
    for s in kb.sources.values():
        subtitle = " · ".join(x for x in (s.kind.value, s.speaker or "", s.office or "", s.outlet or "") if x)
        docs.append(Document(url(s), s.name, s.type_name, subtitle, list(s.aliases), _text(s.summary)))
    for t in kb.terms.values():
        docs.append(Document(url(t), t.name, t.type_name, t.type_label, list(t.aliases), _text(t.definition)))
    for c in kb.courses.values():
        body = _text(c.summary, *(m.title for m in c.modules), *(o for m in c.modules for o in m.objectives))
        docs.append(Document(url(c), c.name, c.type_name, c.audience, list(c.aliases), body))
    return docs


class _ArticleText(HTMLParser):
    """Title and text of a hand-written page's article, without scripts and navigation."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside <article>
        self.skip = 0  # inside <script>/<style>
        self.in_h1 = False
        self.title = ""
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.depth += 1
        elif tag in ("script", "style"):
            self.skip += 1
        elif tag == "h1" and self.depth:
            self.in_h1 = True

    def handle_endtag(self, tag):
        if tag == "article":
            self.depth = max(0, self.depth - 1)
        elif tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag == "h1":
            self.in_h1 = False

    def handle_data(self, data):
        if self.depth and not self.skip:
            if self.in_h1:
                self.title += data
            else:
                self.parts.append(data)


def page_documents(site_dir: Path, docs_dir: Path) -> list[Document]:
    """The hand-written pages (home, guide, contributing …), read from the built HTML."""
    docs: list[Document] = []
    generated = tuple(f"{folder}/" for folder in paths.GENERATED_FOLDERS)
    for source in sorted(docs_dir.rglob("*.md")):
        rel = source.relative_to(docs_dir).as_posix()
        if rel.startswith(generated):
            continue
        built = site_dir / paths.page_url(rel)
        if not built.is_file():
            continue
        parser = _ArticleText()
        parser.feed(built.read_text(encoding="utf-8", errors="replace"))
        title = join_lines(parser.title) or rel
        docs.append(Document(paths.page_url(rel), title, "page", "页面", [], join_lines(" ".join(parser.parts))))
    return docs


def fnv1a(text: str) -> int:
    """FNV-1a over the bytes of the UTF-16 code units — the browser computes the same number."""
    h = 0x811C9DC5
    for unit in text.encode("utf-16-le"):
        h ^= unit
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def shard_of(token: str, shards: int) -> int:
    return fnv1a(token) % shards


WHOLE_NAME, NAME_START = 0, 1  # the score of a whole-name token: the name itself, or how it begins


def name_tokens(doc: Document) -> dict[str, int]:
    """A document's whole-name keys (without NAME_PREFIX): each name and alias as it is
    written and in pinyin, and the pinyin a reader passes through while typing one."""
    keys: dict[str, int] = {}
    for name in (doc.title, *doc.aliases):
        whole, starts = pinyin_keys(name)
        for key in starts:
            keys.setdefault(key, NAME_START)
        for key in {name_key(name), *whole} - {""}:
            keys[key] = WHOLE_NAME
    return keys


def scored_postings(docs: list[Document]) -> Iterator[tuple[str, list[tuple[int, int, bool]]]]:
    """token -> [(document number, round(score × 10), token is in the name)], in document
    order, one token at a time. BM25F with the field weights above; idf is folded in at build
    time, so a query only adds numbers up. A token in more than MAX_POSTINGS documents keeps its
    best-scoring ones. Each name and alias also gives whole-name tokens, in characters and in
    pinyin (score 0 for the whole name, 1 for the start of its pinyin: they only mark the page).

    BM25 needs every document's length before any score, so the documents are read once into
    two flat arrays per token (document number with the name bit, and the weighted term
    frequency) and scored token by token. A Counter per document and a tuple per posting held
    about 3 GB at 20,000 practices; the arrays hold a sixth of that."""
    raw: dict[str, tuple[array, array]] = {}
    lengths: list[float] = []
    df: Counter = Counter()
    for number, doc in enumerate(docs):
        weighted: Counter = Counter()
        length = 0.0
        fields = doc.fields()
        for name, toks in fields.items():
            weight = WEIGHTS[name]
            for tok in toks:
                weighted[tok] += weight
            length += weight * len(toks)
        lengths.append(length)
        df.update(weighted.keys())
        names = set(fields["title"])
        for tok, tf in weighted.items():
            _posting(raw, tok, number * 2 + (tok in names), tf)
        for key, kind in sorted(name_tokens(doc).items()):
            _posting(raw, NAME_PREFIX + key, number * 2 + 1, -1.0 - kind)  # a fixed score, not BM25
    average = (sum(lengths) / len(lengths)) if lengths else 1.0
    norms = [K1 * (1 - B + B * length / average) for length in lengths]
    n = len(docs)
    while raw:
        tok, (numbers, frequencies) = raw.popitem()
        idf = math.log(1 + (n - df[tok] + 0.5) / (df[tok] + 0.5)) if tok in df else 0.0
        plist = []
        for packed, tf in zip(numbers, frequencies):
            number = packed >> 1
            if tf < 0:
                plist.append((number, int(-1.0 - tf), True))
            else:
                score = idf * tf * (K1 + 1) / (tf + norms[number])
                plist.append((number, max(1, round(score * SCORE_SCALE)), bool(packed & 1)))
        if len(plist) > MAX_POSTINGS:
            plist.sort(key=lambda x: (-x[1], x[0]))
            del plist[MAX_POSTINGS:]
            plist.sort()
        yield tok, plist


def _posting(raw: dict, tok: str, packed: int, tf: float) -> None:
    entry = raw.get(tok)
    if entry is None:
        raw[tok] = entry = (array("q"), array("d"))
    entry[0].append(packed)
    entry[1].append(tf)


# 64 characters that need no escaping in JSON or JavaScript strings.
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"


def _varint(value: int, out: list[str]) -> None:
    """Base 32, most significant digit first; every digit but the last is written from the
    upper half of the alphabet, so numbers need no separator."""
    if value < len(_SMALL):
        out.append(_SMALL[value])
        return
    digits = [value & 31]
    value >>= 5
    while value:
        digits.append(value & 31)
        value >>= 5
    for d in reversed(digits[1:]):
        out.append(_DIGITS[32 + d])
    out.append(_DIGITS[digits[0]])


# the one- and two-digit numbers (below 1024), ready made: nearly every gap and score
_SMALL = [_DIGITS[v] if v < 32 else _DIGITS[32 + (v >> 5)] + _DIGITS[v & 31] for v in range(1024)]


def encode_postings(plist: list[tuple[int, int, bool]]) -> str:
    """Postings as one string: for each, the gap from the previous document number, then
    score × 2 + 1 if the token is in the name. About 3–4 characters a posting, where a JSON
    array of numbers takes 10–12 (and no server compresses it under file://)."""
    out: list[str] = []
    small, limit = _SMALL, len(_SMALL)
    previous = 0
    for number, score, named in plist:
        gap, packed = number - previous, score * 2 + (1 if named else 0)
        if gap < limit:
            out.append(small[gap])
        else:
            _varint(gap, out)
        if packed < limit:
            out.append(small[packed])
        else:
            _varint(packed, out)
        previous = number
    return "".join(out)


def decode_postings(text: str) -> list[tuple[int, int, bool]]:
    """The inverse of encode_postings (search.js reads it the same way); for tests."""
    values, value = [], 0
    for ch in text:
        d = _DIGITS.index(ch)
        if d >= 32:
            value = value * 32 + d - 32
        else:
            values.append(value * 32 + d)
            value = 0
    out, number = [], 0
    for gap, packed in zip(values[::2], values[1::2]):
        number += gap
        out.append((number, packed >> 1, bool(packed & 1)))
    return out


_CJK_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


def simplified_map(docs: list[Document]) -> dict[str, str]:
    """Traditional → Simplified, one character to one, for the characters whose Simplified
    form occurs in the site: every CJK character is run through OpenCC's t2s (and its Taiwan
    and Hong Kong variants, e.g. 裡 and 裏 both → 里, 髮 and 發 → 发), so the browser needs no
    converter and no dictionary larger than the site's own characters."""
    from opencc import OpenCC

    present = set("".join(doc.title + doc.subtitle + doc.body + "".join(doc.aliases) for doc in docs))
    chars = [chr(c) for start, stop in _CJK_BLOCKS for c in range(start, stop)]
    mapping: dict[str, str] = {}
    for config in ("t2s", "tw2s", "hk2s"):
        # one character a line: no phrase rule can join neighbours
        converted = OpenCC(config).convert("\n".join(chars)).split("\n")
        if len(converted) != len(chars):
            continue
        for traditional, simplified in zip(chars, converted):
            if traditional != simplified and len(simplified) == 1 and simplified in present:
                mapping.setdefault(traditional, simplified)
    return dict(sorted(mapping.items()))


def _script(call: str, payload) -> str:
    # "</" escaped: record text cannot close a script element even if the file is inlined
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"window.KB_SEARCH&&KB_SEARCH.{call}({data});\n"


def kind_ranges(docs: list[Document]) -> list[list]:
    """[kind, first number, count, digest of the URLs] for each kind, in numbering order. Within
    a kind documents are in URL order, so a page that lists every practice (the browse page)
    can tell a practice's number from its URL; the digest says the lists are the same."""
    ranges: list[list] = []
    for number, doc in enumerate(docs):
        if ranges and ranges[-1][0] == doc.kind:
            ranges[-1][2] += 1
        else:
            ranges.append([doc.kind, number, 1])
    for entry in ranges:
        entry.append(fnv1a("\n".join(d.url for d in docs[entry[1]:entry[1] + entry[2]])))
    return ranges


def facet_table(docs: list[Document]) -> dict:
    """Province and level of each document, as fixed-width base-64 codes in one string (0 for
    none): the results page counts and filters any number of hits without loading their data.
    Only the documents up to the last one with a province or level are written."""
    provinces = sorted({d.province for d in docs} - {""})
    levels = [lv.value for lv in Level if any(d.level == lv.value for d in docs)]
    levels += sorted({d.level for d in docs} - set(levels) - {""})
    width = 1
    while 64 ** width <= max(len(provinces), len(levels)):
        width += 1
    province_code = {v: i + 1 for i, v in enumerate(provinces)}
    level_code = {v: i + 1 for i, v in enumerate(levels)}
    last = max((n for n, d in enumerate(docs) if d.province or d.level), default=-1)

    def code(value: int) -> str:
        return "".join(_DIGITS[(value >> (6 * k)) & 63] for k in reversed(range(width)))

    codes = "".join(code(province_code.get(d.province, 0)) + code(level_code.get(d.level, 0)) for d in docs[:last + 1])
    return {"provinces": provinces, "levels": levels, "width": width, "codes": codes}


def index_files(graph: Graph, site_dir: Path, docs_dir: Path) -> tuple[dict[str, str], int]:
    """The search/ folder's files (path inside it -> text), computed without writing anything,
    and the number of documents in them."""
    docs = record_documents(graph) + page_documents(site_dir, docs_dir)
    order = {kind: n for n, kind in enumerate(KIND_ORDER)}
    # deterministic numbering (same data, same bytes), kind by kind
    docs.sort(key=lambda d: (order.get(d.kind, len(order)), d.kind, d.url))
    encoded = {tok: encode_postings(plist) for tok, plist in scored_postings(docs)}
    estimated = sum(len(tok) * 3 + len(text) + 6 for tok, text in encoded.items())
    shards = max(1, math.ceil(estimated / TARGET_SHARD_BYTES))
    grouped: list[dict[str, str]] = [dict() for _ in range(shards)]
    for tok in sorted(encoded):
        grouped[shard_of(tok, shards)][tok] = encoded[tok]
    files: dict[str, str] = {
        "manifest.js": _script("manifest", {
            "version": 4, "documents": len(docs), "shards": shards, "perMeta": DOCS_PER_META_FILE,
            "scale": SCORE_SCALE, "name": NAME_PREFIX, "snippet": SNIPPET_CHARS,
            "kinds": KIND_LABELS, "ranges": kind_ranges(docs), "question": list(QUESTION_WORDS),
            "t2s": simplified_map(docs),
        }),
        "f.js": _script("facets", facet_table(docs)),
    }
    for number, group in enumerate(grouped):
        files[f"t/{number}.js"] = _script("shard", [number, group])
    for start in range(0, len(docs), DOCS_PER_META_FILE):
        # the last field: whether x/<number>.js holds more text
        chunk = [[d.url, d.title, d.kind, d.subtitle, d.aliases, d.body[:SNIPPET_CHARS], int(len(d.body) > SNIPPET_CHARS)]
                 for d in docs[start:start + DOCS_PER_META_FILE]]
        files[f"d/{start // DOCS_PER_META_FILE}.js"] = _script("meta", [start // DOCS_PER_META_FILE, chunk])
    for number, doc in enumerate(docs):
        if len(doc.body) > SNIPPET_CHARS:
            files[f"x/{number}.js"] = _script("text", [number, doc.body[SNIPPET_CHARS:TEXT_CHARS]])
    return files, len(docs)


def install_index(site_dir: Path, files: dict[str, str]) -> int:
    """Write the files beside the old index and swap them in, so a browser never meets half of
    one (kb serve rewrites the index while pages are being read). Returns the bytes written."""
    out = site_dir / INDEX_DIR
    fresh = site_dir / f".{INDEX_DIR}-new"
    shutil.rmtree(fresh, ignore_errors=True)
    (fresh / "t").mkdir(parents=True)
    (fresh / "d").mkdir()
    (fresh / "x").mkdir()
    written = 0
    for rel, text in files.items():
        data = text.encode("utf-8")
        (fresh / rel).write_bytes(data)
        written += len(data)
    old = site_dir / f".{INDEX_DIR}-old"
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    fresh.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return written


def write_search_index(graph: Graph, site_dir: Path, docs_dir: Path) -> dict[str, int]:
    """Write search/ into the built site. Returns sizes for the build summary and benchmarks."""
    files, documents = index_files(graph, site_dir, docs_dir)
    shards = sum(1 for rel in files if rel.startswith("t/"))
    return {"documents": documents, "shards": shards, "bytes": install_index(site_dir, files)}
