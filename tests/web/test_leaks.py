"""Nothing public, and nothing another organizer sees, reveals a sensitive group's venue or a
facilitator's private contact; nor do the logs, or what seekers searched for
(docs/security-privacy.md §2.3–2.5).

The scenario (tests/leakcheck/scenario.py) gives every secret a unique marker string. The
crawler starts from every public GET route of ``app.url_map`` built with the real ids, plus
searches with each filter, feeds, API queries, OpenAPI, error pages (404, 405, 422) and the
report form, and follows every same-site link, as an anonymous visitor and as another organizer
(who also crawls their own /manage pages). Every response body and header is scanned, decoded
(HTML entities, URL-encoding, JSON escapes, iCalendar folding and escapes). The app's logs are
captured at DEBUG for every logger, SQLAlchemy and geopy included, and scanned too.

The crawl runs once per backend; its result is shared by the tests below. The mutation tests
at the end break the rule on purpose and check that the same crawler reports it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from groupfinder import privacy
from groupfinder.extensions import db
from groupfinder.groups.map_views import VENDOR
from groupfinder.groups.models import ListingStatus
from groupfinder.interop import hsds
from groupfinder.interop.hsds import hsds_id
from groupfinder.organisations.services import invite
from groupfinder.permissions import ADMIN, ORGANIZER, PUBLIC, access_of
from groupfinder.venues import places

from ..leakcheck import scenario as sc_module
from ..leakcheck.crawler import GET, Crawler, Visit, route_seeds
from ..leakcheck.scan import Hit, find_markers, is_sqlalchemy_row, readable_texts, scan_logs, unfold_ics
from ..leakcheck.scenario import Scenario, build

LIMIT = 800  # URLs per persona; the seeds (526 for organizer B) take at most 3/4 of it
INVITEE = "invitee@example.org"
LOGGERS = ("", "groupfinder", "sqlalchemy", "sqlalchemy.engine", "sqlalchemy.engine.Engine",
           "sqlalchemy.pool", "sqlalchemy.orm", "geopy", "werkzeug", "flask_login", "flask_wtf")


# --- the crawl -------------------------------------------------------------------------------


def sign_in(client: Any, user: Any) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def meeting_stamps(client: Any, sc: Scenario) -> list[str]:
    """Stamps of real meetings (from the API), and of the cancelled and the moved one."""
    stamps = [sc.cancelled_stamp, sc.moved_stamp, "2026-12-01T1900", "not-a-stamp"]
    for group in (sc.sensitive, sc.ordinary):
        for m in client.get(f"/api/v1/groups/{group.id}").get_json()["meetings"][:2]:
            stamps.append(dt.datetime.fromisoformat(m["starts_at"]).strftime("%Y-%m-%dT%H%M"))
    return list(dict.fromkeys(stamps))


def search_seeds(sensitive_id: int) -> list[str]:
    where, district = sc_module.SEARCH_WHERE
    lat, lng = sc_module.SEARCH_LAT, sc_module.SEARCH_LNG
    filters = [("condition", sc_module.CONDITION), ("audience", sc_module.AUDIENCE),
               ("language", sc_module.LANGUAGE), ("access", sc_module.ACCESS),
               ("day", sc_module.DAY), ("starts_after", "18:00"), ("starts_before", "21:00"),
               ("this_week", "true")]
    out = []
    for path, radius in (("/search", "radius"), ("/api/v1/groups", "radius_km"),
                         ("/search/calendar.ics", "radius_km")):
        out += [f"{path}?where={where}", f"{path}?where={district}&{radius}=25",
                f"{path}?lat={lat}&lng={lng}", f"{path}?lat={lat}&lng={lng}&{radius}=1",
                f"{path}?where={where}&{radius}=1&limit=1",
                f"{path}?where={where}&" + "&".join(f"{k}={v}" for k, v in filters)]
        out += [f"{path}?where={where}&{k}={v}" for k, v in filters]
        # 422s and unknown places
        out += [f"{path}", f"{path}?where=", f"{path}?lat=abc&lng={lng}",
                f"{path}?where={where}&{radius}=9999", f"{path}?where=Qzxplace+Nowhere",
                f"{path}?where={where}&cursor=bad", f"{path}?where=Newport"]
    out += [f"/api/v1/groups?where={where}&limit=1", f"/api/v1/groups?lat={lat}&lng={lng}&limit=1"]
    return out


def _hsds_ids(group: Any) -> dict[str, list[tuple[str, Any]]]:
    """A listing's HSDS ids (kind, key) by the collection that serves them."""
    return {"services": [("service", group.id)],
            "organizations": [("organization/group", group.id),
                              ("organization", group.organisation_id)],
            "locations": [("location/group", group.id), ("location/venue", group.venue_id)],
            "service_at_locations": [("service_at_location", group.id)]}


