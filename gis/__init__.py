"""The E-City Django project package: settings, urls, WSGI/ASGI, Celery app and pure GIS helpers."""
