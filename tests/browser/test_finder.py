"""The finder in a real browser, on the demo listings, at a phone's and a desktop's size (issue 10).

One gunicorn server on a fresh SQLite database seeded by ``groupfinder seed-demo --accounts``
(the demo admin and organizer, their passwords in the instance folder's demo-accounts.txt) and
one headless Debian Chromium serve the whole module. At 390×844 and at 1280×800:

- after a filtered search the first result starts within the first screen;
- the List/Map switch works by keyboard, the map shows markers (or clusters), and a sensitive
  group's page draws its area as a hexagon, never a pin (map tiles are answered locally with a
  tiny PNG, so no request leaves the machine);
- a filter chip removes its filter by keyboard;
- with JavaScript off the results are a complete list, without a map or its switch;
- axe-core (pinned in tests/engines/package-lock.json, installed by ``npm ci --prefix
  tests/engines``) finds no violation of WCAG 2.0/2.1/2.2 A and AA or best practice on every
  public page and every organizer and admin page. Without axe-core that part is skipped.

The browser and the server helpers come from test_main_path; without Chromium or Playwright
the tests are skipped, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .test_main_path import (  # noqa: F401  (browser is a fixture used by name)
    STEP_TIMEOUT_MS,
    Server,
    _free_port,
    _run,
    _sign_in,
    browser,
    serve,
)

pytestmark = pytest.mark.slow

AXE = Path(__file__).resolve().parents[1] / "engines" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

SIZES = [pytest.param((390, 844), id="390x844"), pytest.param((1280, 800), id="1280x800")]

# Anxiety groups meeting on Mondays near Manchester's centre: three in the demo, one of them
# sensitive (drawn as its area).
FILTERED = "/search?where=M1+1AE&condition=anxiety&day=mon"
EMPTY = FILTERED + "&language=cy"  # nobody near M1 meets in Welsh
TILES = "https://tile.openstreetmap.org/**"  # config.py's MAP_TILE_URL default
PNG = base64.b64decode(  # 1×1 transparent
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


# --- the demo server -------------------------------------------------------------------------


class DemoServer(Server):
    accounts: dict[str, tuple[str, str]]


@pytest.fixture(scope="module")
def demo(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:  # noqa: F811
    tmp = tmp_path_factory.mktemp("finder")
    port = _free_port()
    srv = DemoServer(backend="sqlite", url=f"http://127.0.0.1:{port}", mail_dir=tmp / "mail",
                     log=tmp / "gunicorn.log")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROUPFINDER_", "FLASK_"))}
    env.update(
        GROUPFINDER_INSTANCE_PATH=str(tmp),
        GROUPFINDER_DATABASE_URL=f"sqlite:///{tmp / 'demo.sqlite3'}",
        GROUPFINDER_SECRET_KEY=secrets.token_urlsafe(48),
        GROUPFINDER_BASE_URL=srv.url,
        GROUPFINDER_MAIL_BACKEND="file",
        GROUPFINDER_MAIL_FILE_DIR=str(srv.mail_dir),
        GROUPFINDER_GEOCODER="offline",
        GROUPFINDER_RATELIMIT_ENABLED="false",  # four sign-ins from one address in a minute
    )
    _run(env, tmp, "db", "upgrade")
    _run(env, tmp, "seed-demo", "--accounts")
    srv.accounts = {}
    for line in (tmp / "demo-accounts.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            role, email, password = line.split()
            srv.accounts[role] = (email, password)
    assert set(srv.accounts) == {"admin", "organizer"}, srv.accounts
    yield from serve(srv, env, tmp, port)


def _context(browser: Any, server: Server, size: tuple[int, int], **options: Any) -> Any:  # noqa: F811
    width, height = size
    context = browser.new_context(base_url=server.url, locale="en-GB", timezone_id="Europe/London",
                                  viewport={"width": width, "height": height}, **options)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    if options.get("java_script_enabled", True):
        context.route(TILES, lambda route: route.fulfill(status=200, content_type="image/png",
                                                         body=PNG))
    return context


def _hrefs(page: Any, pattern: str) -> list[str]:
    """The page's link targets (paths, in order, without repeats) that match ``pattern``."""
    found = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    out: list[str] = []
    for href in found:
        path = href.split("#")[0]
        if re.fullmatch(pattern, path.split("?")[0]) and path not in out:
            out.append(path)
    return out


