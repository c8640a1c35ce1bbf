"""The interface language: Ukrainian, unless the user chose another one with the switch.

Django's LocaleMiddleware follows the browser's Accept-Language, so a dispatcher whose browser is set
to English got an English admin ("Select будинок to change"). Here only the language cookie that
Django's `set_language` view writes (the switch in every page's header) can change it.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


def language_of(request) -> str:
    """The chosen language code, or settings.LANGUAGE_CODE.

    >>> from django.test import RequestFactory
    >>> rf = RequestFactory()
    >>> language_of(rf.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    'uk'
    >>> r = rf.get("/"); r.COOKIES[settings.LANGUAGE_COOKIE_NAME] = "en"; language_of(r)
    'en'
    >>> r.COOKIES[settings.LANGUAGE_COOKIE_NAME] = "xx"; language_of(r)
    'uk'
    """
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_of(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
