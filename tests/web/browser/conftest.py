"""Fixtures of the browser tests: the app on a live loopback server and headless Chromium.

The browser is Debian's chromium (``/usr/bin/chromium``, or ``PATROL_CHROMIUM``) driven by
Playwright; both are installed by .ci/run. On a machine without either, every browser test is
skipped with the reason. Screenshots go to ``PATROL_SCREENSHOTS`` when set, else to a pytest
temporary folder (printed in the test summary).
"""

from __future__ import annotations

import os
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from flask import Flask
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route

CHROMIUM = Path(os.environ.get("PATROL_CHROMIUM", "/usr/bin/chromium"))
"""Debian's chromium; Playwright's own browser builds are not used."""

PASSWORD = "correct horse"
"""The password of every user of the live app (one user per role, named after its role)."""

ROLES = ("admin", "captain", "planner", "member", "viewer")

MEMBER_GROUPS = ("A",)
"""The patrol groups whose routes the member user may see."""

VIEWPORT = {"width": 1280, "height": 860}

_FAST_HASH = "pbkdf2:sha256:1000"

JOB_TIMEOUT_S = 120.0
"""Longest wait for a one-day planning job (a few seconds on an idle machine)."""


@dataclass
class LiveServer:
    """The app served on 127.0.0.1 by a werkzeug server in a thread.

    Attributes
    ----------
    url
        Base URL, e.g. ``http://127.0.0.1:43123``.
    app
        The Flask app (for reading its database in assertions).
    demo_plan
        The id of the ready plan copied from the ``small_plan`` fixture at first start.
    plan_file
        That plan's plan.json.
    """

    url: str
    app: Flask
    demo_plan: int
    plan_file: Path