def _sensitive_group(page: Any) -> str:
    """The URL of a sensitive group among the filtered results (from the results map's data)."""
    data = json.loads(page.locator("#results-map-data").text_content() or "{}")
    urls = [f["properties"]["url"] for f in data.get("features", [])
            if f["properties"].get("approximate")]
    assert urls, f"no sensitive group among the results of {FILTERED}"
    return str(urls[0])


# --- the finder ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_finder(browser: Any, demo: DemoServer, size: tuple[int, int]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    width, height = size
    context = _context(browser, demo, size)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error on {page.url}: {exc}"))

    # 1. Results first: the first result starts on the first screen.
    page.goto(FILTERED)
    first = page.locator("#results-list li").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box is not None
    assert box["y"] < height, (
        f"at {width}×{height} the first result starts at {box['y']:.0f} px, below the screen")

    # 2. The List/Map switch, by keyboard.
    map_button = page.locator(".map-switch").get_by_role("button", name="Map", exact=True)
    expect(map_button).to_be_visible()
    map_button.focus()
    page.keyboard.press("Enter")
    expect(map_button).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#results-map")).to_be_visible()
    expect(page.locator("#results-list")).to_be_hidden()
    pins = page.locator("#results-map .leaflet-marker-icon")
    expect(pins.first).to_be_visible()
    list_button = page.locator(".map-switch").get_by_role("button", name="List", exact=True)
    list_button.focus()
    page.keyboard.press("Space")
    expect(list_button).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#results-map")).to_be_hidden()
    expect(page.locator("#results-list li").first).to_be_visible()

    # … and a sensitive group's page draws its area, never a pin.
    sensitive = _sensitive_group(page)

    # 3. A chip removes its filter, by keyboard.
    chip = page.locator("a.chip", has_text="Mondays")
    expect(chip).to_have_count(1)
    chip.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/search?" in url and "day=mon" not in url)
    assert "condition=anxiety" in page.url, page.url
    expect(page.locator("#results-list li").first).to_be_visible()
    expect(page.locator("a.chip", has_text="Mondays")).to_have_count(0)

    page.goto(sensitive)
    group_map = page.locator("figure.map--group")
    expect(group_map).to_be_visible()
    expect(group_map.locator(".leaflet-overlay-pane path").first).to_be_attached()
    assert group_map.locator(".leaflet-overlay-pane path").count() >= 1
    expect(group_map.locator(".leaflet-marker-icon")).to_have_count(0)
    assert page.locator(".leaflet-marker-icon").count() == 0, f"a pin on {sensitive}"
    assert not problems, "\n".join(problems)
    context.close()

    # 4. JavaScript off: a complete list, no map, no switch.
    context = _context(browser, demo, size, java_script_enabled=False)
    page = context.new_page()
    page.goto(FILTERED)
    expect(page.locator("#results-list li").first).to_be_visible()
    assert page.locator("#results-list li").count() >= 1
    expect(page.locator(".map-switch")).to_be_hidden()
    expect(page.locator("#results-map")).to_be_hidden()
    assert page.locator(".leaflet-container").count() == 0
    context.close()


# --- accessibility ---------------------------------------------------------------------------


def _axe(page: Any, name: str, path: str, found: dict[str, list[str]]) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (
        f"{name}: {path} answered {response and response.status}")
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
        " targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))",
        AXE_TAGS)
    if violations:
        found[f"{name} ({path})"] = [
            f"{v['id']} [{v['impact']}] at {', '.join(v['targets'])}" for v in violations]