def _vocabulary(group: Any) -> list[tuple[str, list[Any]]]:
    """A listing's terms by HSDS vocabulary (its venue's access features count as its own)."""
    access = [*group.access_features, *(group.venue.access_features if group.venue else [])]
    return [("condition", group.conditions), ("audience", group.audiences), ("access", access)]


def seeds(app: Any, client: Any, sc: Scenario, levels: tuple[str, ...]) -> list[tuple[str, str]]:
    groups = tuple(g for g in (sc.sensitive, sc.ordinary, sc.pending, sc.b_group, sc.b_draft,
                               sc.shared, sc.b_shared) if g is not None)
    values: dict[str, list[Any]] = {
        "group_id": [*sc.group_ids, 999999],
        # (not the pending listing's slug: nobody outside could know it, and the request log
        # rightly keeps the path the visitor typed)
        "slug": [*(g.slug for g in groups if g is not sc.pending), "wrong-slug",
                 # the public organisations' pages, feeds and API (those of published listings)
                 *dict.fromkeys(g.organisation.slug for g in groups if g.organisation is not None
                                and g.status == ListingStatus.published)],
        "facilitator_id": [*sc.facilitator_ids, 999999],
        "stamp": meeting_stamps(client, sc),
        "token": ["x"],
        "filename": ["css/site.css", "js/locate.js", "leaflet.css"],
        # Leaflet under /static/vendor (groups.map_views): each package, and a version not served
        "package": list(VENDOR),
        "version": [VENDOR["leaflet"][0], "0.0.1"],
        "venue_id": [sc.b_group.venue_id, sc.sensitive.venue_id, 999999],
        # /manage/organisations/<org_id>[/members/<user_id>/…]: the listings' organisations
        "org_id": [*dict.fromkeys(g.organisation_id for g in groups if g.organisation_id), 999999],
        "user_id": [999999],
        "schedule_id": [s.id for g in groups for s in g.schedules],
        "part": ["pages", "groups", "facilitators", "organisations"],
        "n": [1, 2],
        # /hsds/<collection>/<hsds_id>: every kind of HSDS id of the sensitive listing in every
        # collection (an id of the wrong kind answers 404), and one that is no id at all; each
        # collection with its own kind of id of every listing follows below
        "hsds_id": [*(hsds_id(kind, key) for ids in _hsds_ids(sc.sensitive).values()
                      for kind, key in ids), "not-an-id"],
    }
    urls = route_seeds(app, levels, values)
    urls += search_seeds(sc.sensitive.id)
    # Each HSDS collection with its own kind of id of every listing (an unpublished one's answers
    # 404), and the vocabularies': taxonomies, and the terms the listings use. (Trying every
    # kind of id in every collection for every listing took a third of the crawl budget.)
    urls += list(dict.fromkeys(f"/hsds/{collection}/{hsds_id(kind, key)}" for g in groups
                               for collection, ids in _hsds_ids(g).items() for kind, key in ids))
    urls += [f"/hsds/taxonomies/{hsds_id('taxonomy', kind)}" for kind in hsds.VOCABULARIES]
    urls += list(dict.fromkeys(f"/hsds/taxonomy_terms/{hsds_id(f'term/{kind}', item.slug)}"
                               for g in groups for kind, items in _vocabulary(g) for item in items))
    urls += ["/no-such-page", "/api/v1/no-such-thing", "/groups/999999/calendar.ics",
             "/sitemap.xml", "/robots.txt", "/export/meeting-guide.json", "/hsds/locations",
             f"/groups/{sc.sensitive.id}/{sc.sensitive.slug}?print=1"]
    out = [(GET, u) for u in urls]
    out += [("POST", "/api/v1/groups"), ("DELETE", f"/groups/{sc.sensitive.id}"),
            ("PUT", f"/groups/{sc.sensitive.id}/calendar.ics"), (GET, "/accounts/logout"),
            ("POST", f"/groups/{sc.sensitive.id}/report"), ("POST", f"/api/v1/groups/{sc.sensitive.id}")]
    return out


