"""The routing_changed hook (layers.services), registry health, and the batch router against PostGIS routing."""

from __future__ import annotations

import csv
import random

import pytest
from django.core.management import CommandError, call_command
from django.dispatch import receiver

from layers import routing, services
from layers.batch import OUTCOMES, load_router
from layers.health import health_geojson, registry_health
from layers.models import Building
from tests import factories as f

pytestmark = pytest.mark.django_db

LON0, LAT0 = f.CENTRE


@pytest.fixture
def received():
    got = []

    @receiver(services.routing_changed)
    def listener(sender, change, **kwargs):
        got.append(change)
        return {"moved": sorted(change.building_ids)}

    yield got
    services.routing_changed.disconnect(listener)


def test_editing_an_area_announces_every_building_in_its_old_and_new_shape(registry, received):
    power = f.provider("РЕС", "power_district", service_kinds=("power",))
    west_half = f.area(power, f.box(LON0 - 0.02, LAT0, LON0, LAT0 + 0.01), service_kinds=("power",))
    north_west = {b.pk for b in registry.buildings.values() if b.point.x < LON0 and b.point.y > LAT0}
    south_east = {b.pk for b in registry.buildings.values() if b.point.x > LON0 - 0.006 and b.point.y < LAT0 + 0.005}
    change = services.update_area(area=west_half, geom=f.box(LON0 - 0.006, LAT0 - 0.01, LON0 + 0.02, LAT0 + 0.005))
    assert received == [change]
    assert change.building_ids == frozenset(north_west | south_east)
    assert change.area_ids == {west_half.pk}
    assert {"moved": sorted(north_west | south_east)} in change.reports  # other apps' receivers report too
    # The routing itself moved with it.
    druzhby = registry.buildings["druzhby:3"]  # north-west, now outside
    assert {d.service_kind: d for d in routing.route_building(building=druzhby)}["power"].outcome == "gap"


def test_deleting_an_area_and_changing_an_assignment_announce_their_buildings(registry, received):
    services.delete_area(area=registry.areas["zhek1"])
    west = {b.pk for b in registry.buildings.values() if b.point.x < LON0}
    assert received[-1].building_ids == west
    assignment = registry.buildings["parkova:12"].assignments.get()
    services.save_assignment(assignment=assignment, service_kinds=["in_house", "lift"])
    assert received[-1].building_ids == {registry.buildings["parkova:12"].pk}
    assignment_id = assignment.pk
    services.delete_assignment(assignment=assignment)
    assert received[-1].assignment_ids == {assignment_id}
    assert len(received) == 3


def test_registry_health_finds_gaps_overlaps_buildings_without_housing_and_empty_areas(registry):
    lift = f.provider("Ліфти", "lift_service", service_kinds=("lift",))
    f.area(lift, f.box(LON0 - 0.02, LAT0 - 0.01, LON0, LAT0 + 0.01), service_kinds=("lift",))  # west only
    f.area(f.provider("Ліфти-2", "lift_service"), f.square(LON0 - 0.015, LAT0 + 0.004, half_m=200),
           service_kinds=("lift",))  # overlaps around Паркова
    empty = f.area(f.provider("Порожня", "city_services"), f.square(LON0 + 0.1, LAT0, half_m=100), service_kinds=("other",))
    report = registry_health()
    east = registry.buildings["shkilna_e:4"].pk
    assert report.gaps["lift"] == [east]
    assert report.gap_building_kinds["lift"] == {"house": 1}  # the private house east
    assert east in report.gaps["in_house"]  # ЖЕК-1 covers the west only
    assert "water" not in report.gaps  # the water utility covers the whole city
    overlapped = {o.building_id for o in report.overlaps if o.service_kind == "lift"}
    assert overlapped == {registry.buildings[k].pk for k in ("parkova:12", "parkova:12А", "parkova:14")}
    assert all(not o.decided_by_priority for o in report.overlaps)
    assert report.without_housing == []  # the only building east is a private house
    assert report.empty_areas == [empty.pk]
    assert "power" in report.kinds_without_areas
    geojson = health_geojson(report)
    assert '"empty_area"' in geojson and '"overlap"' in geojson


def test_registry_health_names_an_apartment_block_without_housing_office(registry):
    b = f.building(registry.streets["shkilna_e"], "10", lon=LON0 + 0.012, lat=LAT0 + 0.002)
    assert registry_health().without_housing == [b.pk]


def test_the_batch_router_agrees_with_postgis_routing_on_random_points(registry):
    power_w = f.provider("РЕС-1", "power_district")
    power_e = f.provider("РЕС-2", "power_district")
    f.area(power_w, f.box(LON0 - 0.02, LAT0 - 0.01, LON0, LAT0 + 0.01), service_kinds=("power",))
    f.area(power_e, f.box(LON0, LAT0 - 0.01, LON0 + 0.02, LAT0 + 0.01), service_kinds=("power",))
    f.area(f.provider("РЕС-3", "power_district"), f.square(LON0 + 0.01, LAT0, half_m=300),
           service_kinds=("power",), priority=3)
    f.area(f.provider("Ліфти", "lift_service"), f.square(LON0 - 0.005, LAT0, half_m=250), service_kinds=("lift",))
    f.area(f.provider("Ліфти-2", "lift_service"), f.square(LON0 - 0.003, LAT0, half_m=250), service_kinds=("lift",))
    rng = random.Random(4)
    points = [(LON0 + rng.uniform(-0.025, 0.025), LAT0 + rng.uniform(-0.012, 0.012)) for _ in range(150)]
    points += [(LON0, LAT0 + 0.001)]  # on the shared edge
    points += [(b.point.x, b.point.y) for b in Building.objects.all()]  # incl. the ОСББ's building
    result = load_router(cell_m=100).route([p[0] for p in points], [p[1] for p in points])
    for kind in ("power", "lift", "in_house", "water"):
        provider, outcome, _area, _rule = result.column(kind)
        for i, (lon, lat) in enumerate(points):
            d = {d.service_kind: d for d in routing.route_point(lon=lon, lat=lat, service_kinds=[kind])}[kind]
            assert (OUTCOMES[outcome[i]], int(provider[i]) or None) == (d.outcome, d.provider.pk if d.provider else None), (
                kind, lon, lat, d.reason)


