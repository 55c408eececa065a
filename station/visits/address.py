"""Home-visit addresses: kept exactly as typed, with the parts a walking plan can use.

Why the text is the address: the team must find the door the resident described.
Every paper and list prints ``Address.text``; the parts only order the walk. A part
the parser cannot read stays in the text (and in ``rest``); nothing is ever dropped.

The parts and their order follow public descriptions of Chinese address structure:

- the label set and its partial order (province > city > district > town > community
  > road > road number > POI > building > unit > floor > room), with Shanghai forms
  such as ``柳营路669弄14号1102`` (弄 on the road, 号 in the lane, a bare room number),
  ``沿山村5组6号`` (村民小组 then 号) and ``18幢二单元101`` (Chinese numerals):
  leodotnet/neural-chinese-address-parsing, ``data/anno/anno-cn.md``;
- the suffixes that end a place name (路, 街, 巷, 弄, 村, 镇, 乡 …) and house numbers
  ending in 号, with 甲/乙/丙 before the digits: gaory1/ChineseAddressParser,
  ``src/main/java/ChineseAddressParser.java``;
- GB/T 23705-2009 (数字城市地理信息公共平台地名/地址编码规则): an address is an
  administrative area, then a street or named place, then the door (门牌), building,
  unit and room;
- Shanghai's sixteen districts: GB/T 2260 (中华人民共和国行政区划代码, 3101xx).

Strict: only the forms above are read. A 楼/层 floor, a dash form (``12-3-1001``),
brackets or anything else end the reading there, and the remainder is ``rest``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

# Kinds in the order they are written; the three place kinds may come in any order.
KINDS = ("city", "district", "town", "community", "road", "lane", "group", "number",
         "building", "unit", "room")
AREA_KINDS = frozenset({"city", "district", "town"})
RANK = {"city": 0, "district": 1, "town": 2, "community": 3, "road": 3, "lane": 3,
        "group": 4, "number": 5, "building": 6, "unit": 7, "room": 8}
DOOR_KINDS = ("number", "building", "unit", "room")
MAX_LENGTH = 120  # a longer "address" is a note: booking refuses it, nothing is read

# GB/T 2260: 310101 黄浦区 … 310151 崇明区.
DISTRICTS = ("黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区",
             "宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区")
_CJK = (r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
        r"\U00030000-\U0003134f")
_NAME_CHAR = re.compile(f"[{_CJK}·]")
_CN_DIGITS = "〇零一二两三四五六七八九十百千"
# 甲/乙/丙/丁 before a number (甲17号) as in gaory1/ChineseAddressParser's 号 pattern.
_NUM = rf"(?:[甲乙丙丁]?[0-9０-９]+[A-Za-zＡ-Ｚａ-ｚ]?|[{_CN_DIGITS}]+)"
_SUFFIXES = {
    "town": ("街道", "镇", "乡"),
    "community": ("小区", "新村", "社区", "花园", "家园", "公寓", "大厦", "村", "苑", "里",
                  "坊", "园", "城"),
    "road": ("大道", "公路", "路", "街", "巷"),
}
_NUMBERED = {
    "lane": re.compile(rf"{_NUM}\s*弄(?:\s*{_NUM}\s*支弄)?"),
    "group": re.compile(rf"{_NUM}\s*组"),
    "building": re.compile(rf"{_NUM}\s*(?:号楼|幢|栋|座)"),
    "number": re.compile(rf"{_NUM}\s*号(?!楼)"),
    "unit": re.compile(rf"{_NUM}\s*单元"),
    "room": re.compile(rf"{_NUM}\s*(?:室|房)"),
}
_BARE_ROOM = re.compile(r"[0-9０-９]{2,5}[A-Za-z]?\s*\Z")
_CITY = re.compile(r"上海市|上海")
MAX_NAME = 20


@dataclass(frozen=True)
class Address:
    """The text as typed; the parts read from it, in the order written."""

    text: str
    site: str = ""  # the walking place from the station's own list of sites, or ""
    parts: tuple[tuple[str, str], ...] = ()  # (kind, literal as typed)
    rest: str = ""  # from the first thing not read to the end, as typed

    def part(self, kind: str) -> str:
        return next((lit for k, lit in self.parts if k == kind), "")

    @property
    def community(self) -> str:
        return self.part("community")

    @property
    def road(self) -> str:
        return self.part("road")

    @property
    def complete(self) -> bool:
        """Every character was read as some part."""
        return bool(self.parts) and not self.rest

    @property
    def has_door(self) -> bool:
        return any(self.part(k) for k in DOOR_KINDS)

    @property
    def place(self) -> str:
        """Where the team walks to first: the known site, else the 小区/村 or road."""
        return self.site or self.community or self.road

    def door(self) -> tuple:
        """One stairwell: the same door means no walk between two visits."""
        if not self.parts:
            return (self.place, self.text)
        return (self.place, *(self.part(k) for k in
                              ("community", "road", "lane", "group", "number", "building")))

    def sort_key(self) -> tuple:
        """Place, then lane, group, number, building, unit, room in their numeric order."""
        return (self.place, self.community, self.road,
                *(_natural(self.part(k)) for k in ("lane", "group", "number", "building",
                                                    "unit", "room")), self.rest, self.text)

    def payload(self) -> dict:
        return {"text": self.text, "site": self.site,
                "parts": [[k, lit] for k, lit in self.parts], "rest": self.rest}


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def _cn_number(text: str) -> int | None:
    """一 … 九千九百九十九 as written on doors (十二, 二十, 一百零五, 两)."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    digits.update({"〇": 0, "两": 2})
    units = {"十": 10, "百": 100, "千": 1000}
    total = current = 0
    seen = False
    for ch in text:
        if ch in digits:
            current, seen = digits[ch], True
        elif ch in units:
            total += (current or 1) * units[ch]
            current, seen = 0, True
        else:
            return None
    return total + current if seen else None


