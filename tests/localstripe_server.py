"""Run localstripe (a Stripe-compatible server, PyPI `localstripe`) on a loopback port: `python
tests/localstripe_server.py PORT`. The test session starts it (tests/outside_parts.py).

localstripe's own command listens on every interface and saves its state to /tmp/localstripe.pickle, shared by
every instance on the machine; here it listens on 127.0.0.1 only and keeps its state in memory.
"""
import sys

from aiohttp import web
from localstripe import resources
from localstripe.server import app

resources.Store.dump_to_disk = lambda self: None

if __name__ == "__main__":
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
