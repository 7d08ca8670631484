"""The province tile map: China's 34 provincial-level divisions as equal squares.

A tile grid is a chart, not a map: each division is one square in roughly its place (north at
the top, west on the left), with no boundary, coastline or island drawn. A map that draws
boundaries must be an approved one (审图号); a tile grid shows only names in a grid, so it needs
none. The grid was laid out from the divisions' capitals (longitude → column, latitude → row),
then nudged so that neighbours stay neighbours and no two share a square.

Names are the official ones (the short form on the tile, the full name for screen readers and
the hover text); the knowledge base's region records are matched to them by name or alias.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import KnowledgeBase, Region

if TYPE_CHECKING:
    from .link import Graph

# (short name, official full name, column, row)
PROVINCES: tuple[tuple[str, str, int, int], ...] = (
    ("黑龙江", "黑龙江省", 9, 0),
    ("新疆", "新疆维吾尔自治区", 1, 1), ("内蒙古", "内蒙古自治区", 6, 1), ("吉林", "吉林省", 9, 1),
    ("宁夏", "宁夏回族自治区", 4, 2), ("山西", "山西省", 5, 2), ("河北", "河北省", 6, 2), ("北京", "北京市", 7, 2),
    ("辽宁", "辽宁省", 8, 2),
    ("青海", "青海省", 2, 3), ("甘肃", "甘肃省", 3, 3), ("陕西", "陕西省", 4, 3), ("河南", "河南省", 5, 3),
    ("山东", "山东省", 6, 3), ("天津", "天津市", 7, 3),
    ("西藏", "西藏自治区", 1, 4), ("四川", "四川省", 3, 4), ("重庆", "重庆市", 4, 4), ("湖北", "湖北省", 5, 4),
    ("安徽", "安徽省", 6, 4), ("江苏", "江苏省", 7, 4), ("上海", "上海市", 8, 4),
    ("云南", "云南省", 3, 5), ("贵州", "贵州省", 4, 5), ("湖南", "湖南省", 5, 5), ("江西", "江西省", 6, 5),
    ("浙江", "浙江省", 7, 5),
    ("广西", "广西壮族自治区", 4, 6), ("广东", "广东省", 5, 6), ("福建", "福建省", 6, 6), ("台湾", "台湾省", 7, 6),
    ("澳门", "澳门特别行政区", 5, 7), ("香港", "香港特别行政区", 6, 7),
    ("海南", "海南省", 4, 8),
)
COLUMNS = 1 + max(column for _, _, column, _ in PROVINCES)
ROWS = 1 + max(row for _, _, _, row in PROVINCES)


@dataclass(frozen=True)
class Tile:
    short: str
    full: str
    column: int  # 1-based, as CSS grid lines count
    row: int
    region: Region | None  # the knowledge base's record of this province, if any
    count: int  # practices in it (sub-regions included)
    shade: int  # 0 (none) to 4 (as many as the fullest province): how dark the tile is


def _by_name(kb: KnowledgeBase) -> dict[str, Region]:
    by_name: dict[str, Region] = {}
    for region in kb.regions.values():
        if region.parent is None:
            for name in region.names:
                by_name.setdefault(name, region)
    return by_name


def province_tiles(g: "Graph") -> list[Tile]:
    """One tile per provincial-level division, with its region record and practice count."""
    by_name = _by_name(g.kb)
    counts = []
    for short, full, column, row in PROVINCES:
        region = by_name.get(full) or by_name.get(short)
        counts.append((short, full, column, row, region, len(g.by_region.get(region.id, [])) if region else 0))
    most = max((c[-1] for c in counts), default=0) or 1
    return [Tile(short, full, column + 1, row + 1, region, count, -(-4 * count // most))
            for short, full, column, row, region, count in counts]


def unmatched_provinces(kb: KnowledgeBase) -> list[Region]:
    """Top-level region records no tile stands for (a misspelt name would vanish from the map)."""
    known = {name for short, full, _, _ in PROVINCES for name in (short, full)}
    return [r for r in kb.regions.values() if r.parent is None and not known.intersection(r.names)]
