"""WSGI entry point: `gunicorn monchai.wsgi --config deploy/gunicorn.conf.py` (gevent workers;
see the README's Deployment section)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monchai.settings")

application = get_wsgi_application()
