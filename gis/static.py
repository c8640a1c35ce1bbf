"""Static files straight from the WSGI app (WhiteNoise), compressed, before Django's views run.

Files with a content hash in their name (written by collectstatic's CompressedManifestStaticFilesStorage)
never change under that name, so browsers may keep them for a year; a new deployment gets new names.
"""

from whitenoise.middleware import WhiteNoiseMiddleware

ONE_YEAR = 365 * 24 * 3600


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    FOREVER = ONE_YEAR
