"""load_demo_city(): write the generated demo city into the registry, once.

    >>> from layers.demo.service import SYNTHETIC_NOTE
    >>> "синтетична" in SYNTHETIC_NOTE
    True

Every row written has source="demo" and a stable source_id. The hromada boundary row carries the
generator version and seed in its source_id (DEMO_STAMP), so a second call with the same seed finds it
and returns at once; another seed, a newer generator or ``force=True`` deletes the source="demo" rows
and loads again, all in one transaction. Buildings go in through COPY (one round trip for ~20k rows).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from django.db.models import PROTECT, Count, ProtectedError, RestrictedError
from psycopg import sql
from shapely.geometry import MultiLineString, MultiPolygon, shape

from gis.environment import refuse_in_production
from gis.srid import STORAGE_SRID
from layers import models
from layers.demo.geometry import DemoLayout, generate_layout, to_storage
from layers.demo.providers import ProviderSet, plan_providers
from layers.demo.register import BOUNDARY_GEOJSON, CleanRegister, load_register
from layers.reference import ensure_reference_data

SOURCE = "demo"
DEFAULT_SEED = 2026
GENERATOR_VERSION = 1  # bump when the generator's output changes: loaded demos then reload by themselves
SYNTHETIC_NOTE = (
    "Увага: геометрія демо-міста синтетична. Справжні лише межа громади (OpenStreetMap), реєстр вулиць 2015 року "
    "з російськими назвами та мікрорайонами і перейменування, що діють; контури мікрорайонів, осі вулиць, "
    "будинки, виконавці, телефони та зони обслуговування згенеровано."
)


def demo_stamp(seed: int) -> str:
    """The boundary row's source_id: which generator and seed made the loaded demo."""
    return f"hromada:demo-v{GENERATOR_VERSION}:seed-{seed}"


@dataclass
class DemoCity:
    """The whole demo city in memory (lon/lat geometries), before anything is written."""

    seed: int
    register: CleanRegister
    boundary: MultiPolygon  # lon/lat
    boundary_names: dict[str, str]
    layout: DemoLayout
    providers: ProviderSet
    building_geoms: np.ndarray  # lon/lat MultiPolygons, in layout.buildings order
    building_points: np.ndarray  # lon/lat Points

    def fingerprint(self) -> str:
        """A hash of every generated row and coordinate: equal for equal cities."""
        h = hashlib.sha256()
        for n in self.layout.neighbourhoods:
            h.update(n.spec.code.encode() + shapely.to_wkb(to_storage(n.polygon)))
        for s in self.layout.streets:
            h.update(s.spec.source_id.encode() + shapely.to_wkb(to_storage(s.axis)))
        for b, g in zip(self.layout.buildings, self.building_geoms, strict=True):
            h.update(f"{b.source_id}|{b.kind}|{b.floors}|{b.flats}|{b.residents}".encode() + shapely.to_wkb(g))
        for a in self.providers.areas:
            h.update(a.source_id.encode() + shapely.to_wkb(a.geom))
        for p in self.providers.providers:
            h.update(json.dumps([p.source_id, p.name, p.phones, p.emergency_phone], ensure_ascii=False).encode())
        for a in self.providers.assignments:
            h.update(f"{a.source_id}|{a.provider}".encode())
        return h.hexdigest()


def generate_demo_city(*, seed: int = DEFAULT_SEED) -> DemoCity:
    """Generate the demo city in memory (about a second). No database access."""
    with open(BOUNDARY_GEOJSON, encoding="utf-8") as f:
        features = json.load(f)["features"]
    feature = next(ft for ft in features if ft["geometry"]["type"] == "MultiPolygon")
    boundary = shape(feature["geometry"])
    register = load_register()
    layout = generate_layout(register, boundary, seed=seed)
    providers = plan_providers(layout, boundary, seed=seed)
    buildings = layout.buildings
    footprints = to_storage(np.array([b.footprint for b in buildings], dtype=object))
    points = to_storage(np.array([b.point for b in buildings], dtype=object))
    props = feature["properties"]
    names = {"uk": props.get("name:uk") or props["name"], "ru": props.get("name:ru", ""),
             "en": props.get("name:en", ""), "admin_level": props.get("admin_level", "")}
    return DemoCity(seed=seed, register=register, boundary=boundary, boundary_names=names, layout=layout,
                    providers=providers, building_geoms=shapely.multipolygons(footprints[:, None]),
                    building_points=points)