@dataclass
class CrawlResult:
    scenario: dict[str, Any]
    anonymous: Crawler
    organizer: Crawler
    logs: list[logging.LogRecord]
    probes: list[Any]  # B's form probes: (text, answer, answer for a missing id, hits)
    seeded: dict[str, int] = field(default_factory=dict)  # how many seeds each persona had

    def visit(self, persona: str, url: str) -> Visit:
        crawler = self.anonymous if persona == "anonymous" else self.organizer
        return crawler.visits[(GET, url)]


def probe_the_form(client: Any, sc: Scenario) -> list[tuple[str, tuple[int, str], tuple[int, str], list[Hit]]]:
    """Organizer B posts a sensitive listing naming A's venue id, with text that would trip
    each privacy check if that venue were checked (its name, street, postcode, a point 100 m
    away): the oracle of issue 8. Each answer is scanned like a crawled page and compared with
    the answer for an id that does not exist."""
    texts = [sc_module.VENUE_NAME, f"Meet on {sc_module.VENUE_STREET}", sc_module.VENUE_POSTCODE,
             f"{sc_module.VENUE_LAT + 0.0009:.5f}, {sc_module.VENUE_LNG:.5f}"]
    out = []
    for text in texts:
        answers = []
        for venue_id in (str(sc.sensitive.venue_id), "999999"):
            page = client.get("/manage/groups/new").get_data(as_text=True)
            token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            response = client.post("/manage/groups/new", data={
                "csrf_token": token, "name": "Probe", "conditions": [sc_module.CONDITION],
                "languages": ["en"], "is_sensitive": "y", "venue_id": venue_id, "description": text})
            body = re.sub(r'(name="csrf_token" value=")[^"]+', r"\1", response.get_data(as_text=True))
            answers.append((response.status_code, body))
        # The probe text itself is echoed back in the form: scan for everything else.
        markers = [m for m in sc.markers_for("organizer_b") if m.casefold() not in text.casefold()]
        hits = find_markers(readable_texts(answers[0][1], "text/html"), markers,
                            where=f"POST probe {text!r} as organizer B", part="body")
        out.append((text, answers[0], answers[1], hits))
    return out


_RESULTS: dict[str, CrawlResult] = {}


