"""The labelled evaluation set and its figures.

Cases come from two places:

- generated deterministically (a fixed seed) from the registry in the database — on the demo city that is
  the same set every time: every address form of the issue (type before/after, abbreviations, Russian,
  old names, letter/fraction/корпус forms, буд./д./дом, flats, noise, case and spacing, apostrophes,
  Latin look-alikes, initials, ordinals), one-typo variants, duplicate street names with and without a
  neighbourhood hint;
- hand-written, in tests/fixtures/geocoding/handwritten.csv (see the README there);
- real-world-style, in tests/fixtures/geocoding/realworld.csv: queries written by hand the way forms, municipal
  registries, old exports and phones without a Cyrillic keyboard write addresses (glued types, Latin in every
  transliteration system, Russian and old names, typos, flats, корпус, dashed pairs, hints, postal noise).
  No code generated them; their figures are reported apart from the generated set (``geocode_eval``).

A case names the expected building by its street (type + name + neighbourhood) and house key, not by id,
so the set survives a reload. ``expect`` is "building", "ambiguous" or "street".
"""

from __future__ import annotations

import csv
import random
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from geocoding import services
from geocoding.normalize import short_key, street_key
from geocoding.results import MatchKind

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "geocoding"
HANDWRITTEN_CSV = FIXTURES / "handwritten.csv"
REALWORLD_CSV = FIXTURES / "realworld.csv"
SEED = 20260101

# Categories without a typo count towards the ≥98% figure; "typo1" towards the ≥95% one.
TYPO = "typo1"
AMBIGUOUS = "ambiguous_no_hint"


@dataclass(frozen=True)
class Case:
    query: str
    category: str
    expect: str  # "building" | "ambiguous" | "street"
    street_type: str = ""
    street: str = ""
    neighbourhood: str = ""
    house_key: str = ""
    flat: str = ""


UK_ABBR = {"вулиця": "вул.", "провулок": "пров.", "проспект": "просп.", "площа": "пл.", "бульвар": "бул."}
RU_TYPES = {"вулиця": "ул.", "провулок": "пер.", "проспект": "пр-т", "площа": "пл.", "бульвар": "б-р"}
LATIN = str.maketrans({"а": "a", "о": "o", "е": "e", "с": "c", "р": "p", "і": "i"})
CYR_LETTERS = "абвгдежзиклмнопрстуфхцчшщюяіїє"


def _house_forms(b) -> list[tuple[str, str]]:
    """Ways of writing one building's number, each with a label."""
    n, letter, fraction, block = b["number"], b["letter"], b["fraction"], b["block"]
    if n is None:
        return [("as_is", b["housenumber"])]
    forms = [("as_is", b["housenumber"])]
    if letter and not fraction and not block:
        low = letter.lower()
        forms += [("letter_dash", f"{n}-{letter}"), ("letter_space", f"{n} {low}"), ("letter_lower", f"{n}{low}")]
    if block and not fraction:
        base = f"{n}{letter}"
        forms += [("block_k", f"{base} к.{block}"), ("block_korp", f"{base} корп. {block}"), ("block_glued", f"{base}к{block}")]
    if fraction:
        forms += [("fraction", f"{n}{letter}/{fraction}")]
    if not letter and not fraction and not block:
        forms += [("bud", f"буд. {n}"), ("d", f"д. {n}"), ("dom", f"дом {n}")]
    return forms


def _typo(name: str, rng: random.Random) -> str | None:
    """One edit (substitution, deletion, insertion or swap) inside the longest word, never its first letter."""
    words = name.split()
    i = max(range(len(words)), key=lambda k: len(words[k]))
    w = words[i]
    if len(w) < 6:
        return None
    pos = rng.randrange(1, len(w) - 1)
    op = rng.choice(["sub", "del", "ins", "swap"])
    if op == "sub":
        w = w[:pos] + rng.choice([c for c in CYR_LETTERS if c != w[pos].lower()]) + w[pos + 1:]
    elif op == "del":
        w = w[:pos] + w[pos + 1:]
    elif op == "ins":
        w = w[:pos] + rng.choice(CYR_LETTERS) + w[pos:]
    else:
        w = w[:pos] + w[pos + 1] + w[pos] + w[pos + 2:]
    words[i] = w
    return " ".join(words)


