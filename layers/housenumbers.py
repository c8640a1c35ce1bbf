"""House numbers as written in Ukraine and Russia-era registers, split into their parts.

"12", "12А", "12/1", "12 корп. 2", "12к2", "буд. 7-б" all occur for one idea: a number, an
optional letter (Ukrainian, upper case), an optional fraction (the corner number after "/")
and an optional корпус (block). ``key`` joins them canonically, so "12 к.2" and "12к2" meet:

    number + letter + ("/" + fraction) + ("к" + block)      e.g. "12А/1к2"

Pure Python, no Django: importers, the geocoder and the demo city share it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

# Latin letters typed for Cyrillic ones (by look or by transliteration: 12b is 12Б, not 12В),
# and Russian letters that have a Ukrainian counterpart in house numbers.
_LETTER_MAP = str.maketrans({
    "A": "А", "B": "Б", "V": "В", "G": "Г", "D": "Д", "E": "Е", "C": "С", "K": "К", "M": "М",
    "H": "Н", "O": "О", "P": "Р", "T": "Т", "X": "Х", "I": "І",
    "Ё": "Е", "Э": "Е", "Ы": "И",
})

_L = "A-Za-zА-Яа-яЁёЄєІіЇїҐґ"
_HOUSENUMBER = re.compile(
    rf"""^\s*
    (?:(?:будинок|буд|дом|д|№)\s*\.?\s*)?              # a prefix word: буд. 12, д.12, №12
    (?P<number>\d{{1,6}})
    \s*-?\s*
    (?:(?P<letter>[{_L}])(?![{_L}])(?![\s.]*\d))?    # a lone letter, not the к of к2
    (?:\s*/\s*(?P<fraction>\d{{1,4}}\s*-?\s*[{_L}]?)(?![{_L}]))?
    (?:\s*,?\s*(?:корпус|корп|кор|к)\s*\.?\s*-?\s*(?P<block>\d{{1,3}}|[{_L}]))?
    \s*$""",
    re.VERBOSE | re.IGNORECASE,
)


class HouseNumber(NamedTuple):
    number: int | None
    letter: str
    fraction: str
    block: str
    key: str


def _letter(text: str) -> str:
    return text.strip().upper().translate(_LETTER_MAP)


@lru_cache(maxsize=65536)
def parse_housenumber(text: str) -> HouseNumber:
    """Split a house number into number, letter, fraction, корпус, and their canonical key.

    >>> parse_housenumber("12")
    HouseNumber(number=12, letter='', fraction='', block='', key='12')
    >>> parse_housenumber("12а")
    HouseNumber(number=12, letter='А', fraction='', block='', key='12А')
    >>> parse_housenumber("12/1")
    HouseNumber(number=12, letter='', fraction='1', block='', key='12/1')
    >>> parse_housenumber("12 корп. 2")
    HouseNumber(number=12, letter='', fraction='', block='2', key='12к2')
    >>> parse_housenumber("12к2").key, parse_housenumber("12 к.2").key, parse_housenumber("12, корпус 2").key
    ('12к2', '12к2', '12к2')
    >>> parse_housenumber("12А/1 корп. 2").key
    '12А/1к2'
    >>> parse_housenumber("буд. 7-б").key, parse_housenumber("д.7b").key, parse_housenumber("7 Б").key
    ('7Б', '7Б', '7Б')
    >>> parse_housenumber("12К")
    HouseNumber(number=12, letter='К', fraction='', block='', key='12К')

    Text that is not a house number keeps number None and a tidied key, so it still matches itself:

    >>> parse_housenumber("біля ринку")
    HouseNumber(number=None, letter='', fraction='', block='', key='БІЛЯ РИНКУ')
    >>> parse_housenumber("")
    HouseNumber(number=None, letter='', fraction='', block='', key='')
    """
    m = _HOUSENUMBER.match(text or "")
    if m is None:
        return HouseNumber(None, "", "", "", " ".join((text or "").upper().split())[:32])
    number = int(m["number"])
    letter = _letter(m["letter"] or "")
    fraction = re.sub(r"[\s-]", "", m["fraction"] or "")
    fraction = "".join(ch if ch.isdigit() else _letter(ch) for ch in fraction)
    block = m["block"] or ""
    block = block if block.isdigit() else _letter(block)
    key = f"{number}{letter}" + (f"/{fraction}" if fraction else "") + (f"к{block}" if block else "")
    return HouseNumber(number, letter, fraction, block, key)