def crawl(backend: str, app: Any, caplog: pytest.LogCaptureFixture) -> CrawlResult:
    """Seed, crawl as both personas with every logger at DEBUG; once per backend."""
    if backend in _RESULTS:
        return _RESULTS[backend]
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)
    sc = build()
    # A mailed invitation to A's organisation's team: its link opens the join page.
    join = f"/organisations/join?token={invite(sc.sensitive.organisation, INVITEE, 'member', by=None)}"
    base = app.config["BASE_URL"]
    anonymous_client = app.test_client()
    anonymous = Crawler(anonymous_client, sc.markers_for("anonymous"), base_url=base,
                        persona="anonymous", limit=LIMIT)
    # (the link first: it keeps the token in the session and redirects to the bare page, which
    # the route seeds then visit)
    anonymous_seeds = [(GET, join), *seeds(app, anonymous_client, sc, (PUBLIC,))]
    anonymous.run(anonymous_seeds)
    b_client = app.test_client()
    sign_in(b_client, sc.organizer_b)
    organizer = Crawler(b_client, sc.markers_for("organizer_b"), base_url=base,
                        persona="organizer B", limit=LIMIT)
    organizer_seeds = [(GET, join), *seeds(app, b_client, sc, (PUBLIC, ORGANIZER, ADMIN))]
    organizer.run(organizer_seeds)
    probes = probe_the_form(b_client, sc)
    facts = {
        "sensitive": (sc.sensitive.id, sc.sensitive.slug, sc.sensitive.name, sc.sensitive.area_name),
        "ordinary": (sc.ordinary.id, sc.ordinary.slug),
        "b_group": sc.b_group.id, "b_venue": sc.b_group.venue_id, "b_draft": sc.b_draft.id,
        "markers": sc.markers_for("anonymous"),
        "b_schedule": sc.b_group.schedules[0].id,
        "b_facilitator": sc.b_facilitator.id,
        "stamps": (sc.cancelled_stamp, sc.moved_stamp),
        "shared": [(g.id, g.slug) for g in (sc.shared, sc.b_shared)],
        "leaky_reason_refused": sc.leaky_reason_refused,
    }
    result = CrawlResult(facts, anonymous, organizer, list(caplog.records), probes,
                         {"anonymous": len(set(anonymous_seeds)),
                          "organizer": len(set(organizer_seeds))})
    _RESULTS[backend] = result
    return result


def _report(hits: list[Hit], limit: int = 25) -> str:
    lines = [str(h) for h in hits[:limit]]
    if len(hits) > limit:
        lines.append(f"… and {len(hits) - limit} more")
    return "\n".join(lines)


# --- the crawl reached what matters (so it can't pass by crawling nothing) -------------------


def test_crawler_reaches_the_sensitive_group_everywhere(backend, app, caplog):
    result = crawl(backend, app, caplog)
    sid, slug, name, area = result.scenario["sensitive"]
    for persona in ("anonymous", "organizer"):
        page = result.visit(persona, f"/groups/{sid}/{slug}")
        assert page.status == 200 and name in page.body and area in page.body
        # Controls: the opted-in facilitator's contact is shown, so contact fields are scanned.
        assert sc_module.OPTED_IN_EMAIL in page.body and sc_module.OPTED_IN_PHONE in page.body
        assert "Robin Quietly" in page.body  # the private facilitator is listed, without contact
        api = result.visit(persona, f"/api/v1/groups/{sid}")
        assert api.status == 200 and sc_module.OPTED_IN_EMAIL in api.body
        feed = result.visit(persona, f"/groups/{sid}/calendar.ics")
        assert feed.status == 200 and "RECURRENCE-ID" in feed.body and "EXDATE" in feed.body
        cancelled, moved = result.scenario["stamps"]
        one = result.visit(persona, f"/groups/{sid}/meetings/{moved}.ics")
        assert one.status == 200 and area in unfold_ics(one.body)
        assert result.visit(persona, f"/groups/{sid}/meetings/{cancelled}.ics").status == 404
        search = result.visit(persona, f"/api/v1/groups?where={sc_module.SEARCH_WHERE[0]}")
        assert f'"id":{sid},' in search.body.replace(" ", "")
        search_feed = result.visit(persona, f"/search/calendar.ics?where={sc_module.SEARCH_WHERE[0]}")
        assert search_feed.status == 200 and name in search_feed.body
    # The ordinary group's venue is public: the crawler does see venue names and addresses.
    oid, oslug = result.scenario["ordinary"]
    assert sc_module.PUBLIC_VENUE_NAME in result.visit("anonymous", f"/groups/{oid}/{oslug}").body
    assert sc_module.PUBLIC_VENUE_NAME in result.visit("anonymous", f"/api/v1/groups/{oid}").body


