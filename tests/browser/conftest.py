"""Browser tests: Debian's Chromium driven by Playwright (Python), against the production server over the
built knowledge base (``kb_dataset``). Playwright's own browser download is never used: the browser is /usr/bin/chromium
(``apt-get install chromium``); without it, or without the playwright package, these tests are skipped, or fail
where RCPKG_REQUIRE_BROWSER is set (CI).
Screenshots go to tests/screenshots/ (git-ignored) for a person to look at."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


def _web_conftest():
    """The server helpers of tests/web/conftest.py (one way to start the server for all web tests)."""
    path = Path(__file__).resolve().parents[1] / "web" / "conftest.py"
    spec = importlib.util.spec_from_file_location("rcpkg_web_conftest", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def site(kb_dataset):
    """The server over the built knowledge base (the session's build, tests/conftest.py)."""
    server = _web_conftest().start_server(kb_dataset, workers=2)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    missing = pytest.fail if os.environ.get("RCPKG_REQUIRE_BROWSER") else pytest.skip  # CI requires them
    try:
        from playwright import sync_api
    except ImportError:
        missing("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).is_file():
        missing("Chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # Nothing may leave the machine: any request not to 127.0.0.1 fails the test.
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith("http://127.0.0.1:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    yield pg
    context.close()
    assert outside == [], f"pages asked for outside addresses: {outside}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
