"""The peer of bench_open311: E-City's settings and middleware, one URL answering JsonResponse({"ok": true}).

    gunicorn -c scripts/gunicorn.conf.py benchmarks.bare_wsgi:application
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings")

from django.conf import settings  # noqa: E402

settings.ROOT_URLCONF = "benchmarks.bare_wsgi"

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402


def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("", bare)]
application = get_wsgi_application()
