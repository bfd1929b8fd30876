"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

- One Chromium for the browser tests (``browser``), started from ``/usr/bin/chromium`` (the
  Debian package that ``make setup`` and ``.ci/run`` install), never a browser Playwright
  downloads, with no network of its own (no sync, updates or background requests).
- ``open_page(...)``: a fresh context (its own cookies, so one per user) in zh-hans, with a
  page; every page a test opened is saved when the test fails, as
  ``tests/browser/artifacts/<test name>[-<n>].png`` (full page) and ``.html``.
- ``axe``: ``axe.check(page, label)`` runs axe-core (bundled by ``axe-playwright-python``)
  on a page and collects the violations of impact "serious" or "critical" (printed at
  once, with a screenshot ``artifacts/<test name>-axe-<label>.png``);
  ``axe.assert_clean()`` fails listing each rule, page and element.
- ``BROWSER_SCREENSHOTS=1`` saves every page ``axe`` checks, failing or not, as
  ``artifacts/page-<n>-<label>.png``: to look at what the tests saw.

The live server serves the app from another thread of this process, so these tests
commit their data (``transactional_db``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LOCALE = "zh-Hans"
BLOCKING_IMPACTS = ("serious", "critical")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, for the fixtures' teardown to read."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for all the browser tests, closed after the last of them.

    Playwright's sync API keeps an asyncio event loop running on this thread while it is
    started, so Django's ORM, called by the tests between two browser steps, would take
    itself to be in async code: ``DJANGO_ALLOW_ASYNC_UNSAFE`` says it is not, for as long
    as the browser lives (package scope: the rest of the suite runs without both)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1])


@pytest.fixture
def open_page(request, browser, live_server):
    """``open_page()``: a new page in a new context (no cookies), zh-hans, relative URLs
    against the live server. Saves every page opened here when the test fails."""
    contexts = []

    def open_page(*, locale: str = LOCALE):
        context = browser.new_context(
            base_url=live_server.url, locale=locale,
            extra_http_headers={"Accept-Language": locale},
            viewport={"width": 1280, "height": 900}, accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page

    report = getattr(request.node, "rep_call", None)
    failed = report is None or report.failed
    if failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        base = _artifact_name(request.node.nodeid)
        pages = [page for context in contexts for page in context.pages]
        for n, page in enumerate(pages):
            stem = ARTIFACTS / (base if n == 0 else f"{base}-{n}")
            try:
                page.screenshot(path=str(stem.with_suffix(".png")), full_page=True)
                stem.with_suffix(".html").write_text(page.content(), encoding="utf-8")
            except Exception as exc:  # a crashed page: say so, keep the test's own error
                print(f"could not save {stem}: {exc}")
            else:
                print(f"saved {stem}.png and .html")
    for context in contexts:
        context.close()


class Axe:
    """axe-core on each page visited; the serious and critical violations, collected."""

    def __init__(self, test_name: str | None = None):
        """``test_name``: the screenshots' prefix (none saved without it)."""
        from axe_playwright_python.sync_playwright import Axe as AxeRunner

        self._runner = AxeRunner()
        self.test_name = test_name
        self.violations: list[str] = []
        self.pages: list[str] = []

    def check(self, page, label: str) -> None:
        page.wait_for_load_state("load")
        # a page's transitions (the staff pages' snackbar fades in) finished: colours are
        # checked as they end up, not halfway
        page.evaluate("""async () => {
            const frame = () => new Promise(done => requestAnimationFrame(done));
            await new Promise(done => setTimeout(done, 0));
            for (let i = 0; i < 3; i++) await frame();
            for (let i = 0; i < 120 && document.querySelector(".mdc-snackbar--opening"); i++) {
                await frame();
            }
            await Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)));
        }""")
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", label)
        if os.environ.get("BROWSER_SCREENSHOTS"):  # every checked page, to look at
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"page-{len(self.pages):02d}-{name}.png"),
                            full_page=True)
        results = self._runner.run(page).response
        self.pages.append(label)
        found = []
        for violation in results["violations"]:
            if violation.get("impact") not in BLOCKING_IMPACTS:
                continue
            for node in violation["nodes"]:
                summary = node.get("failureSummary", "").replace("\n", " ")
                found.append(
                    f"[{violation['impact']}] {violation['id']} on {label} ({page.url}): "
                    f"{', '.join(map(str, node['target']))}\n    {node.get('html', '')[:300]}"
                    f"\n    {summary[:400]}")
        self.violations.extend(found)
        if found:
            print("\n".join(found))
        if found and self.test_name:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{self.test_name}-axe-{name}.png"),
                            full_page=True)

    def assert_clean(self) -> None:
        assert not self.violations, (
            f"{len(self.violations)} serious or critical accessibility violations:\n"
            + "\n".join(self.violations))


@pytest.fixture
def axe(request):
    return Axe(_artifact_name(request.node.nodeid))
