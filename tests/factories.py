"""Small, explicit builders for registry rows in tests.

Coordinates are lon, lat (EPSG:4326) around Kramatorsk. Squares are given in
metres around a lon/lat centre and built in the metric CRS, so sizes are true.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from gis.srid import METRIC_SRID, STORAGE_SRID
from layers import models
from layers.reference import ensure_reference_data

CENTRE = (37.556, 48.738)  # lon, lat: Kramatorsk, near Соцгород


def offset(lon: float, lat: float, *, dx_m: float = 0.0, dy_m: float = 0.0) -> tuple[float, float]:
    """The lon, lat that lies dx_m east and dy_m north of (lon, lat)."""
    p = Point(lon, lat, srid=STORAGE_SRID)
    p.transform(METRIC_SRID)
    q = Point(p.x + dx_m, p.y + dy_m, srid=METRIC_SRID)
    q.transform(STORAGE_SRID)
    return q.x, q.y


def square(lon: float, lat: float, *, half_m: float) -> MultiPolygon:
    """A square of side 2*half_m metres centred on lon, lat, as an EPSG:4326 MultiPolygon."""
    p = Point(lon, lat, srid=STORAGE_SRID)
    p.transform(METRIC_SRID)
    x, y = p.x, p.y
    poly = Polygon(((x - half_m, y - half_m), (x + half_m, y - half_m), (x + half_m, y + half_m),
                    (x - half_m, y + half_m), (x - half_m, y - half_m)), srid=METRIC_SRID)
    poly.transform(STORAGE_SRID)
    return MultiPolygon(poly, srid=STORAGE_SRID)


def box(west: float, south: float, east: float, north: float) -> MultiPolygon:
    """A lon/lat box as an EPSG:4326 MultiPolygon."""
    return MultiPolygon(Polygon.from_bbox((west, south, east, north)), srid=STORAGE_SRID)


def neighbourhood(name: str, *, geom: MultiPolygon | None = None, name_ru: str = "", urban: bool = True) -> models.Neighbourhood:
    return models.Neighbourhood.objects.create(name_uk=name, name_ru=name_ru, geom=geom, urban=urban)


def street(name: str, *, street_type: str = "вулиця", neighbourhood: models.Neighbourhood | None = None,
           aliases: tuple[tuple[str, str], ...] = ()) -> models.Street:
    s = models.Street.objects.create(name=name, street_type=street_type, neighbourhood=neighbourhood)
    for alias, kind in aliases:
        models.StreetAlias.objects.create(street=s, name=alias, kind=kind)
    return s


def building(street: models.Street | None, housenumber: str, *, lon: float, lat: float, half_m: float = 10.0,
             kind: str = "apartment", number: int | None = None, letter: str = "", fraction: str = "",
             block: str = "", flats: int | None = 60, residents: int | None = 140,
             source_id: str = "") -> models.Building:
    if number is None:
        digits = "".join(ch for ch in housenumber if ch.isdigit()) or "0"
        number = int(digits[:6])
    key = f"{number}{letter}" + (f"/{fraction}" if fraction else "") + (f"к{block}" if block else "")
    return models.Building.objects.create(
        geom=square(lon, lat, half_m=half_m), point=Point(lon, lat, srid=STORAGE_SRID), street=street,
        housenumber=housenumber, number=number, letter=letter, fraction=fraction, block=block,
        housenumber_key=key, kind=kind, flats=flats, residents=residents,
        neighbourhood=street.neighbourhood if street else None, source="test", source_id=source_id,
    )


def provider(name: str, kind: str, *, phones: tuple[str, ...] = ("+380626000000",), is_24_7: bool = True,
             service_kinds: tuple[str, ...] = ()) -> models.Provider:
    p = models.Provider.objects.create(name=name, kind=kind, phones=list(phones), is_24_7=is_24_7,
                                       emergency_phone=phones[0] if phones else "")
    if service_kinds:
        p.service_kinds.set(models.ServiceKind.objects.filter(code__in=service_kinds))
    return p


def area(prov: models.Provider, geom: MultiPolygon, *, service_kinds: tuple[str, ...], name: str = "",
         valid_from=None, valid_to=None, priority: int = 0) -> models.ServiceArea:
    a = models.ServiceArea.objects.create(name=name or f"{prov.name} area", provider=prov, geom=geom,
                                          valid_from=valid_from, valid_to=valid_to, priority=priority)
    a.service_kinds.set(models.ServiceKind.objects.filter(code__in=service_kinds))
    return a


def assign(bld: models.Building, prov: models.Provider, *, service_kinds: tuple[str, ...]) -> models.BuildingAssignment:
    a = models.BuildingAssignment.objects.create(building=bld, provider=prov)
    a.service_kinds.set(models.ServiceKind.objects.filter(code__in=service_kinds))
    return a


@dataclass
class TinyCity:
    neighbourhoods: dict[str, models.Neighbourhood] = field(default_factory=dict)
    streets: dict[str, models.Street] = field(default_factory=dict)
    buildings: dict[str, models.Building] = field(default_factory=dict)
    providers: dict[str, models.Provider] = field(default_factory=dict)
    areas: dict[str, models.ServiceArea] = field(default_factory=dict)


def tiny_city() -> TinyCity:
    """Two neighbourhoods side by side (west and east of CENTRE), each with a Шкільна street.

    West: Соцгород (urban) with вулиця Паркова (ru «Парковая»), проспект Миру and вулиця Миру,
    вулиця Дружби (old name «Леніна» until 2016). East: селище Семенівка with its own Шкільна.
    Housing office ЖЕК-1 covers the west half, water utility covers all, an ОСББ is assigned to Паркова 12.
    """
    ensure_reference_data()
    lon0, lat0 = CENTRE
    c = TinyCity()
    west = box(lon0 - 0.02, lat0 - 0.01, lon0, lat0 + 0.01)
    east = box(lon0, lat0 - 0.01, lon0 + 0.02, lat0 + 0.01)
    c.neighbourhoods["socgorod"] = neighbourhood("Соцмісто", name_ru="Соцгород", geom=west)
    c.neighbourhoods["semenivka"] = neighbourhood("Семенівка", name_ru="Семеновка", geom=east, urban=False)
    w, e = c.neighbourhoods["socgorod"], c.neighbourhoods["semenivka"]
    c.streets["parkova"] = street("Паркова", neighbourhood=w, aliases=(("Парковая", "ru"),))
    c.streets["myru_prosp"] = street("Миру", street_type="проспект", neighbourhood=w)
    c.streets["myru"] = street("Миру", neighbourhood=w)
    c.streets["druzhby"] = street("Дружби", neighbourhood=w, aliases=(("Леніна", "old"), ("Ленина", "ru")))
    c.streets["shkilna_w"] = street("Шкільна", neighbourhood=w, aliases=(("Школьная", "ru"),))
    c.streets["shkilna_e"] = street("Шкільна", neighbourhood=e, aliases=(("Школьная", "ru"),))
    specs = [
        ("parkova", "12", -0.015, 0.004, {}),
        ("parkova", "12А", -0.0145, 0.004, {"letter": "А"}),
        ("parkova", "14", -0.014, 0.004, {}),
        ("myru_prosp", "5", -0.012, -0.003, {}),
        ("myru", "5", -0.008, -0.006, {}),
        ("druzhby", "3", -0.005, 0.006, {}),
        ("druzhby", "7/1", -0.004, 0.006, {"fraction": "1", "number": 7}),
        ("shkilna_w", "4", -0.002, -0.002, {}),
        ("shkilna_e", "4", 0.010, 0.002, {"kind": "house", "flats": 1, "residents": 3}),
    ]
    for key, num, dlon, dlat, extra in specs:
        c.buildings[f"{key}:{num}"] = building(c.streets[key], num, lon=lon0 + dlon, lat=lat0 + dlat, **extra)
    c.providers["zhek1"] = provider("ЖЕК-1", "housing_office", service_kinds=("in_house",))
    c.providers["osbb"] = provider("ОСББ «Паркова 12»", "condominium", service_kinds=("in_house",))
    c.providers["water"] = provider("Водоканал", "water_utility", service_kinds=("water",))
    c.areas["zhek1"] = area(c.providers["zhek1"], west, service_kinds=("in_house",), name="ЖЕК-1")
    c.areas["water"] = area(c.providers["water"], box(lon0 - 0.02, lat0 - 0.01, lon0 + 0.02, lat0 + 0.01),
                            service_kinds=("water",), name="Водоканал: місто")
    assign(c.buildings["parkova:12"], c.providers["osbb"], service_kinds=("in_house",))
    return c


def category(code: str, *, service_kinds: tuple[str, ...], hours: int = 15 * 24, is_emergency: bool = False,
             street_level: bool = False, is_consultation: bool = False, name: str = "") -> models.Category:
    """An appeal category (get or create by code, so it coexists with seeded categories)."""
    c, _ = models.Category.objects.update_or_create(
        code=code, defaults={"name_uk": name or code, "deadline_hours": hours, "is_emergency": is_emergency,
                             "street_level": street_level, "is_consultation": is_consultation})
    c.service_kinds.set(models.ServiceKind.objects.filter(code__in=service_kinds))
    return c


def staff(username: str, role: str, *, provider: models.Provider | None = None,
          supervised_kinds: tuple[str, ...] = (), password: str | None = None):
    """A user in one of the appeals roles (dispatcher, provider_operator, supervisor, analyst, administrator).

    No password unless given (hashing one takes about a second); tests log in with force_login or a token.
    """
    from django.contrib.auth.models import Group, User

    from appeals.models import StaffProfile

    user = User.objects.create_user(username=username, password=password)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    if provider is not None or supervised_kinds:
        StaffProfile.objects.create(user=user, provider=provider, supervised_kinds=list(supervised_kinds))
    return user