@dataclass
class PageLog:
    """What a page reported: console errors, uncaught errors and requests sent off the host.

    Every request to a host other than 127.0.0.1 is blocked (the network is cut off) and listed
    in ``blocked``.
    """

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def js_errors(self) -> list[str]:
        """Return uncaught JavaScript errors and console errors other than HTTP refusals."""
        console = [m for m in self.console_errors if "Failed to load resource" not in m]
        return self.page_errors + console


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium; skip when it is not installed."""
    if not CHROMIUM.is_file():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright(chromium: Path) -> Iterator[Playwright]:
    """Playwright, started once for the session; skip when it is not installed."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="needs playwright (pip install -e '.[dev]')"
    )
    with sync_api.sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium: Path) -> Iterator[Browser]:
    """One headless Chromium (Debian's) for the whole session."""
    browser = playwright.chromium.launch(executable_path=str(chromium), headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def live_server(
    browser: Browser, small_plan: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The app in a fresh instance folder, served on a free port of 127.0.0.1.

    One user per role (password :data:`PASSWORD`; the member sees group A's routes), the job
    worker on, and the ``small_plan`` fixture's plan copied as the demo plan at first start.
    The ``browser`` fixture comes first so that a machine without a browser skips at once.
    """
    from werkzeug.serving import make_server

    from web import create_app
    from web.accounts.users import create_user
    from web.db import new_session

    folder = tmp_path_factory.mktemp("live")
    plan_file = small_plan / "plan.json"
    app = create_app(
        {
            "SECRET_KEY": "browser-tests",
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": "sqlite:///" + str(folder / "app.sqlite3"),
            "DEMO_PLAN": True,
            "DEMO_PLAN_SOURCE": str(plan_file),
            "JOBS_WORKER": True,
            "FIRST_USERS": False,
        }
    )
    with new_session(app) as session:
        for role in ROLES:
            groups = MEMBER_GROUPS if role == "member" else ()
            create_user(session, role, role, PASSWORD, method=_FAST_HASH, groups=groups)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    # The first request copies the demo plan and starts the job worker.
    with urllib.request.urlopen(url + "/login", timeout=30) as response:
        assert response.status == 200
    from sqlalchemy import select

    from web.db import Plan

    with new_session(app) as session:
        plan_id = session.scalars(select(Plan.id).where(Plan.status == "ready")).one()
    try:
        yield LiveServer(url=url, app=app, demo_plan=plan_id, plan_file=plan_file)
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``PATROL_SCREENSHOTS`` or a pytest temporary folder."""
    where = os.environ.get("PATROL_SCREENSHOTS")
    folder = Path(where) if where else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _attach_log(context: BrowserContext, log: PageLog) -> None:
    """Log the context's pages into ``log`` and cut it off from every host but 127.0.0.1."""

    def on_page(page: Page) -> None:
        page.on(
            "console",
            lambda msg: log.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))

    def only_loopback(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            log.blocked.append(url)
            route.abort("internetdisconnected")

    context.on("page", on_page)
    context.route("**/*", only_loopback)


@pytest.fixture
def page_log() -> PageLog:
    """The console and network log of the test's pages (filled by the ``page`` fixture)."""
    return PageLog()


@pytest.fixture
def new_context(browser: Browser, page_log: PageLog) -> Iterator[Any]:
    """Return a factory of fresh browser contexts (own cookies) logging into ``page_log``.

    ``new_context(**options)`` takes Playwright's context options (device, geolocation, ...);
    the default is a 1280 x 860 desktop window in Chinese. Each context reaches 127.0.0.1 only.
    """
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        settings: dict[str, Any] = {"viewport": VIEWPORT, "locale": "zh-CN"}
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(30_000)
        _attach_log(context, page_log)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Any) -> Page:
    """A fresh desktop page of its own context (not signed in)."""
    return new_context().new_page()  # type: ignore[no-any-return]


@pytest.fixture
def shot(screenshot_dir: Path) -> Any:
    """Return ``shot(page, name, full_page=True)``: save a PNG of the page, return its path."""

    def take(page: Page, name: str, *, full_page: bool = True) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def sign_in(live_server: LiveServer) -> Any:
    """Return ``sign_in(page, role, lang="zh", next=None)``: log in through the form as ``role``.

    With ``next`` (a path such as ``/plans/1``) the login page sends the user there.
    """

    def log_in(page: Page, role: str, *, lang: str = "zh", next: str | None = None) -> None:
        query = f"lang={lang}" + (f"&next={quote(next)}" if next else "")
        page.goto(f"{live_server.url}/login?{query}")
        page.fill("input[name=name]", role)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form.card button[type=submit]")
        who = page.locator("header.top .who")
        assert who.count() == 1, f"{role} is not signed in: {page.url}"
        assert role in who.inner_text()

    return log_in


@dataclass
class JobRun:
    """What the job page showed while a planning job ran.

    Attributes
    ----------
    job_id, plan_id
        The job and the plan it makes.
    seen
        Each distinct (status, stage line) read from the page, in order.
    loads
        How many times the job page loaded (it refreshes itself while the job runs).
    """

    job_id: int
    plan_id: int
    seen: list[tuple[str, str]]
    loads: int

    @property
    def status(self) -> str:
        """The last status seen."""
        return self.seen[-1][0] if self.seen else ""


@pytest.fixture
def watch_job(live_server: LiveServer) -> Any:
    """Return ``watch_job(page) -> JobRun``: read a job page until its job has finished.

    The test never reloads the page; the page's own refresh shows the progress.
    """
    from playwright.sync_api import Error

    from web.db import Job, new_session

    def watch(page: Page) -> JobRun:
        job_id = int(urlsplit(page.url).path.rstrip("/").rsplit("/", 1)[1])
        loads = 0

        def count(frame: Any) -> None:
            nonlocal loads
            if frame == page.main_frame:
                loads += 1

        page.on("framenavigated", count)
        seen: list[tuple[str, str]] = []
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                status = page.locator("#job-status").get_attribute("data-status") or ""
                stage = page.locator("#job-stage")
                line = stage.inner_text(timeout=1000) if stage.count() else ""
            except Error:  # the page reloaded between two reads
                continue
            if not seen or seen[-1] != (status, line):
                seen.append((status, line))
            if status in ("done", "failed", "cancelled"):
                break
            page.wait_for_timeout(300)
        page.remove_listener("framenavigated", count)
        with new_session(live_server.app) as session:
            job = session.get(Job, job_id)
            assert job is not None
            plan_id = job.plan_id
        return JobRun(job_id=job_id, plan_id=plan_id, seen=seen, loads=loads)

    return watch


@pytest.fixture
def plan_with_form(live_server: LiveServer, watch_job: Any) -> Any:
    """Return ``plan_with_form(page, title, start="2026-12-07", days=1, seed=0, time_limit=0.5)``.

    A signed-in captain (or admin) fills the planning form, submits it and watches the job
    page until the job ends; returns the :class:`JobRun`.
    """

    def make(
        page: Page,
        title: str,
        *,
        start: str = "2026-12-07",
        days: int = 1,
        seed: int = 0,
        time_limit: float = 0.5,
        shot: Any = None,
    ) -> JobRun:
        page.goto(f"{live_server.url}/jobs/new")
        page.fill("input[name=title]", title)
        page.fill("input[name=start]", start)
        page.fill("input[name=days]", str(days))
        page.fill("input[name=seed]", str(seed))
        page.fill("input[name=time_limit]", str(time_limit))
        if shot is not None:
            shot(page, "job-form")
        with page.expect_navigation():
            page.click("form.card button[type=submit]")
        assert "/jobs/" in page.url, page.url
        if shot is not None:
            shot(page, "job-progress-first")
        return watch_job(page)  # type: ignore[no-any-return]

    return make