def generate_cases(*, seed: int = SEED, sample: int = 260) -> list[Case]:
    """Deterministic cases over the registry in the database (the demo city in tests and the command)."""
    from layers.models import Building, Neighbourhood, Street, StreetAlias

    rng = random.Random(seed)
    streets = {s.id: s for s in Street.objects.select_related("neighbourhood")}
    nbs = {n.id: n for n in Neighbourhood.objects.all()}
    aliases: dict[int, list] = defaultdict(list)
    alias_keys: Counter = Counter()
    for a in StreetAlias.objects.all():
        aliases[a.street_id].append(a)
        alias_keys[street_key(a.name)] += 1
    name_nbs: dict[str, set] = defaultdict(set)  # key → neighbourhoods (any type)
    name_types: dict[tuple, set] = defaultdict(set)  # (key, neighbourhood) → types
    all_keys = set(alias_keys)
    for s in streets.values():
        k = street_key(s.name)
        name_nbs[k].add(s.neighbourhood_id)
        name_types[(k, s.neighbourhood_id)].add(s.street_type)
        all_keys.add(k)
        all_keys.add(short_key(s.name))
    rows = list(
        Building.objects.filter(street__isnull=False)
        .order_by("street__name", "street__street_type", "street__neighbourhood__name_uk", "number", "housenumber_key", "id")
        .values("id", "street_id", "housenumber", "housenumber_key", "number", "letter", "fraction", "block")
    )
    by_street: dict[int, list] = defaultdict(list)
    for r in rows:
        by_street[r["street_id"]].append(r)

    def nb_name(s) -> str:
        return s.neighbourhood.name_uk if s.neighbourhood_id else ""

    def case(q: str, category: str, s, b, *, expect: str = "building", flat: str = "") -> Case:
        from layers.housenumbers import parse_housenumber

        key = parse_housenumber(b["housenumber_key"] or b["housenumber"]).key if b else ""
        return Case(q, category, expect, s.street_type, s.name, nb_name(s), key, flat)

    def hint_for(s) -> str:
        n = nbs.get(s.neighbourhood_id)
        if n is None:
            return ""
        return {"settlement": "селище", "village": "село"}.get(n.kind, "мкр") + " " + n.name_uk

    def qualified(s, text: str) -> str:
        """Add a neighbourhood hint when the name repeats in another neighbourhood."""
        k = street_key(s.name)
        if len(name_nbs[k]) > 1:
            return f"{hint_for(s)}, {text}"
        return text

    def needs_type(s) -> bool:
        return len(name_types[(street_key(s.name), s.neighbourhood_id)]) > 1

    cases: list[Case] = []
    street_ids = sorted(by_street, key=lambda i: (streets[i].name, streets[i].street_type, nb_name(streets[i])))
    picked = rng.sample(street_ids, min(sample, len(street_ids)))
    for n, sid in enumerate(picked):
        s = streets[sid]
        bs = by_street[sid]
        b = bs[rng.randrange(len(bs))]
        t, name, hn = s.street_type, s.name, b["housenumber"]
        abbr = UK_ABBR.get(t, t)
        form = n % 8
        if form == 0:
            cases.append(case(qualified(s, f"{t} {name}, {hn}"), "canonical", s, b))
        elif form == 1:
            cases.append(case(qualified(s, f"{name} {t} {hn}"), "type_after", s, b))
        elif form == 2:
            cases.append(case(qualified(s, f"{abbr.upper()}{name.upper()},{hn}"), "upper_compact", s, b))
        elif form == 3:
            cases.append(case(qualified(s, f"  {abbr}   {name}   {hn}  "), "spacing", s, b))
        elif form == 4:
            flat = str(rng.randrange(1, 120))
            cases.append(case(qualified(s, f"{abbr} {name}, буд.{hn} кв.{flat}"), "flat", s, b, flat=flat))
        elif form == 5:
            cases.append(case(f"84300, Донецька обл., м. Краматорськ, {qualified(s, f'{abbr} {name}, {hn}')}", "noise",
                              s, b))
        elif form == 6:
            latin = name[0] + name[1:].translate(LATIN)
            if latin != name:
                cases.append(case(qualified(s, f"{abbr} {latin} {hn}"), "lookalike", s, b))
        else:
            if "’" in name:
                cases.append(case(qualified(s, f"{abbr} {name.replace('’', rng.choice(['ʼ', chr(39), '`']))} {hn}"),
                                  "apostrophe", s, b))
            else:
                cases.append(case(qualified(s, f"{abbr} {name.lower()} {hn}"), "lower", s, b))
        # House-number forms, on another building of the same street when it has one.
        b2 = bs[(bs.index(b) + 1) % len(bs)]
        label, form_text = _house_forms(b2)[n % len(_house_forms(b2))]
        prefix = f"{abbr} " if needs_type(s) or n % 2 else ""
        cases.append(case(qualified(s, f"{prefix}{name} {form_text}"), f"house_{label}", s, b2))
        # Russian and old names, from the aliases.
        for a in aliases.get(sid, []):
            if alias_keys[street_key(a.name)] > 1:
                continue  # the alias names two streets: that is the ambiguity case below
            if a.kind == "ru" and n % 2 == 0:
                cases.append(case(qualified(s, f"{RU_TYPES.get(t, 'ул.')} {a.name} д. {b['housenumber']}"), "russian", s, b))
            elif a.kind == "old":
                cases.append(case(qualified(s, f"{a.name}, {b['housenumber']}"), "old_name", s, b))
        # One typo in the street name (skipped when the typo spells another street).
        typo = _typo(name, rng)
        if typo and street_key(typo) not in all_keys and short_key(typo) not in all_keys:
            prefix = f"{abbr} " if needs_type(s) else ""
            cases.append(case(qualified(s, f"{prefix}{typo} {hn}"), TYPO, s, b))
        # Initials and given names.
        m = re.match(r"^(Тараса|Івана|Богдана|Лесі|Миколи|Олександра|Ярослава|Дем’яна|Зої) (.+)$", name)
        if m:
            cases.append(case(qualified(s, f"{abbr} {m.group(1)[0]}. {m.group(2)} {hn}"), "initials", s, b))
            cases.append(case(qualified(s, f"{abbr} {m.group(2)} {hn}"), "given_name_dropped", s, b))
        m = re.match(r"^(\d+)-(го|те|тя|ти) (.+)$", name)
        if m:
            cases.append(case(qualified(s, f"{abbr} {m.group(1)} {m.group(3)} {hn}"), "ordinal", s, b))
    # Every street name that repeats across neighbourhoods: with a hint (Russian and Ukrainian) and without.
    for k in sorted(k for k, ids in name_nbs.items() if len(ids) > 1):
        group = sorted((s for s in streets.values() if street_key(s.name) == k and by_street.get(s.id)),
                       key=lambda s: (nb_name(s), s.street_type))
        if len(group) < 2:
            continue
        for s in group[:3]:
            b = by_street[s.id][0]
            n = nbs.get(s.neighbourhood_id)
            if n is None:
                continue
            abbr = UK_ABBR.get(s.street_type, s.street_type)
            cases.append(case(f"{hint_for(s)}, {abbr} {s.name} {b['housenumber']}", "hint_uk", s, b))
            ru = next((a.name for a in aliases.get(s.id, []) if a.kind == "ru" and alias_keys[street_key(a.name)] == 1),
                      s.name)
            ru_type = f"{RU_TYPES.get(s.street_type, 'ул.')} " if needs_type(s) else ""
            cases.append(case(f"пос. {n.name_ru or n.name_uk}, {ru_type}{ru} {b['housenumber']}", "hint_ru", s, b))
        s = group[0]
        if len({g.street_type for g in group}) == 1:
            cases.append(case(f"{s.name} {by_street[s.id][0]['housenumber']}", AMBIGUOUS, s, None, expect="ambiguous"))
    # A street without a house number.
    for sid in picked[:20]:
        s = streets[sid]
        cases.append(case(qualified(s, f"{UK_ABBR.get(s.street_type, s.street_type)} {s.name}"), "street_only", s, None,
                          expect="street"))
    return cases