@dataclass
class DemoReport:
    seed: int
    already_loaded: bool = False
    deleted: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    renamings_applied: list[str] = field(default_factory=list)
    renamings_not_applied: list[str] = field(default_factory=list)
    seconds: float = 0.0
    kept_other: str = ""  # a demo of another seed or version kept because other data uses it

    @property
    def created(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        if self.kept_other:
            return [f"Завантажено демо іншого зерна або версії генератора; залишено як є: {self.kept_other}",
                    SYNTHETIC_NOTE]
        if self.already_loaded:
            return [f"Демо-місто (seed {self.seed}, генератор v{GENERATOR_VERSION}) вже завантажено: нічого не змінено "
                    f"({self.seconds:.2f} с). Перезавантажити: --force.", SYNTHETIC_NOTE]
        c = self.counts
        out = [f"Демо-місто Краматорськ (seed {self.seed}, генератор v{GENERATOR_VERSION}) завантажено за "
               f"{self.seconds:.1f} с" + (f"; попереднє демо видалено ({self.deleted} рядків)" if self.deleted else "")]
        out.append(f"  межа громади: {c.get('boundaries', 0)}, мікрорайонів і селищ: {c.get('neighbourhoods', 0)}, "
                   f"вулиць: {c.get('streets', 0)} (інших назв: {c.get('aliases', 0)})")
        out.append(f"  будинків: {c.get('buildings', 0)} (багатоквартирних {c.get('buildings_apartment', 0)}, "
                   f"приватних {c.get('buildings_house', 0)}, громадських {c.get('buildings_public', 0)})")
        out.append(f"  виконавців: {c.get('providers', 0)} (з них ОСББ {c.get('condominiums', 0)}), "
                   f"зон обслуговування: {c.get('areas', 0)}, призначень будинків: {c.get('assignments', 0)}, "
                   f"диспетчерських номерів: {c.get('dispatch_numbers', 0)}")
        out.append(f"  перейменування, що діють, застосовано: {len(self.renamings_applied)}; "
                   f"не застосовано: {len(self.renamings_not_applied)} (запропоновані або без вулиці в реєстрі)")
        out.append(SYNTHETIC_NOTE)
        return out


def _geos(geom: shapely.Geometry) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=STORAGE_SRID)


# In the order they are deleted: dependants first.
DEMO_MODELS = (models.BuildingAssignment, models.ServiceArea, models.Provider, models.Building, models.Street,
               models.Neighbourhood, models.Boundary)


def _protected_users() -> Counter:
    """Rows outside the demo that a PROTECT foreign key ties to demo rows, counted by model and source."""
    found: Counter = Counter()
    for model in DEMO_MODELS:
        for rel in model._meta.related_objects:
            if rel.on_delete is not PROTECT or rel.many_to_many:
                continue
            users = rel.related_model._default_manager.filter(**{f"{rel.field.name}__source": SOURCE})
            has_source = any(f.name == "source" for f in rel.related_model._meta.concrete_fields)
            if has_source:
                users = users.exclude(source=SOURCE)
                for source, n in users.values_list("source").annotate(n=Count("pk")).order_by():
                    found[f"{rel.related_model._meta.verbose_name_plural} (джерело {source})"] += n
            elif n := users.count():
                found[str(rel.related_model._meta.verbose_name_plural)] += n
    return found


class DemoCityInUse(RuntimeError):
    """Rows of other sources (appeals, operators, imported buildings) point at demo rows that must not vanish."""


