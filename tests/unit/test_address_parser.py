"""The parser against the 751 labelled Ukrainian addresses of data/addresses/uaddress_labelled.xml.

They come from other cities (Kyiv, Dnipro, Kryvyi Rih...), so this measures the parser, not the
gazetteer. The input is each address from its first street-level token on (street, street type,
house) to the end, the way a dispatcher hears it once the city is known; the region and locality
before it are left out because no parser can tell "Київ Якуба Коласа 2" apart without a gazetteer of
other cities. Street names are compared by their short key (case, RU/UA letters, apostrophes,
initials folded on both sides), the street type as canonical type, the house as its canonical key
(label HouseNumber + HouseNumberAdditionally + Housing), the flat as its digits.

The file's tags are the words of the text split at spaces, so punctuation glued to a word rides along in
its tag; the labels are read with that in mind: a house tag "13." is 13, "7кв." is 7 (the flat marker glued
to it), a Housing tag that is only the marker ("корп.") adds no корпус, and a street is one run of Street
and StreetType tags (two rows label a village before the street as Street too: "Агаймани (Фрунзе) вулиця
Миру 15"; the street is the run next to the house).
"""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from geocoding.normalize import _house, clean, parse_address, short_key, split_type

XML = Path(__file__).resolve().parents[2] / "data" / "addresses" / "uaddress_labelled.xml"
START = {"Street", "StreetType", "HouseNumberType", "HouseNumber"}
STREET_RUN = {"Street", "StreetType"}


def _street_run(kids):
    """The Street tags of the run of Street/StreetType tags that comes last before the first house tag."""
    first_house = next((i for i, c in enumerate(kids) if c.tag == "HouseNumber"), len(kids))
    runs, start = [], None
    for i, c in enumerate(kids + [None]):
        if c is not None and c.tag in STREET_RUN:
            start = i if start is None else start
        elif start is not None:
            runs.append((start, i))
            start = None
    runs = [r for r in runs if any(kids[j].tag == "Street" for j in range(*r))]
    before = [r for r in runs if r[0] < first_house] or runs[:1]
    if not before:
        return ""
    lo, hi = before[-1]
    return " ".join(kids[j].text for j in range(lo, hi) if kids[j].tag == "Street" and kids[j].text)


def _labelled():
    for a in ET.parse(XML).getroot():
        kids = list(a)
        first = next((i for i, c in enumerate(kids) if c.tag in START), 0)
        text = "".join((c.text or "") + (c.tail or "") for c in kids[first:]).strip()

        def joined(*tags, sep=" ", kids=kids):
            return sep.join(c.text for c in kids if c.tag in tags and c.text)

        name, type_in_name = split_type(clean(_street_run(kids)))
        label_type = joined("StreetType").strip()
        # The label's type word read the way the parser reads one (so "ПР-Т." and "вул" both count).
        street_type = (split_type(clean(label_type) + " x")[1] if label_type else "") or type_in_name
        house = re.sub(r"(?:кв)?[.,\s]*$", "", joined("HouseNumber", "HouseNumberAdditionally"), flags=re.I)
        housing = re.sub(r"^(корпус|корп|кор|к|бл|б)\.?\s*", "", joined("Housing"), flags=re.I)
        if housing:
            house += " к" + housing
        hn = _house(clean(house)) if house else None
        yield text, {
            "street": short_key(name) if name else "",
            "street_type": street_type or "",
            "house": hn.key if hn and hn.number is not None else "",
            "flat": re.sub(r"\D", "", joined("Apartment", sep="")),
        }


LABELLED = list(_labelled())


def _parsed(text):
    p = parse_address(text)
    return {"street": p.short, "street_type": p.street_type, "house": p.house_key, "flat": re.sub(r"\D", "", p.flat)}


def test_the_labelled_file_holds_751_addresses():
    assert len(LABELLED) == 751


# The issue asks for 95% with all four parts right. The misses left are mostly label conventions the file
# does not keep consistently ("офис 1" a flat in one row, not in the next), streets whose names end in a
# number ("Ізмайлівський 1 21" = street "Ізмайлівський 1", house 21, where "Паркова 12 5" means house 12,
# flat 5), words glued into a label ("БІЛОМОРСЬКА11" labelled one street name) and rows that are not
# addresses at all.
ALL_FOUR_AT_LEAST = 0.95
EACH_PART_AT_LEAST = {"street": 0.97, "street_type": 0.995, "house": 0.97, "flat": 0.98}