def _natural(literal: str) -> tuple:
    """'12号' after '2号', '十二组' after '三组': the order they stand in the street."""
    if not literal:
        return (-1, "")
    m = re.match(r"\s*[甲乙丙丁]?([0-9０-９]+)", literal)
    if m:
        return (int(m.group(1)), literal)
    m = re.match(rf"\s*([{_CN_DIGITS}]+)", literal)
    value = _cn_number(m.group(1)) if m else None
    return (value if value is not None else 10**6, literal)


def _named(kind: str, text: str, start: int) -> list[int]:
    """Ends of every name of ``kind`` starting at ``start`` (a name, then its suffix)."""
    ends = []
    end = start
    while end < len(text) and end - start < MAX_NAME and _NAME_CHAR.match(text, end):
        end += 1
        word = text[start:end]
        if any(word.endswith(s) and len(word) > len(s) for s in _SUFFIXES[kind]):
            ends.append(end)
    return ends


def _candidates(text: str, pos: int, sites: tuple[str, ...]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    if m := _CITY.match(text, pos):
        out.append(("city", m.end()))
    for d in DISTRICTS:
        if text.startswith(d, pos):
            out.append(("district", pos + len(d)))
    for kind in ("town", "community", "road"):
        out += [(kind, end) for end in _named(kind, text, pos)]
    for site in sites:  # the station's own places read as a 小区 ("爱里舍")
        if site and text.startswith(site, pos):
            out.append(("community", pos + len(site)))
    for kind, pattern in _NUMBERED.items():
        if m := pattern.match(text, pos):
            out.append((kind, m.end()))
    if m := _BARE_ROOM.match(text, pos):
        out.append(("bare_room", m.end()))
    return list(dict.fromkeys(out))


def _score(option: tuple) -> tuple:
    """Read furthest; then the fewest, longest parts (爱里舍路, not 爱里 + 舍路), with
    上海市/浦东新区/高桥镇 split off rather than swallowed into a road's name."""
    far, parts, areas, _ = option
    return (far, -parts, areas)


def _parse(text: str, sites: tuple[str, ...]) -> tuple[tuple[tuple[str, int, int], ...], int]:
    """The reading that goes furthest (fewest parts on a tie): (spans, end)."""

    @cache
    def best(pos: int, rank: int, used: frozenset) -> tuple[int, int, int, tuple]:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        result: tuple[int, int, int, tuple] = (pos, 0, 0, ())
        for kind, end in _candidates(text, pos, sites):
            if kind == "bare_room":
                # A bare trailing number is a room only after the door (…14号1102).
                if rank < RANK["number"] or "room" in used:
                    continue
                kind = "room"
            if kind in used or RANK[kind] < rank:
                continue
            far, parts, areas, spans = best(end, RANK[kind], used | {kind})
            area = kind in AREA_KINDS
            option = (far, parts + (not area), areas + area, ((kind, pos, end), *spans))
            if _score(option) > _score(result):
                result = option
        return result

    _, _, _, spans = best(0, 0, frozenset())
    return spans, (spans[-1][2] if spans else 0)


def parse_address(text: str, sites: Iterable[str] = ()) -> Address:
    """The address as typed (outer whitespace trimmed) and what could be read of it.

    ``sites`` are the station's walking places (新成村, 爱里舍 …): one that begins the
    address, its 小区 or its road is the address's ``site``.
    """
    text = (text or "").strip()
    known = tuple(sorted({s.strip() for s in sites if s and s.strip()}, key=len,
                         reverse=True))
    if len(text) > MAX_LENGTH:
        return Address(text=text, site=_site(text, (), known), rest=text)
    spans, end = _parse(text, known)
    parts = tuple((kind, text[a:b].strip()) for kind, a, b in spans)
    rest = text[end:].strip()
    return Address(text=text, site=_site(text, parts, known), parts=parts, rest=rest)


def _site(text: str, parts: tuple[tuple[str, str], ...], known: tuple[str, ...]) -> str:
    squeezed = compact(text)
    names = [squeezed] + [lit for k, lit in parts if k in ("community", "road")]
    after_area = squeezed
    for kind, lit in parts:
        if kind not in ("city", "district", "town"):
            break
        after_area = after_area[len(compact(lit)):]
    names.append(after_area)
    return next((s for s in known if any(n.startswith(s) for n in names)), "")


def legacy_address(old: Mapping) -> Address:
    """An appointment stored before the text was kept ({community, building, unit, room}).

    Its text is what those records always printed ("新成村 12号 3单元 402室"); the road
    and lane that older parser dropped cannot be brought back from it."""
    community, building, unit, room = (str(old.get(k) or "").strip()
                                       for k in ("community", "building", "unit", "room"))
    words = [(kind, word) for kind, word in (
        ("community", community), ("number", building),
        ("unit", f"{unit}单元" if unit else ""), ("room", f"{room}室" if room else ""))
        if word]
    parts: list[tuple[str, str]] = []
    for i, (kind, word) in enumerate(words):
        if kind == "number" and not _NUMBERED["number"].fullmatch(word):
            rest = " ".join(w for _, w in words[i:])
            break
        parts.append((kind, word))
    else:
        rest = ""
    return Address(text=" ".join(w for _, w in words), site=community, parts=tuple(parts),
                   rest=rest)


def address_from_payload(data: object) -> Address:
    """Both stored shapes; a stored part that does not fit its text is ignored, never
    trusted: the text is what the team reads."""
    if not isinstance(data, Mapping):
        return Address(text="")
    if "text" not in data:
        return legacy_address(data)
    text = str(data.get("text") or "")
    site = str(data.get("site") or "")
    raw_parts = data.get("parts")
    rest = str(data.get("rest") or "")
    parts: list[tuple[str, str]] = []
    if isinstance(raw_parts, list):
        for item in raw_parts:
            if (isinstance(item, list | tuple) and len(item) == 2 and item[0] in KINDS
                    and isinstance(item[1], str)):
                parts.append((item[0], item[1]))
            else:
                parts = []
                break
    if compact("".join(lit for _, lit in parts) + rest) != compact(text):
        parts, rest = [], text
    return Address(text=text, site=site, parts=tuple(parts), rest=rest)