@pytest.mark.parametrize("size", SIZES)
def test_axe(browser: Any, demo: DemoServer, size: tuple[int, int]) -> None:  # noqa: F811
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (npm ci --prefix tests/engines)")
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    found: dict[str, list[str]] = {}

    # Public pages, signed out.
    context = _context(browser, demo, size, bypass_csp=True)
    page = context.new_page()
    page.goto(FILTERED)
    public_group = next(u for u in _hrefs(page, r"/groups/\d+/[^/]+")
                        if u.split("?")[0] != _sensitive_group(page))
    sensitive = _sensitive_group(page)
    page.goto(public_group)
    facilitator = _hrefs(page, r"/facilitators/\d+")[0]
    group_id = re.search(r"/groups/(\d+)", public_group).group(1)  # type: ignore[union-attr]
    public = [
        ("home", "/"),
        ("search results", "/search?where=M1+1AE"),
        ("filtered search", FILTERED),
        ("empty result", EMPTY),
        ("public group", public_group),
        ("sensitive group", sensitive),
        ("facilitator", facilitator),
        ("about", "/about"),
        ("privacy", "/privacy"),
        ("report form", f"/groups/{group_id}/report"),
        ("sign in", "/accounts/login"),
        ("register", "/accounts/register"),
    ]
    for name, path in public:
        _axe(page, name, path, found)
    # The results as a map, too.
    page.goto(FILTERED)
    page.locator(".map-switch").get_by_role("button", name="Map", exact=True).click()
    expect(page.locator("#results-map .leaflet-marker-icon").first).to_be_visible()
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ' at ' +"
        " v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))", AXE_TAGS)
    if violations:
        found[f"map view ({FILTERED})"] = violations
    context.close()

    # The organizer's pages.
    context = _context(browser, demo, size, bypass_csp=True)
    page = context.new_page()
    page.goto("/accounts/login")
    _sign_in(page, expect, *demo.accounts["organizer"])
    page.goto("/manage/")
    listings = _hrefs(page, r"/manage/groups/\d+")
    assert listings, "the demo organizer has no listing on /manage/"
    venues = _hrefs(page, r"/manage/venues/\d+")
    facilitators = _hrefs(page, r"/manage/facilitators/\d+")
    organizer = [
        ("organizer dashboard", "/manage/"),
        ("listing edit", listings[0]),
        ("meetings", listings[0].split("?")[0] + "/meetings"),
        ("new listing", "/manage/groups/new"),
        ("new venue", "/manage/venues/new"),
        ("new facilitator", "/manage/facilitators/new"),
    ]
    if venues:
        organizer.append(("venue edit", venues[0]))
    if facilitators:
        organizer.append(("facilitator edit", facilitators[0]))
    for name, path in organizer:
        _axe(page, name, path, found)
    context.close()

    # The admin's pages.
    context = _context(browser, demo, size, bypass_csp=True)
    page = context.new_page()
    page.goto("/accounts/login")
    _sign_in(page, expect, *demo.accounts["admin"])
    page.goto("/review/groups")
    reviewed = _hrefs(page, r"/review/groups/\d+")
    assert reviewed, "no listing to open on /review/groups"
    admin = [
        ("review queue", "/review/"),
        ("review groups", "/review/groups"),
        ("review listing", reviewed[0]),
        ("review places", "/review/places"),
        ("review reports", "/review/reports"),
        ("review freshness", "/review/freshness"),
        ("review audit", "/review/audit"),
        ("review mail", "/review/mail"),
        ("review users", "/review/users"),
    ]
    for name, path in admin:
        _axe(page, name, path, found)
    context.close()

    assert not found, "axe-core violations at {}×{}:\n".format(*size) + "\n".join(
        f"- {page_name}:\n    " + "\n    ".join(rules) for page_name, rules in found.items())
