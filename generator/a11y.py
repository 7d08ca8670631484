"""Screen-reader semantics that Markdown tables cannot express, added to the built HTML.

A Markdown table has header cells only in its first row. The stage matrix (实践 × 协商环节) and
the side-by-side comparisons of course modules name each row in its first cell, so a screen
reader moving along a row should hear that name with every cell: the first cell of each body row
becomes ``<th scope="row">`` and the header cells ``<th scope="col">``. Only tables directly inside
``<div class="kb-matrix">`` and ``<div class="kb-side">`` (written by ``_macros.j2``) are touched;
their look is kept by kb.css.
"""

from __future__ import annotations

import re

_TABLE = re.compile(r'(<div class="kb-(?:matrix|side)">\s*<table>)(.*?)(</table>)', re.S)
_HEAD = re.compile(r"<thead>.*?</thead>", re.S)
_BODY = re.compile(r"<tbody>.*?</tbody>", re.S)
_COLUMN_HEADER = re.compile(r"<th(?=[\s>])(?![^>]*\bscope=)")
_FIRST_CELL = re.compile(r"<tr>(\s*)<td((?:\s[^>]*)?)>(.*?)</td>", re.S)


def _rows(table: str) -> str:
    table = _HEAD.sub(lambda m: _COLUMN_HEADER.sub('<th scope="col"', m.group(0)), table)
    return _BODY.sub(lambda m: _FIRST_CELL.sub(r'<tr>\1<th scope="row"\2>\3</th>', m.group(0)), table)


def row_headers(html: str) -> str:
    """The page's HTML with row and column headers marked in comparison tables."""
    if 'class="kb-matrix"' not in html and 'class="kb-side"' not in html:
        return html
    return _TABLE.sub(lambda m: m.group(1) + _rows(m.group(2)) + m.group(3), html)
