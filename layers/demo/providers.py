"""Providers, service areas and ОСББ assignments of the demo city, planned over a generated layout.

Pure shapely (no database). The organisations, phone numbers and areas are SYNTHETIC; the numbers only
look like Kramatorsk ones (+380 626 4X-XX-XX), and 1505 is the contact centre itself.

Areas of one service kind never overlap and cover every building of their scope, so routing is clean:

- in_house: 7 housing offices (ЖЕК-1..7) partition the urban (apartment) districts; the blocks of an
  ОСББ keep lying in a ЖЕК area but are assigned to the ОСББ (an assignment beats any polygon);
- power: 3 districts of the РЕС, water: 4 areas of the водоканал, each cut across the whole hromada
  along lines that pass no building;
- heating + hot_water: 5 boiler-house zones over the urban districts only (private houses heat themselves);
- lift: the urban districts; gas, waste, transport, roads: the whole hromada.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from gis.geometry import repair_polygonal
from layers.demo.geometry import BuildingPlan, DemoLayout, NeighbourhoodLayout, to_storage

CONTACT_CENTRE = "1505"
ESCALATION = "Управління житлово-комунального господарства міськради; контакт-центр 1505"
HOUSING_HOURS = "пн–пт 8:00–17:00, обід 12:00–13:00"
OSBB_COUNT = 60
POETIC_OSBB_NAMES = ("Затишок", "Світанок", "Злагода", "Надія", "Мрія", "Добробут", "Наш дім", "Каштан",
                     "Сузір’я", "Берегиня", "Оберіг", "Гармонія", "Лагода", "Весна", "Калина")


@dataclass
class ProviderPlan:
    source_id: str
    kind: str  # layers.models.ProviderKind value
    name: str
    short_name: str
    service_kinds: tuple[str, ...]
    phones: list[str] = field(default_factory=list)
    emergency_phone: str = ""
    is_24_7: bool = False
    hours: str = ""
    escalation_contact: str = ESCALATION
    address: str = ""


@dataclass
class AreaPlan:
    source_id: str
    name: str
    provider: str  # ProviderPlan.source_id
    service_kinds: tuple[str, ...]
    geom: MultiPolygon  # lon/lat


@dataclass
class AssignmentPlan:
    source_id: str
    building: BuildingPlan
    provider: str  # ProviderPlan.source_id
    service_kinds: tuple[str, ...]
    note: str = ""


@dataclass
class ProviderSet:
    providers: list[ProviderPlan] = field(default_factory=list)
    areas: list[AreaPlan] = field(default_factory=list)
    assignments: list[AssignmentPlan] = field(default_factory=list)

    @property
    def dispatch_numbers(self) -> set[str]:
        return {p for pr in self.providers for p in [*pr.phones, pr.emergency_phone] if p}


class _Phones:
    """Distinct, made-up Kramatorsk-looking numbers: +380626 4X-XX-XX."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.used = rng, set()

    def __call__(self) -> str:
        while True:
            local = self.rng.randint(410000, 489999)
            if local not in self.used:
                self.used.add(local)
                return f"+380626{local}"


def _storage(geom_metric) -> MultiPolygon:
    """Metric polygon(s) → a valid lon/lat MultiPolygon; long straight cuts densified so they stay straight."""
    geom = to_storage(shapely.segmentize(geom_metric, 200.0))
    multi, _ = repair_polygonal(geom)
    return multi