def test_street_type_house_and_flat_are_extracted_as_labelled():
    results = [(_parsed(text), want) for text, want in LABELLED]
    all_four = sum(got == want for got, want in results) / len(results)
    assert all_four >= ALL_FOUR_AT_LEAST, f"all four parts right in {all_four:.1%}"
    for part, floor in EACH_PART_AT_LEAST.items():
        share = sum(got[part] == want[part] for got, want in results) / len(results)
        assert share >= floor, f"{part} right in {share:.1%}"


@pytest.mark.parametrize("text, street, street_type, house, flat", [
    ("вул. Фукса Едуарда 57 гурт.1 кв.35", "фукса едуарда", "вулиця", "57", "35"),
    ("ПРАВДИ ПР-Т б.72 кв.71", "правди", "проспект", "72", "71"),
    ("Гетьмана Петра Дорошенка Вул. 12 49", "дорошенка", "вулиця", "12", "49"),
    ("вул. Телеграфна (Железнякова) 46", "телеграфна", "вулиця", "46", ""),
    ("вул. Синьоводська 10 А КОРП.1", "синоводска", "вулиця", "10Ак1", ""),
    ("Набережна Перемоги Вул. 134 корп. 5", "перемоги", "вулиця", "134к5", ""),
    ("вул. Синагоги 10а кв. 5 6 7 58008", "синагоги", "вулиця", "10А", "567"),  # several flats
    ("вул. Єжи Гедройця 2 А нежиле приміщення 256 260", "ежи гедроиця", "вулиця", "2А", ""),  # not a dwelling
    ("ВУЛИЦЯ ПУШКІНА будинок 119 кімната 201", "пушкина", "вулиця", "119", "201"),  # a room for the flat
    ("буд. 19 кв. 6 (в/м 33)", "33", "", "19", "6"),  # a military town is where the houses are
    ("Мазепи Івана (Благоєва пр 4 кв.", "мазепи", "проспект", "4", ""),  # old name dropped, type kept
    ("вул. Кирилівська (Фрунзе) 19-21", "кириливска", "вулиця", "", ""),  # a range is not in the street
    ("вул. Мусоргського б. 11 к. гурт 5", "мусоргского", "вулиця", "11", ""),  # "к." with no корпус
    ("КИЇВСЬКА ОБЛА. БАРИШIВСЬКИЙ РАЙОН С.НАДРА", "", "", "", ""),  # a village, no street
    ("Бандери С. (Ватутіна) 6 кв. 4", "бандери", "", "6", "4"),  # "С." here is an initial, not "село"
    ("вул. Вишгородська 45-А/4 оф пр. 34", "вишгородска", "вулиця", "45А/4", "34"),  # офісне приміщення
])
def test_real_rows_of_the_file_parse_into_their_parts(text, street, street_type, house, flat):
    assert _parsed(text) == {"street": street, "street_type": street_type, "house": house, "flat": flat}


def test_a_village_named_after_its_region_is_a_neighbourhood_hint_and_not_a_street():
    p = parse_address("Украина 38620 Полтавська обл. Котелевський р-н село Мала Рубливка")
    assert (p.street, p.neighbourhood) == ("", "мала рубливка")
    assert parse_address("Сумська область Краснопілля").neighbourhood == "краснопілля"
    # With a city named, the words after it are a street of that city; a dispatcher's "селище X Y" is X's street Y.
    assert parse_address("Донецька обл., м. Краматорськ, Паркова").street == "паркова"
    p = parse_address("селище Біленьке Шкільна")
    assert (p.street, p.neighbourhood) == ("шкільна", "біленьке")


def test_a_long_text_of_flats_markers_and_brackets_never_backtracks_catastrophically():
    # A guard, not a measurement (benchmarks/bench_geocode.py measures): catastrophic regex
    # backtracking takes seconds to hours on such input; a linear parse takes milliseconds.
    import time

    text = "вул. Паркова (стара " + "кв. 1 2 3 нежиле приміщення 5 6 с. Біленьке в/м 33 " * 200
    started = time.perf_counter()
    parse_address(text)
    parse_address("Паркова 12 " + "1 " * 5000)
    assert time.perf_counter() - started < 2.0