def delete_demo_city() -> int:
    """Delete every source="demo" registry row (dependants first). Returns the number of rows deleted.

    Raises DemoCityInUse, deleting nothing, when other data protects a demo row (an appeal on a demo
    building, an operator of a demo provider, a building of another source on a demo street).
    """
    users = _protected_users()
    if users:
        detail = ", ".join(f"{label}: {n}" for label, n in sorted(users.items()))
        raise DemoCityInUse(f"демо-місто використовують інші дані ({detail}); спершу видаліть їх")
    deleted = 0
    try:
        with transaction.atomic():
            for model in DEMO_MODELS:
                n, _ = model.objects.filter(source=SOURCE).only("pk").delete()
                deleted += n
    except (ProtectedError, RestrictedError) as exc:
        objects = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", [])
        users = Counter(f"{o._meta.verbose_name_plural} (джерело {getattr(o, 'source', '?')})" for o in objects)
        detail = ", ".join(f"{label}: {n}" for label, n in sorted(users.items()))
        raise DemoCityInUse(f"демо-місто використовують інші дані ({detail}); спершу видаліть їх") from None
    return deleted


def _copy_buildings(city: DemoCity, street_ids: dict[str, int], nb_ids: dict[str, int]) -> None:
    table = models.Building._meta.db_table
    columns = ["source", "source_id", "geom", "point", "street_id", "housenumber", "number", "letter", "fraction",
               "block", "housenumber_key", "kind", "floors", "flats", "residents", "neighbourhood_id"]
    geoms = shapely.to_wkb(shapely.set_srid(city.building_geoms, STORAGE_SRID), hex=True, include_srid=True)
    points = shapely.to_wkb(shapely.set_srid(city.building_points, STORAGE_SRID), hex=True, include_srid=True)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns))
    with connection.cursor() as cur, cur.cursor.copy(statement) as copy:
        for b, g, p in zip(city.layout.buildings, geoms, points, strict=True):
            copy.write_row((SOURCE, b.source_id, g, p, street_ids[b.street.source_id], b.housenumber, b.number,
                            b.letter, b.fraction, b.block, b.key, b.kind, b.floors, b.flats, b.residents,
                            nb_ids[b.street.neighbourhood.code]))


