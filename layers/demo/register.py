"""The 2015 Kramatorsk street register and the known renamings, read and cleaned.

Pure Python (no Django, no database): the files are never edited, cleaning happens here.

The register (data/kramatorsk/street_register_2015.csv) has three columns: the Ukrainian name
with its type word last ("1-го Травня вулиця"), the Russian name ("1-го Мая улица") and a Russian
neighbourhood label as typed by hand ("пос. СтараяПетровка", "с-зВеселый", "пос. Беленькое;
Станкострой", a Latin "c" for "с", "З-я" for "3-я"). Cleaning:

- each label is normalised and mapped to one neighbourhood (NEIGHBOURHOODS) with a Ukrainian
  and a Russian name, a kind and an urban flag; a multi-label keeps its first part;
- apostrophes become the typographic ’; names that repeat with different case in one neighbourhood become one street (the spelling
  with more capitals wins: "ВЛКСМ" over "Влксм"); one name in two neighbourhoods stays two streets;
- the type word is split off (name "1-го Травня", type "вулиця"; Russian "1-го Мая", "улица");
- renamings marked ``in use`` are applied: the new name becomes the street's name, the old one an
  alias with the year it ended (2016 when the file gives none). "XIX" matches "19-го" and the
  apostrophes ’ ' ʼ match each other. ``proposed`` renamings are not applied.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "kramatorsk"
REGISTER_CSV = DATA_DIR / "street_register_2015.csv"
RENAMINGS_CSV = DATA_DIR / "street_renamings.csv"
BOUNDARY_GEOJSON = DATA_DIR / "hromada_boundary.geojson"

# The year an old name ended when the renamings file gives none (the decommunisation of 2016).
DEFAULT_RENAMING_YEAR = 2016

# Type words, long and short forms, mapped to the canonical Ukrainian type (layers.models.StreetType values).
UK_STREET_TYPES = {
    "вулиця": "вулиця", "вул": "вулиця",
    "провулок": "провулок", "пров": "провулок",
    "проспект": "проспект", "просп": "проспект", "пр-т": "проспект",
    "бульвар": "бульвар", "бул": "бульвар", "б-р": "бульвар",
    "площа": "площа", "пл": "площа",
    "шосе": "шосе",
    "тупик": "тупик",
    "проїзд": "проїзд",
    "узвіз": "узвіз",
    "набережна": "набережна", "наб": "набережна",
    "майдан": "майдан",
    "квартал": "квартал", "кв-л": "квартал",
    "мікрорайон": "мікрорайон", "мкр": "мікрорайон", "м-н": "мікрорайон",
    "лінія": "лінія",
}
# Russian type words, kept as written in full (the alias records how people say it).
RU_STREET_TYPES = {
    "улица": "улица", "ул": "улица",
    "переулок": "переулок", "пер": "переулок",
    "проспект": "проспект", "пр-т": "проспект",
    "бульвар": "бульвар", "б-р": "бульвар",
    "площадь": "площадь", "пл": "площадь",
    "шоссе": "шоссе",
    "тупик": "тупик",
    "проезд": "проезд",
    "спуск": "спуск",
    "набережная": "набережная",
    "майдан": "майдан",
    "квартал": "квартал",
    "микрорайон": "микрорайон", "мкр": "микрорайон",
    "линия": "линия",
}

_APOSTROPHES = str.maketrans({"'": "’", "ʼ": "’", "`": "’", "′": "’", "‘": "’"})
# Latin letters typed for Cyrillic look-alikes in the labels ("ЦУ c-pаЯсногоровский").
_LATIN_LOOKALIKES = str.maketrans("aceiopxyACEIOPXYKMTHB", "асеіорхуАСЕІОРХУКМТНВ")
_ROMAN = re.compile(r"\b([IVXLC]+)\b(?=\s)")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


@dataclass(frozen=True)
class NeighbourhoodSpec:
    code: str  # stable ASCII id, part of source ids
    name_uk: str
    name_ru: str
    kind: str  # layers.models.NeighbourhoodKind value
    urban: bool  # apartment blocks (True) or private houses (False)


def _n(code: str, uk: str, ru: str, kind: str = "settlement", urban: bool = False) -> NeighbourhoodSpec:
    return NeighbourhoodSpec(code, uk, ru, kind, urban)


# Every neighbourhood of the register, with the labels (as written, any spelling) that mean it.
# Urban apartment districts first; the rest are settlements and villages of private houses.
NEIGHBOURHOODS: list[tuple[NeighbourhoodSpec, tuple[str, ...]]] = [
    (_n("sotsmisto", "Соцмісто", "Соцгород", "district", True), ("Соцгород",)),
    (_n("stare-misto", "Старе Місто", "Старый Город", "district", True), ("Старый Город",)),
    (_n("novyi-svit", "Новий Світ", "Новый Свет", "district", True), ("Новый Свет", "пос. Новый Свет")),
    (_n("lazurnyi", "Лазурний", "Лазурный", "district", True), ("м-н Лазурный", "пос. Лазурный")),
    (_n("yasnohirka", "Ясногірка", "Ясногорка", "district", True), ("пос. Ясногорка",)),
    # The register's historical name, in Ukrainian (the district is called so in the 2015 register).
    (_n("zhovtnevyi", "Жовтневий", "Октябрьский", "district", True), ("пос. Октябрьский",)),
    (_n("stankobud", "Станкобуд", "Станкострой", "district", True), ("Станкострой",)),
    (_n("bilenke", "Біленьке", "Беленькое"), ("пос. Беленькое", "пос. Беленькая")),
    (_n("shabelkivka", "Шабельківка", "Шабельковка"), ("пос. Шабельковка",)),
    (_n("krasnohorka", "Красногорка", "Красногорка"), ("пос. Красногорка",)),
    (_n("ivanivka", "Іванівка", "Ивановка"), ("пос. Ивановка",)),
    (_n("malotaranivka", "Малотаранівка", "Малотарановка"), ("пос. Малотарановка", "пос. Малотарновка")),
    (_n("krasnotorka", "Красноторка", "Красноторка"), ("пос. Красноторка",)),
    (_n("artemivskyi", "Артемівський", "Артемовский"), ("пос. Артемовский",)),
    (_n("partyzanskyi", "Партизанський", "Партизанский"), ("пос. Партизанский",)),
    (_n("marivka", "Мар’ївка", "Марьевка"), ("пос. Марьевка",)),
    (_n("yasna-poliana", "Ясна Поляна", "Ясная Поляна"), ("пос. Ясная Поляна", "пос. Ясна Поляна")),
    (_n("semenivka", "Семенівка", "Семеновка"), ("пос. Семеновка",)),
    (_n("novoselivka", "Новоселівка", "Новоселовка"), ("пос. Новоселовка",)),
    (_n("prokatnykiv", "Прокатників", "Прокатчиков"), ("пос. Прокатчиков",)),
    (_n("staroposhtovyi", "Старопоштовий", "Старопочтовый"), ("пос. Старопочтовый",)),
    (_n("veselyi", "Веселий", "Веселый"), ("пос. Веселый",)),
    (_n("radhosp-veselyi", "радгосп «Веселий»", "совхоз «Веселый»"), ("с-з Веселый",)),
    (_n("stara-petrivka", "Стара Петрівка", "Старая Петровка"), ("пос. Старая Петровка",)),
    (_n("komyshuvakha", "Комишуваха", "Камышеваха"), ("пос. Камышеваха",)),
    (_n("horodeshchyne", "Городещине", "Городещино"), ("пос. Городещино",)),
    (_n("yasnohirskyi-cs", "центральна садиба радгоспу «Ясногірський»", "ЦУ совхоза «Ясногоровский»"),
     ("ЦУ с-за Ясногоровский", "Ц-У с-за Ясногоровский", "ЦУ с-ра Ясногоровский")),
    (_n("yasnohirskyi-3", "3-тє відділення радгоспу «Ясногірський»", "3 отделение совхоза «Ясногоровский»"),
     ("3 отд.с-за Ясногоровский",)),
    (_n("pryvillia", "Привілля", "Приволье", "village"), ("с. Приволье",)),
    (_n("sofiivka", "Софіївка", "Софиевка"), ("пос. Софиевка",)),
    (_n("oleksandrivka-3", "3-тя Олександрівка", "3-я Александровка"), ("пос. 3-я Александровка",)),
    (_n("petrivka", "Петрівка", "Петровка"), ("пос. Петровка",)),
    (_n("vasylivska-pustosh", "Василівська Пустош", "Васильевская Пустошь", "village"), ("пос. В. Пустошь",)),
    (_n("ashurkove", "Ашуркове", "Ашурково"), ("ст. Ашурково",)),
    (_n("abazivka", "Абазівка", "Абазовка"), ("пос. Абазовка",)),
]


class UnknownNeighbourhood(ValueError):
    """A register label that maps to no known neighbourhood."""


def neighbourhood_key(label: str) -> str:
    """A label reduced to what tells neighbourhoods apart: no prefix, case, spaces or look-alike letters.

    A multi-label ("пос. Беленькое; Станкострой") keeps its first part.

    >>> neighbourhood_key("пос. СтараяПетровка") == neighbourhood_key("пос. старая Петровка")
    True
    >>> neighbourhood_key("с-зВеселый") == neighbourhood_key("с-з Веселый") != neighbourhood_key("пос. Веселый")
    True
    >>> neighbourhood_key("пос. З-я Александровка") == neighbourhood_key("пос. 3-я Александровка")
    True
    >>> neighbourhood_key("пос. Беленькое;Станкострой2-14; 1-15")
    'беленькое'
    """
    s = label.split(";")[0].translate(_LATIN_LOOKALIKES).casefold()
    s = re.sub(r"(^|\s|\.)з-я", r"\g<1>3-я", s)  # a Cyrillic З typed for the digit 3
    s = re.sub(r"^\s*(пос|с|ст|м-н)\.?\s+|^\s*(пос|ст)\.", "", s)
    s = re.sub(r"-\d.*$", "", s)  # "м-н Лазурный-205": building numbers glued to the name
    return re.sub(r"[^0-9a-zа-яёєіїґ]", "", s)


_NEIGHBOURHOOD_BY_KEY: dict[str, NeighbourhoodSpec] = {}
for _spec, _labels in NEIGHBOURHOODS:
    for _label in (*_labels, _spec.name_ru):
        _NEIGHBOURHOOD_BY_KEY.setdefault(neighbourhood_key(_label), _spec)


def neighbourhood_for_label(label: str) -> NeighbourhoodSpec:
    """The neighbourhood a register label means.

    >>> neighbourhood_for_label("пос. Малотарновка").name_uk
    'Малотаранівка'
    >>> neighbourhood_for_label("ЦУ c-pаЯсногоровский").code
    'yasnohirskyi-cs'
    """
    key = neighbourhood_key(label)
    try:
        return _NEIGHBOURHOOD_BY_KEY[key]
    except KeyError:
        raise UnknownNeighbourhood(f"unknown neighbourhood label {label!r} (key {key!r})") from None


def split_street_name(text: str, *, lang: str = "uk") -> tuple[str, str]:
    """Split a street name into (name without the type word, type); the type word may come first or last.

    Ukrainian types come back canonical (layers.models.StreetType values); Russian ones as written in full.
    A name without a type word is a вулиця / улица.

    >>> split_street_name("1-го Травня вулиця")
    ('1-го Травня', 'вулиця')
    >>> split_street_name("вул. Шкільна")
    ('Шкільна', 'вулиця')
    >>> split_street_name("Ізюмський провулок")
    ('Ізюмський', 'провулок')
    >>> split_street_name("Миру проспект")
    ('Миру', 'проспект')
    >>> split_street_name("1-го Мая улица", lang="ru")
    ('1-го Мая', 'улица')
    >>> split_street_name("Ленина площадь", lang="ru")
    ('Ленина', 'площадь')
    """
    types = UK_STREET_TYPES if lang == "uk" else RU_STREET_TYPES
    words = " ".join(text.split()).split(" ")
    if len(words) > 1:
        last = words[-1].casefold().rstrip(".")
        if last in types:
            return " ".join(words[:-1]), types[last]
        first = words[0].casefold().rstrip(".")
        if first in types:
            return " ".join(words[1:]), types[first]
        if "." in words[0]:  # "вул.Шкільна" glued
            head, _, rest = words[0].partition(".")
            if head.casefold() in types:
                return " ".join([rest, *words[1:]]).strip(), types[head.casefold()]
    return " ".join(words), ("вулиця" if lang == "uk" else "улица")


def _roman_to_int(text: str) -> int:
    total = 0
    for i, ch in enumerate(text):
        value = _ROMAN_VALUES[ch]
        total += -value if i + 1 < len(text) and _ROMAN_VALUES[text[i + 1]] > value else value
    return total


def street_match_key(name: str) -> str:
    """A street name reduced for matching spellings of one name: case, apostrophes, "XIX" = "19-го".

    >>> street_match_key("XIX Партз’їзду") == street_match_key("19-го Партз'їзду")
    True
    >>> street_match_key("Крушельницької") == street_match_key("крушельницької")
    True
    """
    s = _ROMAN.sub(lambda m: f"{_roman_to_int(m.group(1))}-го", name.translate(_APOSTROPHES))
    return " ".join(s.casefold().replace("ё", "е").split())


@dataclass(frozen=True)
class AliasSpec:
    name: str
    street_type: str
    kind: str  # layers.models.AliasKind value
    valid_until_year: int | None = None


@dataclass
class StreetSpec:
    name: str
    street_type: str
    neighbourhood: NeighbourhoodSpec
    aliases: list[AliasSpec] = field(default_factory=list)
    register_name: str = ""  # the register's Ukrainian name as written, before renaming

    @property
    def source_id(self) -> str:
        return f"street:{self.neighbourhood.code}:{self.street_type}:{self.name}"


@dataclass(frozen=True)
class Renaming:
    old_name: str
    old_type: str
    new_name: str
    new_type: str
    year: int | None
    status: str  # "in use" or "proposed"


@dataclass
class CleanRegister:
    neighbourhoods: list[NeighbourhoodSpec]
    streets: list[StreetSpec]
    rows_read: int = 0
    duplicates_merged: list[str] = field(default_factory=list)
    renamings_applied: list[str] = field(default_factory=list)
    renamings_not_applied: list[str] = field(default_factory=list)  # proposed, or no street matched


def read_register(path: Path = REGISTER_CSV) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_renamings(path: Path = RENAMINGS_CSV) -> list[Renaming]:
    out = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            old_name, old_type = split_street_name(row["old_name_uk"])
            new_name, new_type = split_street_name(row["new_name_uk"])
            year = int(row["year"]) if row["year"].strip() else None
            out.append(Renaming(old_name, old_type, new_name, new_type, year, row["status"].strip().lower()))
    return out


def _capitals(text: str) -> int:
    return sum(ch.isupper() for ch in text)


def clean_register(rows: list[dict[str, str]], renamings: list[Renaming]) -> CleanRegister:
    """Turn raw register rows and the renamings into one StreetSpec per (name, type, neighbourhood).

    >>> rows = [{"name_uk": "XIX Партз’їзду вулиця", "name_ru": "XIX Партсъезда улица", "neighbourhood_ru": "Соцгород"}]
    >>> r = clean_register(rows, [Renaming("19-го Партз'їзду", "вулиця", "Ярослава Мудрого", "вулиця", 2016, "in use")])
    >>> s = r.streets[0]
    >>> s.name, s.street_type, s.neighbourhood.name_uk
    ('Ярослава Мудрого', 'вулиця', 'Соцмісто')
    >>> sorted((a.kind, a.name, a.valid_until_year) for a in s.aliases)
    [('old', "19-го Партз'їзду", 2016), ('old', 'XIX Партз’їзду', 2016), ('ru', 'XIX Партсъезда', None)]
    """
    groups: dict[tuple[str, str, str], list[tuple[str, str, str, str, NeighbourhoodSpec]]] = defaultdict(list)
    for row in rows:
        nb = neighbourhood_for_label(row["neighbourhood_ru"])
        name, street_type = split_street_name(row["name_uk"].translate(_APOSTROPHES))
        name_ru, type_ru = split_street_name(row["name_ru"], lang="ru")
        groups[(street_match_key(name), street_type, nb.code)].append((name, street_type, name_ru, type_ru, nb))

    result = CleanRegister(neighbourhoods=[], streets=[], rows_read=len(rows))
    streets: dict[tuple[str, str, str], StreetSpec] = {}
    for key, variants in groups.items():
        name, street_type, _, _, nb = max(variants, key=lambda v: _capitals(v[0]))  # "ВЛКСМ" over "Влксм"
        if len(variants) > 1:
            result.duplicates_merged.append(f"{' = '.join(v[0] for v in variants)} ({nb.name_uk})")
        spec = StreetSpec(name=name, street_type=street_type, neighbourhood=nb, register_name=name)
        for _, _, name_ru, type_ru, _ in sorted(variants, key=lambda v: -_capitals(v[2])):
            if name_ru and all(a.name.casefold() != name_ru.casefold() for a in spec.aliases):
                spec.aliases.append(AliasSpec(name_ru, type_ru, "ru"))
        streets[key] = spec

    for ren in renamings:
        label = f"{ren.old_type} {ren.old_name} → {ren.new_type} {ren.new_name}"
        if ren.status != "in use":
            result.renamings_not_applied.append(f"{label} ({ren.status})")
            continue
        old_key = street_match_key(ren.old_name)
        matched = [k for k in streets if k[0] == old_key and k[1] == ren.old_type]
        if not matched:
            result.renamings_not_applied.append(f"{label} (no such street in the register)")
            continue
        year = ren.year or DEFAULT_RENAMING_YEAR
        for k in sorted(matched, key=lambda k: k[2]):
            old = streets.pop(k)
            new_key = (street_match_key(ren.new_name), ren.new_type, k[2])
            target = streets.get(new_key)
            if target is None:  # the usual case: the street itself takes the new name
                target = StreetSpec(name=ren.new_name, street_type=ren.new_type, neighbourhood=old.neighbourhood,
                                    aliases=list(old.aliases), register_name=old.register_name)
            else:  # the new name already exists there: the old street is that one
                target.aliases.extend(a for a in old.aliases if a not in target.aliases)
            olds = [AliasSpec(old.name, old.street_type, "old", year)]
            if street_match_key(ren.old_name) == street_match_key(old.name) and ren.old_name != old.name:
                olds.append(AliasSpec(ren.old_name, ren.old_type, "old", year))  # "19-го…" besides "XIX…"
            target.aliases.extend(a for a in olds if a not in target.aliases)
            streets[new_key] = target
            result.renamings_applied.append(f"{label} ({old.neighbourhood.name_uk}, до {year})")

    result.streets = sorted(streets.values(), key=lambda s: (s.neighbourhood.code, s.name, s.street_type))
    used = {s.neighbourhood.code for s in result.streets}
    result.neighbourhoods = [spec for spec, _ in NEIGHBOURHOODS if spec.code in used]
    return result


def load_register() -> CleanRegister:
    """The cleaned register of data/kramatorsk, with the renamings applied."""
    return clean_register(read_register(), read_renamings())
