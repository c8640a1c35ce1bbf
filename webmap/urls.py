from django.urls import path  # noqa: F401

from webmap import analytics_api, lookup, ogc, public_api, views

urlpatterns: list = [
    path("api/v1/lookup", lookup.lookup_api, name="lookup-api"),
    path("dispatch/lookup", lookup.lookup_page, name="lookup-page"),
    # maps (issue 6)
    path("", views.public_map, name="public-map"),
    path("analytics/", views.analytics, name="analytics"),
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.pbf", views.tile, name="tile"),
    path("api/v1/public/categories", public_api.categories, name="public-categories"),
    path("api/v1/public/outages", public_api.PublicOutagesView.as_view(), name="public-outages"),
    path("api/v1/public/clusters", public_api.clusters, name="public-clusters"),
    path("api/v1/public/appeals/<str:number>", public_api.appeal_card, name="public-appeal-card"),
    path("api/v1/public/layers/<str:layer>", public_api.layer, name="public-layer"),
    path("api/v1/analytics/heat", analytics_api.heat, name="analytics-heat"),
    path("api/v1/analytics/incidents", analytics_api.incidents, name="analytics-incidents"),
    path("api/v1/analytics/choropleth", analytics_api.choropleth, name="analytics-choropleth"),
    path("api/v1/analytics/repeats", analytics_api.repeats, name="analytics-repeats"),
    path("api/v1/analytics/trend", analytics_api.trend, name="analytics-trend"),
    path("ogc/", ogc.landing, name="ogc-landing"),
    path("ogc/api", ogc.api, name="ogc-api"),
    path("ogc/conformance", ogc.conformance, name="ogc-conformance"),
    path("ogc/collections", ogc.collections, name="ogc-collections"),
    path("ogc/collections/<str:collection>", ogc.collection, name="ogc-collection"),
    path("ogc/collections/<str:collection>/queryables", ogc.queryables, name="ogc-queryables"),
    path("ogc/collections/<str:collection>/items", ogc.items, name="ogc-items"),
    path("ogc/collections/<str:collection>/items/<int:fid>", ogc.item, name="ogc-item"),
]
