"""End-to-end tests of the web pages in a real browser: Playwright for Python driving Debian's Chromium.

The browser is Debian's package (`make browser`, CI runs it), never Playwright's own download. Without
/usr/bin/chromium these tests are skipped, saying so; with REQUIRE_BROWSER set (CI) they fail instead.

The pages are served by pytest-django's live server (a threaded WSGI server in this process, on loopback, with
the test database). Playwright's sync API runs an event loop in the test's thread, which makes Django refuse ORM
calls from that thread ("async context"); the test code only sets up and checks data while no request of its own
is in flight, so DJANGO_ALLOW_ASYNC_UNSAFE is set for the duration of this package's tests only.
"""
import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
E2E_DIR = Path(__file__).resolve().parent
DOCS_DIR = E2E_DIR.parents[2] / "docs"


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(f"REQUIRE_BROWSER is set but {CHROMIUM} does not exist (run `make browser`)")
    skip = pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM}: run `make browser` (apt-get install chromium)")
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture(autouse=True)
def _plain_http_cookies(settings):
    # The live server speaks plain http; production's https-only cookies would never come back from the browser.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


# Every page reports a Content-Security-Policy violation to the console, where the fixture below collects it
# (Chromium logs most violations there itself; the event catches the rest, e.g. report-only ones).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
                + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""
CSP_MESSAGE = re.compile(r"CSP violation|Content Security Policy", re.IGNORECASE)


@pytest.fixture
def csp_violations():
    """The Content-Security-Policy violations the test's pages met (new_page fails the test unless it is empty)."""
    return []


@pytest.fixture
def new_page(browser, live_server, csp_violations):
    """Pages in fresh browser contexts; the test fails if any page met a Content-Security-Policy violation (the
    policy must allow everything the pages do, and the pages must do nothing it forbids)."""
    contexts, violations = [], csp_violations

    def make(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", lambda message: violations.append(f"{message.page.url if message.page else ''}: "
                                                                f"{message.text}")
                   if CSP_MESSAGE.search(message.text) else None)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


def screenshot_path(name: str, tmp_path: Path) -> Path:
    """docs/<name> when retaking the README's screenshots (make screenshots), a temporary file otherwise."""
    if os.environ.get("UPDATE_SCREENSHOTS"):
        DOCS_DIR.mkdir(exist_ok=True)
        return DOCS_DIR / name
    return tmp_path / name
