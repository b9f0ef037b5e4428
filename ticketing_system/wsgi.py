"""WSGI entry point (granian via `make serve`, gunicorn, mod_wsgi, and `make run`'s runserver)."""
import gc
import os
import sys

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing_system.settings")

django_application = get_wsgi_application()

# Import the URL configuration (and the API docs' dependencies it pulls in) when the worker starts, not on its
# first request, which would otherwise pay ~0.3 s of imports (granian imports the app in each worker).
_ = get_resolver().url_patterns

# The live seat map's polls, the hottest path (200 idle viewers of a show make 200 a second), are answered in front
# of Django while this process holds a fresh copy of the show's state (web/live.py). Outermost, load shedding
# (common/shedding.py, docs/decisions/0038): a request over this process's limit is answered 503 before anything
# else runs, the live seat map's fast path included.
# The catalogue's anonymous reads that this process answered within the last second are answered from its memory,
# also in front of Django (common/httpcache.py).
from common.httpcache import fast_path as catalogue_fast_path  # noqa: E402
from common.shedding import from_settings as _load_shedder  # noqa: E402
from web.live import fast_path  # noqa: E402  (needs the settings configured above)

# What the shedder serves, in its own threads. Tests call it directly: their data lives in the test's transaction,
# which the shedder's threads, with database connections of their own, would not see.
served_application = catalogue_fast_path(fast_path(django_application))
application = _load_shedder(served_application)

# With several threads per process (load shedding needs them, ticketing_system/serve.py), a request that arrives
# while another holds the GIL waits for the interpreter's switch interval (5 ms by default) before it can even be
# refused; a shorter one lets the refusal, and /health/, through sooner (docs/decisions/0038).
_switch_ms = float(os.environ.get("SERVE_SWITCH_INTERVAL_MS", "1"))
if _switch_ms > 0:
    sys.setswitchinterval(_switch_ms / 1000)

# Garbage collection (for the p99 latency, docs/performance.md): everything imported so far lives as long as the
# process, yet every full collection walked all of it (hundreds of thousands of objects), stalling whichever request
# triggered it. gc.freeze() moves it out of the collector's sight. A request allocates a few thousand container
# objects, so the default first-generation threshold (700) started a collection several times per request; a larger
# one collects the same garbage in fewer, still short, passes. SERVE_GC_THRESHOLD=0 keeps Python's defaults.
_threshold = int(os.environ.get("SERVE_GC_THRESHOLD", "20000"))
if _threshold > 0:
    gc.collect()
    gc.freeze()
    gc.set_threshold(_threshold, 20, 20)