def _write(city: DemoCity, stamp: str, report: DemoReport) -> None:
    ensure_reference_data()
    names = city.boundary_names
    models.Boundary.objects.create(
        source=SOURCE, source_id=stamp, name_uk=names["uk"], name_ru=names["ru"], name_en=names["en"],
        admin_level=int(names["admin_level"]) if str(names["admin_level"]).isdigit() else None,
        geom=_geos(city.boundary),
    )
    nbs = models.Neighbourhood.objects.bulk_create([
        models.Neighbourhood(source=SOURCE, source_id=f"neighbourhood:{n.spec.code}", name_uk=n.spec.name_uk,
                             name_ru=n.spec.name_ru, kind=n.spec.kind, urban=n.spec.urban,
                             geom=_geos(MultiPolygon([to_storage(n.polygon)])))
        for n in city.layout.neighbourhoods
    ])
    nb_ids = {n.source_id.removeprefix("neighbourhood:"): n.pk for n in nbs}
    streets = models.Street.objects.bulk_create([
        models.Street(source=SOURCE, source_id=s.spec.source_id, name=s.spec.name, street_type=s.spec.street_type,
                      neighbourhood_id=nb_ids[s.spec.neighbourhood.code],
                      geom=_geos(MultiLineString([to_storage(s.axis)])))
        for s in city.layout.streets
    ])
    street_ids = {s.source_id: s.pk for s in streets}
    aliases = models.StreetAlias.objects.bulk_create([
        models.StreetAlias(street_id=street_ids[s.source_id], name=a.name, street_type=a.street_type, kind=a.kind,
                           valid_until_year=a.valid_until_year)
        for s in city.register.streets for a in s.aliases
    ])
    _copy_buildings(city, street_ids, nb_ids)
    building_ids = dict(models.Building.objects.filter(source=SOURCE).values_list("source_id", "pk"))

    plans = city.providers
    providers = models.Provider.objects.bulk_create([
        models.Provider(source=SOURCE, source_id=p.source_id, kind=p.kind, name=p.name, short_name=p.short_name,
                        phones=p.phones, emergency_phone=p.emergency_phone, is_24_7=p.is_24_7, hours=p.hours,
                        escalation_contact=p.escalation_contact, address=p.address)
        for p in plans.providers
    ])
    provider_ids = {p.source_id: p.pk for p in providers}
    models.Provider.service_kinds.through.objects.bulk_create([
        models.Provider.service_kinds.through(provider_id=provider_ids[p.source_id], servicekind_id=k)
        for p in plans.providers for k in p.service_kinds
    ])
    areas = models.ServiceArea.objects.bulk_create([
        models.ServiceArea(source=SOURCE, source_id=a.source_id, name=a.name, provider_id=provider_ids[a.provider],
                           geom=_geos(a.geom))
        for a in plans.areas
    ])
    area_ids = {a.source_id: a.pk for a in areas}
    models.ServiceArea.service_kinds.through.objects.bulk_create([
        models.ServiceArea.service_kinds.through(servicearea_id=area_ids[a.source_id], servicekind_id=k)
        for a in plans.areas for k in a.service_kinds
    ])
    assignments = models.BuildingAssignment.objects.bulk_create([
        models.BuildingAssignment(source=SOURCE, source_id=a.source_id, building_id=building_ids[a.building.source_id],
                                  provider_id=provider_ids[a.provider], note=a.note)
        for a in plans.assignments
    ])
    assignment_ids = {a.source_id: a.pk for a in assignments}
    models.BuildingAssignment.service_kinds.through.objects.bulk_create([
        models.BuildingAssignment.service_kinds.through(buildingassignment_id=assignment_ids[a.source_id],
                                                        servicekind_id=k)
        for a in plans.assignments for k in a.service_kinds
    ])

    with connection.cursor() as cur:  # fresh statistics, or the planner scans 20k footprints for every lookup
        for model in (models.Building, models.Street, models.StreetAlias, models.Neighbourhood, models.ServiceArea,
                      models.ServiceAreaPart, models.BuildingAssignment, models.Provider):
            cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(model._meta.db_table)))

    kinds = [b.kind for b in city.layout.buildings]
    report.counts = {
        "boundaries": 1, "neighbourhoods": len(nbs), "streets": len(streets), "aliases": len(aliases),
        "buildings": len(building_ids), "buildings_apartment": kinds.count("apartment"),
        "buildings_house": kinds.count("house"), "buildings_public": kinds.count("public"),
        "providers": len(providers), "condominiums": sum(p.kind == "condominium" for p in plans.providers),
        "areas": len(areas), "assignments": len(assignments), "dispatch_numbers": len(plans.dispatch_numbers),
    }


def load_demo_city(*, seed: int = DEFAULT_SEED, force: bool = False, stdout: TextIO | None = None) -> DemoReport:
    """Load the demo city unless this seed and generator version are loaded already (then return at once).

    force=True (or another seed, or a newer generator) deletes the source="demo" rows first. Atomic.
    The report's lines() say what was written, and that the geometry is synthetic.
    """
    if force:
        refuse_in_production("load_demo_city --force")
    started = time.perf_counter()
    report = DemoReport(seed=seed)
    stamp = demo_stamp(seed)
    loaded = models.Boundary.objects.filter(source=SOURCE).values_list("source_id", flat=True).first()
    if not force and loaded == stamp and models.Building.objects.filter(source=SOURCE).exists():
        report.already_loaded = True
    else:
        try:
            with transaction.atomic():
                report.deleted = delete_demo_city()  # first: refuses at once when other data uses the demo
                city = generate_demo_city(seed=seed)
                report.renamings_applied = list(city.register.renamings_applied)
                report.renamings_not_applied = list(city.register.renamings_not_applied)
                _write(city, stamp, report)
        except DemoCityInUse as exc:
            if force:
                raise
            # Another seed or generator version is loaded and in use: keep it rather than break that data.
            report.already_loaded, report.kept_other = True, f"{loaded}: {exc}"
    report.seconds = time.perf_counter() - started
    if stdout is not None:
        stdout.write("\n".join(report.lines()) + "\n")
    return report
