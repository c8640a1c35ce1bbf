"""A small test town for the geocoding tests, with names the demo city does not have, far from it.

The demo city (loaded once per session by the `demo_city` fixture and kept) may already be in the test
database; the factories' tiny city shares its street names (Паркова, Шкільна, Миру...), which would turn
every tiny-city lookup into an honest "ambiguous". This town cannot collide with it:

West, Дубки (urban): вулиця Горіхова (ru «Ореховая»), проспект Злагоди and вулиця Злагоди,
вулиця Тиха (old name «Кагановича» until 2016), вулиця Вербова.
East, селище Вербівка (ru «Вербовка»): its own вулиця Вербова.
"""

from dataclasses import dataclass, field

import pytest

from layers import models
from tests import factories

TOWN_CENTRE = (36.300, 49.200)  # lon, lat: open steppe west of Kramatorsk, nowhere near the demo city


@dataclass
class Town:
    neighbourhoods: dict = field(default_factory=dict)
    streets: dict = field(default_factory=dict)
    buildings: dict = field(default_factory=dict)


def build_town() -> Town:
    lon0, lat0 = TOWN_CENTRE
    t = Town()
    west = factories.box(lon0 - 0.02, lat0 - 0.01, lon0, lat0 + 0.01)
    east = factories.box(lon0, lat0 - 0.01, lon0 + 0.02, lat0 + 0.01)
    t.neighbourhoods["dubky"] = factories.neighbourhood("Дубки", name_ru="Дубки", geom=west)
    t.neighbourhoods["verbivka"] = factories.neighbourhood("Вербівка", name_ru="Вербовка", geom=east, urban=False)
    w, e = t.neighbourhoods["dubky"], t.neighbourhoods["verbivka"]
    t.streets["horikhova"] = factories.street("Горіхова", neighbourhood=w, aliases=(("Ореховая", "ru"),))
    t.streets["zlahody_prosp"] = factories.street("Злагоди", street_type="проспект", neighbourhood=w)
    t.streets["zlahody"] = factories.street("Злагоди", neighbourhood=w)
    t.streets["tykha"] = factories.street("Тиха", neighbourhood=w, aliases=(("Кагановича", "old"), ("Тихая", "ru")))
    t.streets["verbova_w"] = factories.street("Вербова", neighbourhood=w, aliases=(("Вербовая", "ru"),))
    t.streets["verbova_e"] = factories.street("Вербова", neighbourhood=e, aliases=(("Вербовая", "ru"),))
    specs = [
        ("horikhova", "12", -0.015, 0.004, {}),
        ("horikhova", "12А", -0.0145, 0.004, {"letter": "А"}),
        ("horikhova", "14", -0.014, 0.004, {}),
        ("zlahody_prosp", "5", -0.012, -0.003, {}),
        ("zlahody", "5", -0.008, -0.006, {}),
        ("tykha", "3", -0.005, 0.006, {}),
        ("tykha", "7/1", -0.004, 0.006, {"fraction": "1", "number": 7}),
        ("verbova_w", "4", -0.002, -0.002, {}),
        ("verbova_e", "4", 0.010, 0.002, {"kind": "house", "flats": 1, "residents": 3}),
    ]
    for key, num, dlon, dlat, extra in specs:
        t.buildings[f"{key}:{num}"] = factories.building(t.streets[key], num, lon=lon0 + dlon, lat=lat0 + dlat, **extra)
    return t


@pytest.fixture
def town(db) -> Town:
    return build_town()


@pytest.mark.django_db
def test_the_town_shares_no_street_name_with_anything_else_in_the_registry(town):
    ours = {s.id for s in town.streets.values()}
    names = {s.name for s in town.streets.values()}
    assert not models.Street.objects.filter(name__in=names).exclude(id__in=ours).exists()