def test_every_listing_at_the_private_place_shows_only_its_area(backend, app, caplog):
    """A's ordinary group at the sensitive venue, and B's group at B's own record of the same
    place, were crawled and say why only the area shows; the reason naming the venue was
    refused by the service."""
    result = crawl(backend, app, caplog)
    assert result.scenario["leaky_reason_refused"]
    for gid, slug in result.scenario["shared"]:
        for persona in ("anonymous", "organizer"):
            page = result.visit(persona, f"/groups/{gid}/{slug}")
            assert page.status == 200
            assert "Approximate area" in page.body and "also hosts a group" in page.body
            api = result.visit(persona, f"/api/v1/groups/{gid}")
            assert '"approximate":true' in api.body.replace(" ", "")


def test_crawler_covers_every_public_route(backend, app, caplog):
    result = crawl(backend, app, caplog)
    visited: dict[str, set[int]] = {}
    adapter = app.url_map.bind("groups.example.test")
    for (method, url), visit in result.anonymous.visits.items():
        try:
            endpoint, _ = adapter.match(url.split("?")[0], method=method)
        except Exception:  # 404/405 seeds
            continue
        visited.setdefault(endpoint, set()).add(visit.status)
    public_get = {r.endpoint for r in app.url_map.iter_rules()
                  if access_of(app, r.endpoint) == PUBLIC and "GET" in r.methods}
    missing = public_get - set(visited)
    assert not missing, f"public routes never crawled: {sorted(missing)}"
    never_ok = sorted(e for e in public_get if not any(200 <= s < 300 for s in visited[e])
                      and e not in ("accounts.confirm_email", "accounts.reset_password",
                                    "confirm.confirm"))
    # (these need a mailed link's token)
    assert not never_ok, f"public routes never answered 2xx in the crawl: {never_ok}"
    join = result.visit("anonymous", "/organisations/join")  # the invitation, as its link shows it
    assert "invited to join the team of" in join.body and INVITEE not in join.body
    statuses = {v.status for v in result.anonymous.visits.values()}
    assert {200, 301, 404, 405, 422} <= statuses
    assert len(result.anonymous.visits) >= 100 and len(result.organizer.visits) >= 100
    # The seeds leave a quarter of the budget at least to following links (the whole link graph,
    # search pages and their filters, runs to thousands of URLs: the crawl never exhausts it).
    for persona, n in result.seeded.items():
        assert n <= LIMIT * 3 // 4, f"{persona}: {n} seeds of a {LIMIT}-URL budget: trim them"
    print(f"\n[{backend}] anonymous: {len(result.anonymous.visits)} URLs "
          f"(exhausted={result.anonymous.exhausted}); organizer B: "
          f"{len(result.organizer.visits)} URLs (exhausted={result.organizer.exhausted}); "
          f"seeds {result.seeded}; "
          f"{len(result.logs)} log records")


def test_other_organizer_crawls_their_own_manage_pages(backend, app, caplog):
    result = crawl(backend, app, caplog)
    f = result.scenario
    own = ["/manage/", "/manage/groups/new", "/manage/venues/new", "/manage/facilitators/new",
           f"/manage/groups/{f['b_group']}", f"/manage/groups/{f['b_draft']}",
           f"/manage/groups/{f['b_group']}/meetings", f"/manage/groups/{f['b_group']}/schedules/new",
           f"/manage/groups/{f['b_group']}/schedules/{f['b_schedule']}",
           f"/manage/venues/{f['b_venue']}", f"/manage/facilitators/{f['b_facilitator']}",
           "/accounts/password"]
    for url in own:
        visit = result.visit("organizer", url)
        assert visit.status == 200, url
        assert "no-store" in visit.cache_control, url
    # B's own private contact shows on B's own page (control), and A's objects answer 404.
    assert sc_module.B_PRIVATE_EMAIL in result.visit("organizer", f"/manage/facilitators/{f['b_facilitator']}").body
    sid = f["sensitive"][0]
    assert result.visit("organizer", f"/manage/groups/{sid}").status == 404
    assert result.visit("organizer", f"/manage/groups/{sid}/meetings").status == 404
    assert {v.status for (m, u), v in result.organizer.visits.items() if u.startswith("/review")} == {403}


