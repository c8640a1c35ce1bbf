"""GET /api/v1/lookup ("who serves this address") and the admin registry-health page."""

from __future__ import annotations

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db

LON0, LAT0 = f.CENTRE


def services_of(body):
    return {s["service_kind"]: s for s in body["services"]}


OSBB_FORMS = [
    "вулиця Паркова, 12",
    "вул. Паркова 12",
    "Паркова,12",
    "ул. Парковая, д. 12",
    "парковая 12 кв 5",
    "Паркова 12, Соцмісто",
    "Паркова 12, Соцгород",
    "Парквоа 12",  # a typo
    "ПАРКОВА 12",
    "паркова, будинок 12",
    "Паркова буд. 12",
]

OTHER_FORMS = [
    ("вул. Леніна, 3", "druzhby:3"),  # the old name
    ("Ленина 3", "druzhby:3"),
    ("Дружби 7/1", "druzhby:7/1"),
    ("Паркова 12а", "parkova:12А"),
    ("просп. Миру 5", "myru_prosp:5"),
    ("пр-т Миру 5", "myru_prosp:5"),
    ("вул. Миру 5", "myru:5"),  # same name, another street type: another building
]


def test_lookup_by_every_address_form_finds_the_osbb_and_the_water_utility(client, registry):
    for query in OSBB_FORMS:
        response = client.get("/api/v1/lookup", {"q": query})
        assert response.status_code == 200, (query, response.content)
        body = response.json()
        assert body["building"]["id"] == registry.buildings["parkova:12"].pk, query
        services = services_of(body)
        assert services["in_house"]["provider"]["name"] == "ОСББ «Паркова 12»", query
        assert services["in_house"]["outcome"] == "assigned" and "призначення" in services["in_house"]["reason"]
        assert services["water"]["provider"]["id"] == registry.providers["water"].pk
        assert services["water"]["area_id"] == registry.areas["water"].pk


def test_lookup_follows_old_names_fractions_letters_and_street_types(client, registry):
    for query, key in OTHER_FORMS:
        response = client.get("/api/v1/lookup", {"q": query})
        assert response.status_code == 200, (query, response.content)
        body = response.json()
        assert body["building"]["id"] == registry.buildings[key].pk, query
        assert services_of(body)["in_house"]["provider"]["name"] == "ЖЕК-1", query


def test_lookup_tells_the_two_shkilna_streets_apart_by_the_neighbourhood_and_routes_each_its_own_way(client, registry):
    east = client.get("/api/v1/lookup", {"q": "Шкільна 4, Семенівка"}).json()
    west = client.get("/api/v1/lookup", {"q": "Шкільна 4, Соцмісто"}).json()
    assert east["building"]["id"] == registry.buildings["shkilna_e:4"].pk
    assert west["building"]["id"] == registry.buildings["shkilna_w:4"].pk
    assert services_of(west)["in_house"]["provider"]["name"] == "ЖЕК-1"
    assert services_of(east)["in_house"]["outcome"] == "gap"  # ЖЕК-1 serves the west only


def test_lookup_by_building_id_and_by_lon_lat_gives_the_same_services(client, registry):
    b = registry.buildings["parkova:14"]
    by_id = client.get("/api/v1/lookup", {"building": b.pk}).json()
    by_point = client.get("/api/v1/lookup", {"lon": b.point.x + 0.00003, "lat": b.point.y}).json()
    assert by_point["building"]["id"] == b.pk
    assert by_id["services"] == by_point["services"]
    assert services_of(by_id)["water"]["service_kind_name"] == "холодне водопостачання"
    provider = services_of(by_id)["in_house"]["provider"]
    assert set(provider) >= {"id", "name", "kind", "phones", "hours", "is_24_7", "emergency_phone"}
    assert provider["phones"] == ["+380626000000"]


def test_lookup_of_an_empty_point_routes_the_point_and_reports_gaps(client, registry):
    body = client.get("/api/v1/lookup", {"lon": LON0 + 0.019, "lat": LAT0 - 0.009}).json()
    assert body["building"] is None
    services = services_of(body)
    assert services["water"]["outcome"] == "assigned"
    assert services["in_house"]["outcome"] == "gap" and services["in_house"]["provider"] is None


def test_lookup_with_geometry_draws_the_building_and_its_areas(client, registry):
    body = client.get("/api/v1/lookup", {"building": registry.buildings["parkova:14"].pk, "geometry": "1"}).json()
    layers = sorted((feat["properties"]["layer"], feat["properties"].get("name", "")) for feat in body["geometry"]["features"])
    assert layers == [("area", "Водоканал: місто"), ("area", "ЖЕК-1"), ("building", "")]


