"""WSGI entry point (granian via `make serve`, gunicorn, mod_wsgi)."""
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing_system.settings")

application = get_wsgi_application()

# Import the URL configuration (and the API docs' dependencies it pulls in) when the worker starts, not on its
# first request, which would otherwise pay ~0.3 s of imports (granian imports the app in each worker).
_ = get_resolver().url_patterns
