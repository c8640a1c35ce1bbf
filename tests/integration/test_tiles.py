"""Vector tiles (webmap.tiles, /tiles/...): valid MVT with the expected layers, clusters, caching."""

import mapbox_vector_tile
import pytest
from django.db import connection
from django.db.models import F

from tests.integration.map_data import appeal
from webmap import clusters as cl

pytestmark = pytest.mark.django_db


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    x, y = cl.lonlat_to_mercator(lon, lat)
    size = 2 * cl.MERCATOR_HALF / 2**z
    return int((x + cl.MERCATOR_HALF) // size), int((cl.MERCATOR_HALF - y) // size)


def _get(client, layer: str, lon: float, lat: float, z: int, query: str = "") -> dict:
    tx, ty = _tile_of(lon, lat, z)
    response = client.get(f"/tiles/{layer}/{z}/{tx}/{ty}.pbf{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.content)


@pytest.fixture
def city_with_appeals(registry):
    b = registry.buildings
    for i in range(3):
        appeal(f"26-00000{i}", building=b["parkova:12"], status="registered" if i else "resolved")
    appeal("26-000010", building=b["parkova:14"])
    appeal("26-000020", building=b["shkilna_e:4"], category="no_power")
    appeal("26-000030", building=b["druzhby:3"], category="consultation")  # not public
    appeal("26-000040", building=b["myru:5"], age_days=400)  # older than the public window
    return registry


def test_registry_layers_decode_as_mvt_with_their_layer_names(client, registry):
    lon, lat = registry.buildings["parkova:12"].point.coords
    for layer in ("buildings", "streets", "neighbourhoods", "boundary", "service_areas"):
        decoded = _get(client, layer, lon, lat, 15)
        assert set(decoded) <= {layer}
    assert len(_get(client, "buildings", lon, lat, 15)["buildings"]["features"]) >= 3
    areas = _get(client, "service_areas", lon, lat, 15)["service_areas"]["features"]
    assert {f["properties"]["provider"] for f in areas} >= {"ЖЕК-1", "Водоканал"}
    assert all(f["properties"]["colour"].startswith("#") for f in areas)


def test_buildings_are_left_out_below_street_zooms(client, registry):
    lon, lat = registry.buildings["parkova:12"].point.coords
    assert _get(client, "buildings", lon, lat, 12) == {}


def test_appeals_tile_at_city_zoom_holds_clusters_with_counts_by_status(client, city_with_appeals):
    lon, lat = city_with_appeals.buildings["parkova:12"].point.coords
    features = _get(client, "appeals", lon, lat, 12)["appeals"]["features"]
    assert sum(f["properties"]["count"] for f in features) == 5  # not the consultation, not the 400-day-old one
    assert all(f["properties"]["cluster"] == 1 for f in features)
    assert sum(f["properties"]["resolved"] for f in features) == 1


def test_appeals_tile_at_street_zoom_holds_single_appeals_at_the_building_point(client, city_with_appeals):
    bld = city_with_appeals.buildings["parkova:12"]
    lon, lat = bld.point.coords
    features = _get(client, "appeals", lon, lat, 17)["appeals"]["features"]
    numbers = sorted(f["properties"]["number"] for f in features)
    assert {"26-000000", "26-000001", "26-000002"} <= set(numbers)
    assert "26-000030" not in numbers
    assert set(features[0]["properties"]) == {"number", "status", "category", "created", "age"}


def test_the_category_filter_reaches_the_tile(client, city_with_appeals):
    lon, lat = city_with_appeals.buildings["parkova:12"].point.coords
    features = _get(client, "appeals", lon, lat, 10, "?category=no_power")["appeals"]["features"]
    assert sum(f["properties"]["count"] for f in features) == 1


def test_a_cached_tile_is_invalidated_when_an_appeal_is_added(client, city_with_appeals):
    bld = city_with_appeals.buildings["parkova:14"]
    lon, lat = bld.point.coords
    before = sum(f["properties"]["count"] for f in _get(client, "appeals", lon, lat, 12)["appeals"]["features"])
    assert before == sum(f["properties"]["count"] for f in _get(client, "appeals", lon, lat, 12)["appeals"]["features"])
    appeal("26-000050", building=bld)
    after = sum(f["properties"]["count"] for f in _get(client, "appeals", lon, lat, 12)["appeals"]["features"])
    assert after == before + 1


def test_cells_follow_status_changes_and_deletes(city_with_appeals):
    from appeals.models import Appeal
    from webmap.cells import ALL_COUNTS

    def counts():
        with connection.cursor() as cur:
            cur.execute(f"SELECT {', '.join(f'sum(n_{s})' for s in ALL_COUNTS)} FROM webmap_appealcell WHERE level = 17")
            return {s: n for s, n in zip(ALL_COUNTS, cur.fetchone(), strict=True) if n}

    assert counts() == {"registered": 6, "resolved": 1}
    Appeal.objects.filter(number="26-000001").update(status="in_progress")
    assert counts() == {"in_progress": 1, "registered": 5, "resolved": 1}
    Appeal.objects.filter(number="26-000040").delete()
    assert counts() == {"in_progress": 1, "registered": 4, "resolved": 1}


def test_updates_that_do_not_move_an_appeal_on_the_map_leave_the_cells_alone(city_with_appeals):
    from appeals.models import Appeal

    def cells():
        with connection.cursor() as cur:
            cur.execute("SELECT level, ix, iy, week, category_id, ctid::text FROM webmap_appealcell ORDER BY 1, 2, 3, 4, 5")
            return cur.fetchall()

    before = cells()
    Appeal.objects.update(version=F("version") + 1)  # what the sweep and the workflow do all the time
    assert cells() == before  # same rows, not even rewritten (ctid unchanged)
    Appeal.objects.filter(number="26-000001").update(status="in_progress")
    assert cells() != before


def test_an_unknown_layer_or_tile_is_404(client, registry):
    assert client.get("/tiles/secrets/1/0/0.pbf").status_code == 404
    assert client.get("/tiles/streets/2/9/0.pbf").status_code == 404


def test_the_internal_layer_needs_a_signed_in_member_of_a_role(client, city_with_appeals):
    from tests import factories

    assert client.get("/tiles/appeals_internal/12/2475/1420.pbf").status_code in (302, 403)
    client.force_login(factories.staff("disp-tiles", "dispatcher"))
    lon, lat = city_with_appeals.buildings["druzhby:3"].point.coords
    features = _get(client, "appeals_internal", lon, lat, 17)["appeals"]["features"]
    assert "26-000030" in {f["properties"]["number"] for f in features}  # staff see non-public categories


def test_a_django_staff_user_without_a_role_sees_nothing_on_the_internal_layer_as_in_the_api(
        client, city_with_appeals, django_user_model):
    staff = django_user_model.objects.create_user("staff", password="pw-123456", is_staff=True)
    client.force_login(staff)
    lon, lat = city_with_appeals.buildings["druzhby:3"].point.coords
    tx, ty = _tile_of(lon, lat, 17)
    assert client.get(f"/tiles/appeals_internal/17/{tx}/{ty}.pbf").status_code == 403
    assert client.get("/api/v1/appeals").status_code == 403


def test_internal_tiles_are_private_and_public_tiles_public(client, city_with_appeals):
    from tests import factories

    lon, lat = city_with_appeals.buildings["parkova:12"].point.coords
    tx, ty = _tile_of(lon, lat, 16)
    public = client.get(f"/tiles/appeals/16/{tx}/{ty}.pbf")
    assert "public" in public["Cache-Control"] and "private" not in public["Cache-Control"]
    client.force_login(factories.staff("disp-cache", "dispatcher"))
    internal = client.get(f"/tiles/appeals_internal/16/{tx}/{ty}.pbf")
    assert internal.status_code == 200
    directives = {d.strip() for d in internal["Cache-Control"].split(",")}
    assert "private" in directives and "public" not in directives


def test_a_supervisor_sees_on_the_internal_layer_only_the_appeals_of_their_provider_kinds(client, city_with_appeals):
    from django.utils import timezone

    from appeals.models import Appeal, AppealRoute
    from tests import factories

    water = city_with_appeals.providers["water"]
    mine = Appeal.objects.get(number="26-000010")
    AppealRoute.objects.create(appeal=mine, service_kind_id="water", provider=water, outcome="assigned",
                               created_at=timezone.now())
    client.force_login(factories.staff("sup-water", "supervisor", supervised_kinds=(water.kind,)))
    lon, lat = city_with_appeals.buildings["parkova:12"].point.coords
    numbers = set()
    for z in (12, 17):
        decoded = _get(client, "appeals_internal", lon, lat, z)
        numbers |= {f["properties"]["number"] for f in decoded.get("appeals", {}).get("features", [])}
    assert numbers == {"26-000010"}


def test_a_provider_operator_sees_only_appeals_routed_to_their_provider(client, city_with_appeals, django_user_model):
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from appeals.models import Appeal, AppealRoute, StaffProfile
    from appeals.workflow import PROVIDER_OPERATOR

    water = city_with_appeals.providers["water"]
    mine = Appeal.objects.get(number="26-000010")
    AppealRoute.objects.create(appeal=mine, service_kind_id="water", provider=water, outcome="assigned",
                               created_at=timezone.now())
    operator = django_user_model.objects.create_user("water-op", password="pw-123456")
    operator.groups.add(Group.objects.get_or_create(name=PROVIDER_OPERATOR)[0])
    StaffProfile.objects.create(user=operator, provider=water)
    client.force_login(operator)
    lon, lat = city_with_appeals.buildings["parkova:12"].point.coords
    numbers = set()
    for z in (12, 17):
        decoded = _get(client, "appeals_internal", lon, lat, z)
        numbers |= {f["properties"]["number"] for f in decoded.get("appeals", {}).get("features", [])}
    assert numbers == {"26-000010"}


def test_a_rebuild_gives_the_same_cells_the_triggers_kept(city_with_appeals):
    from appeals.models import Appeal
    from webmap.cells import rebuild_cells

    Appeal.objects.filter(number="26-000001").update(status="in_progress")
    Appeal.objects.filter(number="26-000040").delete()
    from webmap.cells import ALL_COUNTS

    counts = ", ".join(f"n_{s}" for s in ALL_COUNTS)
    query = (f"SELECT level, ix, iy, week, category_id, {counts}, round(sx::numeric, 3), round(sy::numeric, 3) "
             f"FROM webmap_appealcell WHERE {' + '.join(f'n_{s}' for s in ALL_COUNTS)} > 0 ORDER BY 1, 2, 3, 4, 5")
    with connection.cursor() as cur:
        cur.execute(query)
        kept = cur.fetchall()
    assert rebuild_cells() == len(kept)
    with connection.cursor() as cur:
        cur.execute(query)
        assert cur.fetchall() == kept