BAD_INPUT = [
    {},
    {"q": ""},
    {"q": "   "},
    {"q": "x" * 400},
    {"lon": "abc", "lat": "48.7"},
    {"lon": "37.5"},
    {"lon": "48.7", "lat": "137.5"},
    {"lon": "nan", "lat": "48.7"},
    {"building": "12abc"},
    {"building": "1", "at": "2025-13-01"},
]


def test_lookup_answers_400_to_bad_input(client, registry):
    for params in BAD_INPUT:
        response = client.get("/api/v1/lookup", params)
        assert response.status_code == 400, params
        assert response.json()["code"] and response.json()["detail"]


def test_lookup_answers_404_when_nothing_is_found(client, registry):
    assert client.get("/api/v1/lookup", {"building": 999999}).status_code == 404
    assert client.get("/api/v1/lookup", {"q": "Неіснуюча вулиця 999"}).status_code == 404


def test_lookup_page_needs_a_login(client, registry, django_user_model):
    assert client.get("/dispatch/lookup").status_code == 302
    user = django_user_model.objects.create_user("dispatcher", password="pw")
    client.force_login(user)
    page = client.get("/dispatch/lookup")
    assert page.status_code == 200
    assert b"vendor/leaflet/leaflet.js" in page.content and b"https://" not in page.content


def test_admin_registry_health_page_lists_problems_for_staff_only(client, registry, admin_user):
    assert client.get("/admin/layers/servicearea/health/").status_code == 302
    client.force_login(admin_user)
    f.area(f.provider("Порожня", "city_services"), f.square(LON0 + 0.1, LAT0, half_m=100), service_kinds=("other",))
    page = client.get("/admin/layers/servicearea/health/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="empty-areas-count">1<' in html and "health-map" in html and "Порожня" in html


def test_editing_an_area_in_the_admin_fires_routing_changed(client, registry, admin_user):
    from django.dispatch import receiver

    from layers import services

    got = []

    @receiver(services.routing_changed)
    def listener(sender, change, **kwargs):
        got.append(change)

    try:
        client.force_login(admin_user)
        area = registry.areas["zhek1"]
        response = client.post(f"/admin/layers/servicearea/{area.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
    finally:
        services.routing_changed.disconnect(listener)
    assert len(got) == 1 and got[0].area_ids == {area.pk}
    assert registry.buildings["parkova:14"].pk in got[0].building_ids


def test_the_service_area_list_links_to_the_registry_health_page(client, registry, admin_user):
    client.force_login(admin_user)
    page = client.get("/admin/layers/servicearea/")
    assert page.status_code == 200 and b"/admin/layers/servicearea/health/" in page.content


def test_lookup_never_picks_one_of_two_namesake_streets_without_a_hint(client, registry):
    # Шкільна exists in Соцмісто and in Семенівка, both with a house 4.
    response = client.get("/api/v1/lookup", {"q": "Шкільна 4"})
    assert response.status_code == 300
    body = response.json()
    assert "building" not in body and len(body["candidates"]) >= 2
    hinted = client.get("/api/v1/lookup", {"q": "пос. Семеновка, Школьная 4"})
    assert hinted.status_code == 200
    assert hinted.json()["building"]["id"] == registry.buildings["shkilna_e:4"].pk


def test_the_public_lookup_leaves_out_the_private_phones_of_an_osbb_and_staff_get_them(client, registry):
    osbb = registry.providers["osbb"]
    osbb.phones, osbb.emergency_phone = ["+380501112233"], "+380501112233"  # the chair's own mobile
    osbb.save()
    building = registry.buildings["parkova:12"].pk
    public = client.get("/api/v1/lookup", {"building": building})
    assert public.status_code == 200
    in_house = services_of(public.json())["in_house"]["provider"]
    assert in_house["name"] == "ОСББ «Паркова 12»" and in_house["phones_hidden"] is True
    assert "380501112233" not in public.content.decode()
    water = services_of(public.json())["water"]["provider"]
    assert water["phones"] == ["+380626000000"] and water["phones_hidden"] is False  # a utility's line stays
    client.force_login(f.staff("disp-lookup", "dispatcher"))
    staff = services_of(client.get("/api/v1/lookup", {"building": building}).json())["in_house"]["provider"]
    assert staff["phones"] == ["+380501112233"] and staff["phones_hidden"] is False
