"""The main path in a real browser, against a real server, on each backend.

An organizer registers, confirms their address from the mail, signs in, adds a venue (found on
the map from its postcode), lists a group there that meets on the 2nd Tuesday of the month,
checks the preview and submits it; an admin approves it; an anonymous visitor finds it by
postcode, opens its page and fetches its calendar feed.

What runs is what is deployed: the ``groupfinder`` console script prepares a fresh database
(``db upgrade``, ``load-reference-data``, ``create-admin`` with the password on stdin), gunicorn
serves the app with two workers on a free loopback port, mail goes to the file backend, and
Debian's Chromium is driven headless by Playwright's Python package (never its own browser
downloads). Selectors are accessible names (labels, roles), so the walk also checks that every
control it touches is labelled.

Without Chromium or Playwright the test is skipped, except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..conftest import database_url

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true")
BIN = Path(sys.executable).parent  # the venv's console scripts sit beside its python

ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "quartz-lantern-meadow-orbit-51"
ORGANIZER_EMAIL = "sam.organizer@example.org"
ORGANIZER_PASSWORD = "copper-willow-harbour-sketch-87"

VENUE = {"name": "Park Square Community Room", "address": "12 Park Square East",
         "town": "Leeds", "postcode": "LS1 4AP"}
GROUP_NAME = "Leeds Tuesday Anxiety Circle"
STEP_TIMEOUT_MS = 15_000


BACKEND_PARAMS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
]


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason}; CI installs it (see .ci/run)", pytrace=False)
    pytest.skip(reason)


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed (pip install playwright)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# --- the server --------------------------------------------------------------------------------


@dataclass
class Server:
    backend: str
    url: str
    mail_dir: Path
    log: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def mails_to(self, address: str) -> list[dict[str, str]]:
        outbox = self.mail_dir / "outbox.jsonl"
        if not outbox.exists():
            return []
        with open(outbox, encoding="utf-8") as fh:
            return [m for m in map(json.loads, filter(str.strip, fh)) if m["to"] == address]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _script(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: install the project into this venv (make install-test)",
                    pytrace=False)
    return str(path)


def _run(env: dict[str, str], cwd: Path, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run([_script("groupfinder"), *args], env=env, cwd=cwd, input=stdin,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, (
        f"groupfinder {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End gunicorn and its workers (its own process group), politely, then not."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def _wait_healthy(server: Server, proc: subprocess.Popen[bytes], deadline_s: float = 30) -> None:
    deadline = time.monotonic() + deadline_s
    while True:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode} before answering /healthz:\n"
                        f"{server.log_tail()}", pytrace=False)
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"/healthz did not answer within {deadline_s:.0f}s:\n{server.log_tail()}",
                        pytrace=False)
        time.sleep(0.2)


def serve(srv: Server, env: dict[str, str], cwd: Path, port: int) -> Iterator[Server]:
    """gunicorn (2 workers) on ``port`` until the generator is closed; ``srv.log`` gets its output."""
    with open(srv.log, "wb") as log:
        proc = subprocess.Popen(
            [_script("gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5",
             "--access-logfile", "-", "--error-logfile", "-", "groupfinder.app:create_app()"],
            env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    srv.proc = proc
    try:
        _wait_healthy(srv, proc)
        yield srv
    finally:
        _stop(proc)


@pytest.fixture(params=BACKEND_PARAMS)
def server(request: pytest.FixtureRequest, browser: Any, tmp_path: Path) -> Iterator[Server]:
    """A fresh database on the backend, prepared by the CLI, served by gunicorn (2 workers).

    A PostgreSQL database is created per process beside GROUPFINDER_TEST_DATABASE_URL's and
    dropped at the end of the session (conftest)."""
    url = database_url(request.param, "browser", tmp_path)
    port = _free_port()
    srv = Server(backend=request.param, url=f"http://127.0.0.1:{port}", mail_dir=tmp_path / "mail",
                 log=tmp_path / "gunicorn.log")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROUPFINDER_", "FLASK_"))}
    env.update(
        GROUPFINDER_DATABASE_URL=url,
        GROUPFINDER_SECRET_KEY=secrets.token_urlsafe(48),
        GROUPFINDER_BASE_URL=srv.url,
        GROUPFINDER_MAIL_BACKEND="file",
        GROUPFINDER_MAIL_FILE_DIR=str(srv.mail_dir),
        GROUPFINDER_GEOCODER="offline",
    )
    _run(env, tmp_path, "db", "upgrade")
    _run(env, tmp_path, "load-reference-data")
    _run(env, tmp_path, "create-admin", ADMIN_EMAIL, stdin=ADMIN_PASSWORD + "\n")
    yield from serve(srv, env, tmp_path, port)


# --- the walk ----------------------------------------------------------------------------------


@dataclass
class Watch:
    """What the browser saw go wrong on any page: script errors, CSP and other console errors,
    and answers of 400 or more."""

    problems: list[str] = field(default_factory=list)
    page: Any = None

    def attach(self, page: Any) -> Any:
        page.on("pageerror", lambda exc: self.problems.append(f"page error on {page.url}: {exc}"))
        page.on("console", lambda msg: msg.type == "error"
                and not msg.text.startswith("Failed to load resource")  # reported below, with its URL
                and self.problems.append(f"console error on {page.url}: {msg.text}"))
        page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico")
                and self.problems.append(f"{r.status} for {r.request.method} {r.url}"))
        self.page = page
        return page


def _new_page(browser: Any, server: Server, watch: Watch) -> Any:
    context = browser.new_context(base_url=server.url, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    return watch.attach(context.new_page())


def _confirmation_link(server: Server, address: str) -> str:
    deadline = time.monotonic() + 10
    while True:
        for mail in reversed(server.mails_to(address)):
            found = re.search(r"https?://\S+/accounts/confirm\?token=\S+", mail["body"])
            if found:
                return found.group(0)
        assert time.monotonic() < deadline, f"no confirmation mail to {address} in {server.mail_dir}"
        time.sleep(0.2)


def _sign_in(page: Any, expect: Any, email: str, password: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Your groups", level=1)).to_be_visible()


def _sign_out(page: Any, expect: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def _fill_venue(page: Any) -> None:
    page.get_by_label("Name of the venue").fill(VENUE["name"])
    page.get_by_label("Street address").fill(VENUE["address"])
    page.get_by_label("Town or city").fill(VENUE["town"])
    page.get_by_label("Postcode or ZIP code").fill(VENUE["postcode"])
    page.get_by_label("Country").select_option("GB")


def _walk(browser: Any, server: Server, watch: Watch) -> None:
    """The whole path, as a person would walk it."""
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    page = _new_page(browser, server, watch)

    # An organizer registers from the home page.
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Create an organizer account").click()
    expect(page.get_by_role("heading", name="Create an organizer account", level=1)).to_be_visible()
    page.get_by_label("Your name (optional)").fill("Sam")
    page.get_by_label("Email address").fill(ORGANIZER_EMAIL)
    page.get_by_label("Choose a password").fill(ORGANIZER_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/accounts/check-email"))

    # … confirms the address from the mail …
    link = _confirmation_link(server, ORGANIZER_EMAIL)
    assert link.startswith(server.url + "/accounts/confirm?token="), link
    page.goto(link)
    expect(page).to_have_url(server.url + "/accounts/confirm")  # the token left the URL
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page).to_have_url(re.compile(r"/accounts/login"))
    expect(page.get_by_role("status")).to_contain_text("your email address is confirmed")

    # … and signs in.
    _sign_in(page, expect, ORGANIZER_EMAIL, ORGANIZER_PASSWORD)

    # A venue, found on the map from its postcode.
    page.get_by_role("link", name="Add a venue").click()
    _fill_venue(page)
    with page.expect_response(lambda r: r.request.method == "POST" and "/manage/venues/new" in r.url,
                              timeout=30_000) as answer:
        page.get_by_role("button", name="Find on map").click()
    # (It once waited on its own SQLite write lock and answered 503: see manage/views.py.)
    assert answer.value.status == 200, f"Find on map answered {answer.value.status}"
    expect(page.get_by_role("status")).to_contain_text("Found:")
    latitude = page.get_by_label("Latitude", exact=True)
    longitude = page.get_by_label("Longitude", exact=True)
    expect(latitude).not_to_have_value("")
    assert 53.7 < float(latitude.input_value()) < 53.9, latitude.input_value()
    assert -1.7 < float(longitude.input_value()) < -1.4, longitude.input_value()
    expect(page.get_by_label("Time zone", exact=True)).to_have_value("Europe/London")
    page.get_by_role("button", name="Save venue").click()
    expect(page.get_by_role("heading", name="Your groups", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Venue saved.")

    # A group meeting there.
    page.get_by_role("link", name="List a group").click()
    expect(page.get_by_role("heading", name="List a new group", level=1)).to_be_visible()
    page.get_by_label("Name of the group").fill(GROUP_NAME)
    page.get_by_label("Description", exact=True).fill(
        "A friendly peer support group for people living with anxiety. We meet in a quiet room, "
        "share what helps, and nobody has to speak.")
    page.get_by_role("group", name="Topics the group supports").get_by_role(
        "checkbox", name="Anxiety", exact=True).check()
    page.get_by_role("group", name="Languages spoken").get_by_role(
        "checkbox", name="English", exact=True).check()
    page.get_by_label("Where the group meets").select_option(
        label=f"{VENUE['name']}, {VENUE['address']}, {VENUE['town']}")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name=GROUP_NAME, level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Group saved as a draft")

    # Its meetings: monthly on the 2nd Tuesday, 19:00, 90 minutes; the preview shows 5 dates.
    page.get_by_role("link", name="Add meeting times").click()
    page.get_by_role("radio", name=re.compile(r"^Monthly on a weekday")).check()
    page.get_by_label("Every how many weeks or months").fill("1")
    page.get_by_role("group", name="On", exact=True).get_by_role(
        "checkbox", name="Tuesday", exact=True).check()
    page.get_by_role("group", name="Which week of the month").get_by_role(
        "checkbox", name="2nd", exact=True).check()
    page.get_by_label("Start time").fill("19:00")
    page.get_by_label("How long, in minutes").fill("90")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("status").filter(
        has=page.get_by_role("heading", name="Preview"))
    expect(preview).to_contain_text("2nd Tuesday")
    dates = preview.get_by_role("listitem")
    expect(dates).to_have_count(5)
    starts = [dt.datetime.fromisoformat(t.get_attribute("datetime") or "")
              for t in preview.locator("time").all()]
    assert len(starts) == 5, starts
    today = dt.date.today()
    for start in starts:
        assert (start.weekday(), 8 <= start.day <= 14) == (1, True), f"not a 2nd Tuesday: {start}"
        assert (start.hour, start.minute) == (19, 0), start
        assert start.date() >= today - dt.timedelta(days=1), start
    assert starts == sorted(starts) and len({(s.year, s.month) for s in starts}) == 5, starts
    page.get_by_role("button", name="Save meeting times").click()
    expect(page.get_by_role("status")).to_contain_text("Schedule saved.")
    expect(page.get_by_role("region", name="When it meets")).to_contain_text("2nd Tuesday")

    # Submitted for review; the organizer signs out.
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text("Submitted for review.")
    expect(page.get_by_text("Waiting for review", exact=True)).to_be_visible()
    _sign_out(page, expect)

    # An admin approves it from the review queue.
    _sign_in(page, expect, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review", exact=True).click()
    expect(page.get_by_role("heading", name="Review queue", level=1)).to_be_visible()
    page.get_by_role("link", name=GROUP_NAME).click()
    expect(page.get_by_role("heading", name=GROUP_NAME, level=1)).to_be_visible()
    page.get_by_role("button", name="Approve and publish", exact=True).click()
    expect(page.get_by_role("heading", name="Review queue", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"Approved: “{GROUP_NAME}” is public now.")
    _sign_out(page, expect)
    page.context.close()

    # An anonymous visitor (a browser with no cookies) finds it by postcode …
    page = _new_page(browser, server, watch)
    page.goto("/")
    page.get_by_label("Postcode, town or address").fill("LS1 4")
    page.get_by_role("button", name="Find groups").click()
    expect(page).to_have_url(re.compile(r"/search\?"))
    result = page.get_by_role("link", name=GROUP_NAME)
    expect(result).to_be_visible()
    result.click()

    # … opens its page, and fetches its feed through the page's link.
    expect(page.get_by_role("heading", name=GROUP_NAME, level=1)).to_be_visible()
    expect(page.get_by_role("region", name="When")).to_contain_text("2nd Tuesday")
    feed_link = page.get_by_role("link", name="Download calendar file (.ics)")
    href = feed_link.get_attribute("href")
    assert href, "the calendar link has no href"
    response = page.request.get(href)
    assert response.status == 200, (response.status, response.url)
    assert response.headers["content-type"].startswith("text/calendar"), response.headers
    feed = response.text().replace("\r\n ", "").replace("\r\n\t", "")
    assert "RRULE:FREQ=MONTHLY;BYDAY=2TU" in feed, feed
    assert GROUP_NAME in feed, feed


def test_main_path_in_a_real_browser(server: Server, browser: Any, tmp_path: Path) -> None:
    watch = Watch()
    shot = tmp_path / "main-path.png"
    started = time.monotonic()
    failure: Exception | None = None
    try:
        _walk(browser, server, watch)
        assert not watch.problems, "the browser saw problems:\n" + "\n".join(watch.problems)
    except Exception as exc:
        failure = exc
    finally:
        # The last page, kept only when something failed.
        _screenshot(watch.page, shot)
        last_url = _url(watch.page)
        _close(watch.page)
    if failure is not None:
        raise AssertionError(
            f"{type(failure).__name__}: {failure}\n"
            f"last page: {last_url}\nscreenshot: {shot if shot.exists() else '(none)'}\n"
            f"browser problems: {watch.problems or 'none'}\n"
            f"server log ({server.log}), last lines:\n{server.log_tail()}") from failure
    shot.unlink(missing_ok=True)
    print(f"the walk took {time.monotonic() - started:.1f} s")  # for the reader; not asserted


def _screenshot(page: Any, path: Path) -> None:
    try:
        if page is not None and not page.is_closed():
            page.screenshot(path=str(path), full_page=True)
    except Exception:  # the browser may be the thing that broke
        pass


def _url(page: Any) -> str:
    try:
        return str(page.url) if page is not None else "(none)"
    except Exception:
        return "(unknown)"


def _close(page: Any) -> None:
    try:
        if page is not None and not page.is_closed():
            page.context.close()
    except Exception:
        pass
