"""The outside parts the tests use for real, started by the test session: localstripe (Stripe), an SMTP server
(aiosmtpd), Redis and a Celery worker.

A part that cannot be started makes its tests skip, saying why, except in CI, which sets REQUIRE_STRIPE,
REQUIRE_SMTP and REQUIRE_REDIS: there a missing part fails the run. Ports come from TEST_PORT_BASE (default
8520): localstripe on +0, the live app server (for webhooks) on +1, SMTP on +2.
"""
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
PORT_BASE = int(os.environ.get("TEST_PORT_BASE", "8520"))
LOCALSTRIPE_PORT = PORT_BASE
LIVE_SERVER_ADDRESS = f"127.0.0.1:{PORT_BASE + 1}"
SMTP_PORT = PORT_BASE + 2
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def missing(part: str, why: str, require_variable: str):
    """Skip (or, when CI requires the part, fail) a test whose outside part is not there."""
    if os.environ.get(require_variable):
        pytest.fail(f"{require_variable} is set but {part} is not available: {why}")
    pytest.skip(f"needs {part}: {why}")


def wait_for_port(port: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class LocalStripe:
    secret_key = "sk_test_localstripe"
    publishable_key = "pk_test_localstripe"
    webhook_secret = "whsec_localstripe_test"

    def __init__(self, port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def register_webhook(self, url: str) -> None:
        import requests

        response = requests.post(f"{self.url}/_config/webhooks/app", data={"url": url, "secret": self.webhook_secret},
                                 timeout=5)
        response.raise_for_status()

    def client(self):
        import stripe

        return stripe.StripeClient(self.secret_key, base_addresses={"api": self.url})

    def pay(self, payment_intent_id: str, card: str = "4242424242424242"):
        """What Stripe.js does in the customer's browser: attach a card and confirm the PaymentIntent."""
        client = self.client()
        method = client.v1.payment_methods.create(params={
            "type": "card", "card": {"number": card, "exp_month": "12", "exp_year": "2034", "cvc": "123"}})
        client.v1.payment_intents.update(payment_intent_id, params={"payment_method": method.id})
        return client.v1.payment_intents.confirm(payment_intent_id)


@pytest.fixture(scope="session")
def localstripe_server():
    try:
        import localstripe  # noqa: F401
    except ImportError:
        missing("localstripe", "the package is not installed (requirements-dev.txt)", "REQUIRE_STRIPE")
    if port_in_use(LOCALSTRIPE_PORT):
        missing("localstripe", f"port {LOCALSTRIPE_PORT} is taken (set TEST_PORT_BASE)", "REQUIRE_STRIPE")
    process = subprocess.Popen([sys.executable, str(BASE_DIR / "tests" / "localstripe_server.py"),
                                str(LOCALSTRIPE_PORT)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not wait_for_port(LOCALSTRIPE_PORT):
            process.kill()
            missing("localstripe", f"it did not start: {process.stderr.read().decode()[-500:]}", "REQUIRE_STRIPE")
        yield LocalStripe(LOCALSTRIPE_PORT)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def stripe_settings(localstripe_server, settings):
    settings.STRIPE_SECRET_KEY = localstripe_server.secret_key
    settings.STRIPE_PUBLISHABLE_KEY = localstripe_server.publishable_key
    settings.STRIPE_WEBHOOK_SECRET = localstripe_server.webhook_secret
    settings.STRIPE_API_BASE = localstripe_server.url
    return localstripe_server


@pytest.fixture
def stripe_server(stripe_settings):
    """localstripe as the app's Stripe, its webhooks sent nowhere (a closed loopback port refuses them at once):
    a test that wants them delivered registers the live server itself."""
    stripe_settings.register_webhook("http://127.0.0.1:9/")
    return stripe_settings


class SMTPServer:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives; stop() and start() simulate an
    outage."""

    def __init__(self, port: int):
        from aiosmtpd.handlers import Message

        server = self

        class Keep(Message):
            def handle_message(self, message):
                with server.lock:
                    server.messages.append(message)

        self.port = port
        self.messages = []
        self.lock = threading.Lock()
        self._handler = Keep()
        self.running = False

    def start(self):
        from aiosmtpd.controller import Controller

        # A controller runs its own event loop once; a restart after an outage needs a new one.
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        self.running = True

    def stop(self):
        if self.running:
            self._controller.stop()
            self.running = False

    def wait_for(self, count: int, timeout: float = 30.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self.lock:
            return list(self.messages)


@pytest.fixture
def smtp_server(settings):
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        missing("an SMTP server", "aiosmtpd is not installed (requirements-dev.txt)", "REQUIRE_SMTP")
    if port_in_use(SMTP_PORT):
        missing("an SMTP server", f"port {SMTP_PORT} is taken (set TEST_PORT_BASE)", "REQUIRE_SMTP")
    server = SMTPServer(SMTP_PORT)
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = SMTP_PORT
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()


def redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        missing("Redis", f"{REDIS_URL} does not answer ({type(exc).__name__})", "REQUIRE_REDIS")
    return REDIS_URL


def database_url_of_test_database() -> str:
    """The URL of the database this test run uses, for a worker process started by a test."""
    from django.db import connection

    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    auth = params["USER"] + (f":{params['PASSWORD']}" if params.get("PASSWORD") else "")
    return f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"


@pytest.fixture
def celery_worker_process(settings, smtp_server, tmp_path):
    """A real Celery worker (its own process) on Redis, sending to the test SMTP server, on a queue of its own so
    parallel runs on one Redis never take each other's tasks. The web side (this process) enqueues to it."""
    import uuid

    from ticketing_system.celery import app

    broker = redis_or_skip()
    queue = f"test-mail-{uuid.uuid4().hex[:12]}"
    settings.CELERY_BROKER_URL = broker
    settings.CELERY_TASK_DEFAULT_QUEUE = queue  # what the web side's kick flag is named after (notifications.kick)
    saved = {key: app.conf.get(key) for key in ("broker_url", "task_default_queue")}
    app.conf.broker_url = broker
    app.conf.task_default_queue = queue
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ticketing_system.settings_test",
        "DATABASE_URL": database_url_of_test_database(),
        "CELERY_BROKER_URL": broker,
        "CELERY_QUEUE": queue,
        "EMAIL_URL": f"smtp://127.0.0.1:{SMTP_PORT}",
        "MAIL_RETRY_BASE_SECONDS": "1",
        "LOG_FORMAT": "plain",
    }
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ticketing_system", "worker", "--pool=solo", "--concurrency=1",
             "-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
            cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while b"ready." not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        process.log = log
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        app.conf.update(saved)
        import redis

        redis.Redis.from_url(broker).delete(queue)