# --- the rule: no marker anywhere ------------------------------------------------------------


def test_no_public_response_reveals_a_secret(backend, app, caplog):
    result = crawl(backend, app, caplog)
    hits = result.anonymous.hits
    assert not hits, f"{len(hits)} leaks to an anonymous visitor:\n{_report(hits)}"


def test_another_organizer_learns_nothing_of_the_sensitive_venue(backend, app, caplog):
    result = crawl(backend, app, caplog)
    hits = result.organizer.hits
    assert not hits, f"{len(hits)} leaks to another organizer:\n{_report(hits)}"


def test_probing_the_form_with_someone_elses_venue_answers_nothing(backend, app, caplog):
    result = crawl(backend, app, caplog)
    assert len(result.probes) == 4
    for text, answer, missing, hits in result.probes:
        assert answer[0] == 422 and "Choose from your own list." in answer[1], text
        assert answer == missing, f"the answer for A's venue differs from a missing one: {text!r}"
        assert not hits, _report(hits)


def _searched() -> list[str]:
    lat, lng = sc_module.SEARCH_LAT, sc_module.SEARCH_LNG
    return [*sc_module.SEARCH_WHERE, "Qzxplace", lat, lng, f"{float(lat):.3f}", f"{float(lng):.3f}"]


def test_logs_reveal_no_secret_and_no_searched_place(backend, app, caplog):
    result = crawl(backend, app, caplog)
    # (SQLAlchemy's "Row %r" echo is the known leak of the next test.)
    records = [r for r in result.logs if not is_sqlalchemy_row(r)]
    # Controls: the request log and SQLAlchemy's statement log were both captured.
    assert any(r.name == "groupfinder.request" and "/search?where=…" in r.getMessage() for r in records)
    assert any(r.name.startswith("sqlalchemy.engine") and "SELECT" in r.getMessage() for r in records)
    hits = scan_logs(records, result.scenario["markers"] + _searched())
    assert not hits, f"{len(hits)} leaks in the logs:\n{_report(hits)}"


def test_debug_logs_with_sqlalchemy_rows_reveal_nothing(backend, app, caplog):
    result = crawl(backend, app, caplog)
    # Control: SQLAlchemy's engine logger really was at DEBUG/INFO (its statements were captured).
    assert any(r.name.startswith("sqlalchemy.engine") and "SELECT" in r.getMessage() for r in result.logs)
    hits = scan_logs(result.logs, result.scenario["markers"] + _searched())
    assert not hits, f"{len(hits)} leaks in the DEBUG logs:\n{_report(hits, 10)}"


# --- mutations: break the rule, and the same crawler must report it --------------------------


def _leaky_public_location(group: Any) -> privacy.PublicLocation | None:
    v = group.venue
    if v is None:
        return None
    return privacy.PublicLocation(approximate=False, area=v.town, latitude=v.latitude,
                                  longitude=v.longitude, venue_name=v.name, address=v.address,
                                  postcode=v.postcode, town=v.town)


def _exact_public_point(*, is_sensitive: bool, venue: Any, area_name: str | None = None) -> privacy.PublicPoint:
    return privacy.PublicPoint(venue.latitude, venue.longitude, None, area_name or venue.town)


def _leaky_contact(facilitator: Any) -> privacy.PublicContact:
    return privacy.PublicContact(email=facilitator.email, phone=facilitator.phone)


def _no_place_rule(session: Any, venues: Any) -> None:
    """The place rule switched off: only sensitive listings hide their venue."""


def _named_move(venue: Any) -> str | None:
    return venue.name if venue is not None else None