def load_handwritten(path: Path = HANDWRITTEN_CSV) -> list[Case]:
    with path.open(encoding="utf-8") as fh:
        return [Case(**{k: (v or "") for k, v in row.items() if k in Case.__dataclass_fields__})
                for row in csv.DictReader(row for row in fh if not row.startswith("#"))]


def load_realworld(path: Path = REALWORLD_CSV) -> list[Case]:
    return load_handwritten(path)


def write_cases(cases: list[Case], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(Case.__dataclass_fields__))
        w.writeheader()
        for c in cases:
            w.writerow(asdict(c))


@dataclass
class Outcome:
    case: Case
    ok: bool
    wrong_confident: bool  # a building other than the expected one with match exact/alias
    got: str
    match: str


def _matches(case: Case, r) -> bool:
    return (r.street == case.street and r.street_type == case.street_type
            and (not case.neighbourhood or r.neighbourhood == case.neighbourhood))


def run_case(case: Case) -> Outcome:
    from layers.housenumbers import parse_housenumber

    try:
        results = services.geocode(query=case.query, limit=5)
    except services.InvalidQuery:
        results = []
    top = results[0] if results else None
    got = f"{top.address} [{top.neighbourhood}] {top.match}" if top else "—"
    if case.expect == "ambiguous":
        # One building answered with certainty where the street is ambiguous is a confident wrong answer.
        wrong = bool(top) and top.match in (MatchKind.EXACT, MatchKind.ALIAS)
        return Outcome(case, bool(top) and top.match == MatchKind.AMBIGUOUS, wrong, got, top.match if top else "")
    if case.expect == "street":
        ok = bool(top) and top.match == MatchKind.STREET and _matches(case, top)
        return Outcome(case, ok, False, got, top.match if top else "")
    ok = bool(top) and top.building_id is not None and top.match != MatchKind.AMBIGUOUS and _matches(case, top) \
        and parse_housenumber(top.housenumber).key == case.house_key and (not case.flat or top.flat == case.flat)
    wrong = bool(top) and top.match in (MatchKind.EXACT, MatchKind.ALIAS) and not (
        _matches(case, top) and parse_housenumber(top.housenumber).key == case.house_key)
    return Outcome(case, ok, wrong, got, top.match if top else "")


