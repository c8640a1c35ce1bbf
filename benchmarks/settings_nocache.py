"""gis.settings without a cache: every tile is made anew (bench_maps_http's "uncached" over HTTP)."""

from gis.settings import *  # noqa: F401,F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