MUTATIONS = {
    # stored public point = the venue's exact point
    "compute_public_point": (_exact_public_point, [f"{sc_module.VENUE_LAT:.5f}", f"{sc_module.VENUE_LNG:.5f}"]),
    # every output shows the venue
    "public_location": (_leaky_public_location, [sc_module.VENUE_NAME, sc_module.VENUE_STREET,
                                                 sc_module.VENUE_POSTCODE]),
    # private contacts shown
    "public_contact": (_leaky_contact, [sc_module.PRIVATE_EMAIL, sc_module.PRIVATE_PHONE]),
    # a moved meeting names the private venue it moves to (both locks broken)
    "moved_location+public_exceptions": (
        (_named_move, lambda group, exceptions: exceptions),
        [sc_module.MOVED_VENUE_NAME, sc_module.VENUE_NAME]),
    # the place rule off: the ordinary groups at the sensitive place publish it
    "places.apply_rule": (_no_place_rule, [sc_module.VENUE_NAME, sc_module.VENUE_STREET,
                                           sc_module.B_SHARED_VENUE_NAME]),
    # place privacy decided by the listing only (the flag ignored when showing a location)
    "is_hidden": (lambda *, is_sensitive, venue: bool(is_sensitive),
                  [sc_module.VENUE_NAME, sc_module.B_SHARED_STREET]),
    # the text rule off: the cancel reason naming the venue is published
    "public_text_problems": (lambda text, places: [], [sc_module.LEAKY_REASON]),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_crawler_reports_a_broken_rule(name, app, client, monkeypatch):
    replacements, expected = MUTATIONS[name]
    if not isinstance(replacements, tuple):
        replacements = (replacements,)
    for target, replacement in zip(name.split("+"), replacements, strict=True):
        module = places if target.startswith("places.") else privacy
        attr = target.removeprefix("places.")
        monkeypatch.setattr(module, attr, replacement)
        if attr in app.jinja_env.globals:  # templates hold their own reference
            monkeypatch.setitem(app.jinja_env.globals, attr, replacement)
    sc = build()
    crawler = Crawler(client, expected, base_url=app.config["BASE_URL"], persona="anonymous",
                      limit=LIMIT, stop_when_all_found=True)
    crawler.run(seeds(app, client, sc, (PUBLIC,)))
    found = {h.marker for h in crawler.hits}
    assert found == set(expected), f"mutation {name} went unnoticed for {set(expected) - found}"


def test_log_scan_reports_an_unredacted_request_log(app, client, caplog):
    """The request-log hook keeps its own reference to ``redact_query_string``: swap it in the
    hook's closure for one that keeps the values, and the log scan must report the place."""
    hook = next(f for f in app.after_request_funcs[None] if f.__name__ == "_finish")
    cells = dict(zip(hook.__code__.co_freevars, hook.__closure__ or (), strict=True))
    cell = cells["redact_query_string"]
    original = cell.cell_contents
    caplog.set_level(logging.INFO, logger="groupfinder")
    build()
    try:
        cell.cell_contents = lambda query: query
        client.get(f"/search?where={sc_module.SEARCH_WHERE[0]}")
        client.get(f"/api/v1/groups?lat={sc_module.SEARCH_LAT}&lng={sc_module.SEARCH_LNG}")
    finally:
        cell.cell_contents = original
    found = {h.marker for h in scan_logs(caplog.records, _searched())}
    assert {sc_module.SEARCH_WHERE[0], sc_module.SEARCH_LAT, sc_module.SEARCH_LNG} <= found


def test_probe_check_reports_a_form_that_checks_someone_elses_venue(app, client, monkeypatch):
    """Mutation: ids resolved without the ownership check (any existing venue is usable). The
    probe answers must then differ from those for a missing id, and the test above would fail."""
    from groupfinder.groups import services as group_services

    def _any_existing(model: Any, ids: Any, by: Any, already: Any = ()) -> Any:
        rows = {r.id: r for r in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}
        return [rows[i] for i in ids] if all(i in rows for i in ids) else None

    monkeypatch.setattr(group_services, "_usable", _any_existing)
    sc = build()
    sign_in(client, sc.organizer_b)
    probes = probe_the_form(client, sc)
    assert all(answer != missing for _text, answer, missing, _hits in probes)
