"""gunicorn settings for `make serve` (and `make bench`, which serves the same way on another port).

Every value can be overridden from the environment, so an operator tunes a deploy without editing this file.
"""
import multiprocessing
import os

# Loopback by default: a reverse proxy (or the operator, with BIND_HOST) decides what is exposed.
bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# Processes, not threads, for parallelism: a booking is CPU-bound Python between short queries, and the GIL
# lets one thread of a process run at a time. 2 x CPUs + 1 (gunicorn's own advice) keeps the CPUs busy while
# some workers wait on PostgreSQL. WEB_CONCURRENCY is the conventional override (Heroku, cookiecutter-django).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# sync workers: a worker accepts a connection only when it is idle, so the kernel spreads requests evenly over
# the workers. gthread (GUNICORN_WORKER_CLASS=gthread) keeps connections alive and saves a TCP connect and
# close per request (~0.4 ms of server CPU, measured), but its event loop keeps accepting while its thread is
# busy, so long-lived connections pile onto some workers: with 8 keep-alive connections, 3 of 5 workers did
# all the work in one run, and in others the 8-connection level fell to the 1-connection rate. Behind a proxy
# that opens many short connections gthread may win; for this benchmark's persistent clients sync is steadier.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", 1))

# Load the app once in the master: a misconfiguration (no DJANGO_SECRET_KEY with DEBUG off) stops the server at
# start with one clear error instead of every worker crash-looping; workers also share the imported code.
preload_app = True

# A worker stuck longer than `timeout` is killed and replaced; on SIGTERM (deploy, Ctrl-C) workers get
# `graceful_timeout` seconds to finish the requests they are serving.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))

# Access log to stdout (12-factor: the platform collects stdout), errors to stderr.
# No access log unless asked for (GUNICORN_ACCESS_LOG=- for stdout): formatting its line cost ~105 µs of every
# request, even into /dev/null (measured with `make bench`); the proxy in front logs requests anyway.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

# gunicorn's runtime control socket (gunicornc) is not used here, and its default path is shared by every
# gunicorn of the user: `make serve` and `make bench` running side by side would fight over it.
control_socket_disable = True


def when_ready(server):
    """Import the URL configuration (and the API docs' dependencies it pulls in) once, in the master, before
    the workers are forked: otherwise each worker pays ~0.3 s of imports on its first request."""
    from django.urls import get_resolver

    _ = get_resolver().url_patterns  # evaluated for its side effect: the imports