def test_route_points_command_writes_a_provider_and_outcome_per_kind(registry, tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    parkova12 = registry.buildings["parkova:12"].point
    src.write_text(f"lon,lat\n{parkova12.x},{parkova12.y}\n{LON0 + 0.5},{LAT0}\nnot-a-number,48\n", encoding="utf-8")
    call_command("route_points", str(src), str(out), verbosity=0)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 3
    assert rows[0]["in_house_provider"] == str(registry.providers["osbb"].pk) and rows[0]["in_house_outcome"] == "assigned"
    assert rows[0]["water_provider"] == str(registry.providers["water"].pk)
    assert rows[0]["water_area"] == str(registry.areas["water"].pk)
    assert (rows[1]["water_outcome"], rows[1]["water_provider"]) == ("gap", "")
    assert rows[2]["water_outcome"] == "invalid"
    assert rows[1]["water_suggested_provider"] == ""  # 0.5° away: nothing within 100 m


def test_route_points_suggests_the_nearest_area_within_100_m_for_a_gap_like_route_point(registry, tmp_path):
    from layers import routing
    from tests.factories import offset

    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    # The water area's east edge is at LON0 + 0.02: 70 m beyond it, then 130 m beyond it.
    edge = LON0 + 0.02
    near, far = offset(edge, LAT0, dx_m=70), offset(edge, LAT0, dx_m=130)
    src.write_text(f"lon,lat\n{near[0]},{near[1]}\n{far[0]},{far[1]}\n", encoding="utf-8")
    call_command("route_points", str(src), str(out), verbosity=0)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["water_outcome"] == "gap"
    assert rows[0]["water_suggested_provider"] == str(registry.providers["water"].pk)
    assert rows[0]["water_suggested_area"] == str(registry.areas["water"].pk)
    assert 65 < float(rows[0]["water_suggested_m"]) < 75
    assert (rows[1]["water_outcome"], rows[1]["water_suggested_provider"]) == ("gap", "")
    # The same answer as the online router gives for the single point.
    (water,) = routing.route_point(lon=near[0], lat=near[1], service_kinds=["water"])
    assert water.rule == "nearest" and water.candidates[0].pk == registry.providers["water"].pk


def test_registry_health_command_prints_the_summary(registry, capsys):
    call_command("registry_health")
    out = capsys.readouterr().out
    assert "gaps" in out and "in_house: 1" in out and "areas covering no building: 0" in out


def test_route_points_reads_and_writes_parquet_geoparquet_geopackage_and_geojson_in_chunks(registry, tmp_path):
    import geopandas as gpd
    import pandas as pd
    import pyarrow.parquet as pq
    import pyogrio
    from shapely.geometry import Point

    p = registry.buildings["parkova:12"].point
    points = [(p.x, p.y), (LON0 + 0.5, LAT0)] * 1500  # 3,000 points in chunks of 1,000
    frame = pd.DataFrame(points, columns=["lon", "lat"])
    frame.to_parquet(tmp_path / "in.parquet")
    gdf = gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in points], crs=4326)
    gdf.to_parquet(tmp_path / "in_geo.parquet")
    gdf.to_crs(32637).to_file(tmp_path / "in.gpkg")  # metres: reprojected to lon/lat on reading
    gdf.iloc[:10].to_file(tmp_path / "in.geojson")
    gpd.GeoDataFrame(geometry=[Point(p.x, p.y)]).to_file(tmp_path / "no_crs.gpkg")
    want = str(registry.providers["water"].pk)
    for src, dst in (("in.parquet", "out.parquet"), ("in_geo.parquet", "out.csv"), ("in.gpkg", "out.gpkg"),
                     ("in.geojson", "out2.csv")):
        call_command("route_points", str(tmp_path / src), str(tmp_path / dst), "--chunk-rows", "1000", verbosity=0)
        if dst.endswith(".parquet"):
            out = pq.read_table(tmp_path / dst).to_pandas()
        elif dst.endswith(".gpkg"):
            out = pyogrio.read_dataframe(tmp_path / dst)
        else:
            out = pd.read_csv(tmp_path / dst, dtype=str)
        assert len(out) == (10 if src == "in.geojson" else 3000), src
        assert str(out["water_provider"].iloc[0]).removesuffix(".0") == want, src
        assert list(out["water_outcome"].iloc[:2]) == ["assigned", "gap"], src
    with pytest.raises(CommandError, match="системи координат"):
        call_command("route_points", str(tmp_path / "no_crs.gpkg"), str(tmp_path / "x.csv"), verbosity=0)
    with pytest.raises(CommandError, match="формат"):
        call_command("route_points", str(tmp_path / "in.parquet"), str(tmp_path / "x.xlsx"), verbosity=0)
