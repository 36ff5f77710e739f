"""WSGI entry point: `gunicorn monchai.wsgi --worker-class gthread --threads 8`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monchai.settings")

application = get_wsgi_application()