@dataclass
class Figures:
    total: int
    no_typo: float
    one_typo: float
    wrong_exact_or_alias: int
    top1: float  # every case: the right building (or "ambiguous"/"street" where expected) first
    ambiguous_without_hint: float
    by_category: dict[str, tuple[int, int]]
    failures: list[Outcome]

    def lines(self) -> list[str]:
        out = [
            f"queries: {self.total}",
            f"top-1 correct without typos: {self.no_typo:.1%}",
            f"top-1 correct with one typo: {self.one_typo:.1%}",
            f"wrong buildings with match exact/alias: {self.wrong_exact_or_alias}",
            f"top-1 correct over all queries: {self.top1:.1%}",
            f"ambiguous street without a hint answered 'ambiguous': {self.ambiguous_without_hint:.1%}",
        ]
        for cat, (ok, n) in sorted(self.by_category.items()):
            out.append(f"  {cat:<36} {ok:>4}/{n}")
        return out


def evaluate(cases: list[Case]) -> Figures:
    outcomes = [run_case(c) for c in cases]
    cats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for o in outcomes:
        cats[o.case.category][0] += o.ok
        cats[o.case.category][1] += 1

    def share(sel) -> float:
        xs = [o.ok for o in outcomes if sel(o.case)]
        return sum(xs) / len(xs) if xs else 1.0

    return Figures(
        total=len(outcomes),
        no_typo=share(lambda c: c.category != TYPO and c.expect == "building"),
        one_typo=share(lambda c: c.category == TYPO),
        wrong_exact_or_alias=sum(o.wrong_confident for o in outcomes),
        top1=sum(o.ok for o in outcomes) / len(outcomes) if outcomes else 1.0,
        ambiguous_without_hint=share(lambda c: c.expect == "ambiguous"),
        by_category={k: (v[0], v[1]) for k, v in cats.items()},
        failures=[o for o in outcomes if not o.ok or o.wrong_confident],
    )
