"""WSGI entry point: plain HTTP only, for gunicorn behind nginx (docs/deployment.md).

Django's sync views cost several times less under a WSGI server than under an ASGI
one, which hands every request to a thread. Websockets (``/ws/``) still need the
ASGI application (``config.asgi``) under daphne; nginx sends them there.
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
