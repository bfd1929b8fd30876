"""The project's WSGI application with one more URL, ``/bench/trivial/``: a trivial JSON
view behind the same middleware, served by the same gunicorn config as the real API, so
``bench/api_load.py`` can print the API's throughput as a ratio of it."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings  # noqa: E402

settings.ROOT_URLCONF = "bench.api_urls"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