def _free_position(intervals: list[tuple[float, float]], target: float) -> float:
    """The coordinate nearest to target that lies in none of the intervals."""
    merged: list[list[float]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    for a, b in merged:
        if a < target < b:
            return a if target - a <= b - target else b
    return target


def _cut(buildings: list[BuildingPlan], layouts: list[NeighbourhoodLayout], *, axis: int, quantile: float) -> float:
    """Where to cut (x if axis == 0, y if 1): near a quantile of the buildings, through no building
    and, when one lies within 3 km, through no neighbourhood."""
    values = sorted(b.py if axis else b.px for b in buildings)
    target = values[min(len(values) - 1, int(quantile * len(values)))]
    nb_intervals = [(n.polygon.bounds[axis] - 50.0, n.polygon.bounds[axis + 2] + 50.0) for n in layouts]
    pos = _free_position(nb_intervals, target)
    if abs(pos - target) <= 3000.0:
        return pos
    return _free_position([(b.bounds[axis] - 10.0, b.bounds[axis + 2] + 10.0)
                           for b in buildings], target)


def _urban_chunks(urban: list[NeighbourhoodLayout], k: int) -> list[Polygon | MultiPolygon]:
    """Split the urban districts into k parts of about equal building counts, cutting only between rows."""
    units = []  # (neighbourhood, row, buildings in that row)
    for n in urban:
        per_row = [0] * n.rows
        for s in n.streets:
            per_row[s.row] += len(s.buildings)
        units.extend((n, r, c) for r, c in enumerate(per_row))
    total = sum(c for _, _, c in units)
    chunks: list[list[tuple[NeighbourhoodLayout, int]]] = [[] for _ in range(k)]
    acc = 0
    for n, r, c in units:
        i = min(k - 1, int(acc * k / total))
        chunks[i].append((n, r))
        acc += c
    out = []
    for chunk in chunks:
        pieces = []
        by_nb: dict[str, list[int]] = {}
        nbs = {}
        for n, r in chunk:
            by_nb.setdefault(n.spec.code, []).append(r)
            nbs[n.spec.code] = n
        for code, rows in by_nb.items():
            pieces.append(nbs[code].row_band(min(rows), max(rows)))
        out.append(shapely.union_all(pieces))
    return out


def plan_providers(layout: DemoLayout, boundary_lonlat: MultiPolygon, *, seed: int) -> ProviderSet:
    rng = random.Random(f"{seed}:providers")
    phone = _Phones(rng)
    ps = ProviderSet()
    urban = sorted((n for n in layout.neighbourhoods if n.spec.urban), key=lambda n: (n.centre[0], n.spec.code))
    buildings = layout.buildings
    whole = MultiPolygon(boundary_lonlat.geoms) if boundary_lonlat.geom_type == "MultiPolygon" else \
        MultiPolygon([boundary_lonlat])
    b = layout.boundary_metric.bounds
    west, south, east, north = b[0] - 1000.0, b[1] - 1000.0, b[2] + 1000.0, b[3] + 1000.0

    def add_area(source_id: str, name: str, provider: ProviderPlan, geom_metric=None, geom=None) -> None:
        ps.areas.append(AreaPlan(source_id, name, provider.source_id, provider.service_kinds,
                                 geom if geom is not None else _storage(geom_metric)))

    # Housing offices: one dispatch service for emergencies, a number and office hours each.
    housing_emergency = phone()
    for i, chunk in enumerate(_urban_chunks(urban, 7), start=1):
        zhek = ProviderPlan(f"provider:zhek-{i}", "housing_office", f"ЖЕК-{i}", f"ЖЕК-{i}", ("in_house",),
                            phones=[phone()], emergency_phone=housing_emergency, hours=HOUSING_HOURS,
                            address=f"Краматорськ, ЖЕК-{i}")
        ps.providers.append(zhek)
        add_area(f"area:zhek-{i}", f"ЖЕК-{i}: зона обслуговування", zhek, chunk)

    # ОСББ: runs of 1-6 neighbouring apartment blocks on one side of an urban street.
    taken: set[str] = set()
    names: set[str] = set()
    urban_streets = sorted((s for n in urban for s in n.streets), key=lambda s: s.spec.source_id)
    poetic = list(POETIC_OSBB_NAMES)
    while len([p for p in ps.providers if p.kind == "condominium"]) < OSBB_COUNT:
        street = rng.choice(urban_streets)
        side = [bp for bp in street.buildings if bp.side == rng.choice((1, -1))]
        start = rng.randrange(len(side))
        size = rng.choices((1, 2, 3, 4, 5, 6), weights=(35, 25, 15, 10, 8, 7))[0]
        group = []
        for bp in side[start:start + size]:
            if bp.kind != "apartment" or bp.source_id in taken:
                break
            group.append(bp)
        if not group:
            continue
        first = group[0]
        name = f"ОСББ «{first.street.name} {first.housenumber}»"
        if poetic and rng.random() < 0.2:
            name = f"ОСББ «{poetic.pop(0)}»"
        if name in names:
            continue
        names.add(name)
        code = f"provider:osbb:{first.source_id.removeprefix('building:')}"
        osbb = ProviderPlan(code, "condominium", name, name.removeprefix("ОСББ ").strip("«»"), ("in_house",),
                            emergency_phone=housing_emergency, hours="пн–пт 9:00–17:00",
                            escalation_contact="Голова правління ОСББ; " + ESCALATION,
                            address=f"Краматорськ, {first.street.street_type} {first.street.name}, {first.housenumber}")
        ps.providers.append(osbb)
        for bp in group:
            taken.add(bp.source_id)
            ps.assignments.append(AssignmentPlan(f"assignment:{bp.source_id.removeprefix('building:')}", bp,
                                                 code, ("in_house",), note=name))

    # Power: three districts cut north to south.
    y1 = _cut(buildings, layout.neighbourhoods, axis=1, quantile=1 / 3)
    y2 = _cut(buildings, layout.neighbourhoods, axis=1, quantile=2 / 3)
    res = ProviderPlan("provider:res", "power_district", "Краматорський район електричних мереж (РЕС)", "РЕС",
                       ("power",), phones=[phone(), phone(), phone()], emergency_phone=phone(), is_24_7=True,
                       address="Краматорськ, РЕС")
    ps.providers.append(res)
    main = layout.boundary_metric
    for code, label, (lo, hi) in (("south", "південна дільниця", (south, y1)),
                                  ("centre", "центральна дільниця", (y1, y2)),
                                  ("north", "північна дільниця", (y2, north))):
        add_area(f"area:res-{code}", f"РЕС: {label}", res, main.intersection(box(west, lo, east, hi)))

    # Water and sewage: four areas, a west-east cut then a north-south cut in each half.
    x = _cut(buildings, layout.neighbourhoods, axis=0, quantile=0.5)
    vodokanal = ProviderPlan("provider:vodokanal", "water_utility", "Краматорський водоканал", "Водоканал",
                             ("water",), phones=[phone(), phone(), phone()], emergency_phone=phone(), is_24_7=True,
                             address="Краматорськ, водоканал")
    ps.providers.append(vodokanal)
    for half, label, (lo, hi) in (("w", "західна", (west, x)), ("e", "східна", (x, east))):
        in_half = [bp for bp in buildings if lo < bp.px < hi]
        y = _cut(in_half, layout.neighbourhoods, axis=1, quantile=0.5)
        add_area(f"area:water-{half}s", f"Водоканал: {label} частина, південь", vodokanal,
                 main.intersection(box(lo, south, hi, y)))
        add_area(f"area:water-{half}n", f"Водоканал: {label} частина, північ", vodokanal,
                 main.intersection(box(lo, y, hi, north)))

    # Heating and hot water: boiler-house zones over the apartment districts only.
    teplo = ProviderPlan("provider:teplomerezha", "heating_network", "КП «Краматорська тепломережа»",
                         "Тепломережа", ("heating", "hot_water"), phones=[phone(), phone()],
                         emergency_phone=phone(), is_24_7=True, address="Краматорськ, тепломережа")
    ps.providers.append(teplo)
    for i, chunk in enumerate(_urban_chunks(sorted(urban, key=lambda n: (n.centre[1], n.spec.code)), 5), 1):
        add_area(f"area:boiler-{i}", f"Котельня № {i}: зона теплопостачання", teplo, chunk)

    urban_union = shapely.union_all([n.polygon for n in urban])
    lift = ProviderPlan("provider:lift", "lift_service", "КП «Краматорськліфт»", "Ліфтова служба", ("lift",),
                        phones=[phone(), phone()], emergency_phone=phone(), is_24_7=True)
    ps.providers.append(lift)
    add_area("area:lift", "Ліфтова служба: багатоквартирні мікрорайони", lift, urban_union)

    for code, kind, name, short, kinds, n_phones, emergency, is_24_7, hours in (
        ("gas", "gas", "Краматорська служба газу (аварійна)", "Газова служба", ("gas",), 1, "104", True, ""),
        ("waste", "waste_operator", "КП «Чисте місто»", "Вивіз сміття", ("waste",), 2, "", False,
         "пн–сб 7:00–19:00"),
        ("transport", "transport", "КП «Краматорське трамвайно-тролейбусне управління»", "Електротранспорт",
         ("transport",), 2, "", False, "щодня 5:30–23:00"),
        ("roads", "city_services", "КП «Служба автомобільних доріг і освітлення»", "Дороги та освітлення",
         ("roads",), 1, "", False, "пн–пт 8:00–17:00"),
    ):
        prov = ProviderPlan(f"provider:{code}", kind, name, short, kinds,
                            phones=[phone() for _ in range(n_phones)],
                            emergency_phone=emergency or (phone() if is_24_7 else ""), is_24_7=is_24_7, hours=hours)
        ps.providers.append(prov)
        add_area(f"area:{code}", f"{short}: уся громада", prov, geom=whole)
    return ps
