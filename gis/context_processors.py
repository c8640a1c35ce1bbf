"""Template context every page needs."""

from django.conf import settings


def attribution(request) -> dict:
    """The data attribution (the demo city says its geometry is synthetic), for page footers."""
    return {"demo_attribution": settings.DEMO_ATTRIBUTION}
