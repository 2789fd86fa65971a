"""Hypothesis against every HTML form, and hostile values in every GET route's path and query.

Each POST route of the app is posted to as the persona that may use it (anonymous for the public
forms, a signed-in organizer for /manage and the password change, an admin for /review), with a
valid CSRF token (mostly) and generated field values: unicode, NULs, very long strings, huge and
negative numbers, malformed dates, times, emails and URLs, missing, duplicated and unknown fields.
No answer may be a 5xx, and no page may show a traceback, a file path or configuration.

A POST route with no entry in ``TARGETS`` fails the suite, so a new form gets fuzzed too.
Bounded (fixed seed, a few dozen examples per route) to stay well under a minute per backend.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import hypothesis
import pytest
from flask import Flask
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from groupfinder.accounts.models import Role, User
from groupfinder.accounts.passwords import hash_password
from groupfinder.accounts.tokens import Purpose, make_token
from groupfinder.db import now_utc
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.confirmation import make_confirm_token
from groupfinder.organisations.models import MemberRole, Membership, Organisation
from groupfinder.organisations.services import invite
from groupfinder.review.models import ProblemReport

from ..factories import make_group, make_schedule, make_venue

PASSWORD = "correct horse battery staple 42"

SETTINGS = dict(deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=list(hypothesis.HealthCheck))
FORM_EXAMPLES = 30
GET_EXAMPLES = 200
# Forms that hash or verify a password (Argon2, slow on purpose) get fewer examples.
PASSWORD_FORM_EXAMPLES = 10


# Values that have broken web forms before, plus anything a page offers (added per route).
NASTY = [
    "", " ", "\x00", "a\x00b", "\x00" * 3, "\r\n", "\t", "0", "-1", "1", "2", "-0", "+1", "00001",
    "2147483647", "2147483648", "-2147483649", "9223372036854775808", "99999999999999999999",
    "-99999999999999999999", "9" * 5000, "1" * 20_000, "²", "١٢", "１２", "1e400", "-1e400", "1e-400",
    "nan", "inf", "-inf", "0x10", "1_000", "3.5", "1,5", "91", "-181", "53.48,-2.24",
    "2026-02-30", "2026-13-01", "9999-12-31", "0001-01-01", "2026-12-08", "31/12/9999",
    "00/00/0000", "2026-12-08T19:00", "9999-12-31T23:59", "0001-01-01T00:00",
    "2026-12-08T19:00:00+14:00", "24:00", "23:59:60", "19:00", "-1:00", "7.30", "99:99",
    "x@y", "@", "a@b.c", "a" * 300 + "@example.org", "a@" + "b" * 300 + ".com",
    "user@exa mple.org", "organizer@example.org", "admin@example.org", "admin@EXAMPLE.org ",
    "http://", "https://", "javascript:alert(1)", "https://" + "a" * 3000 + ".example",
    "//evil.example", "/\\evil.example", "<script>alert(1)</script>", "{{7*7}}", "${7*7}",
    "' OR '1'='1", "%00", "../../etc/passwd", "\u202e\u0644", "\ufeff", "🙂" * 100, "A" * 100_000,
    "true", "false", "on", "y", "weekly", "monthly_weekday", "monthly_date", "once", "yearly",
    "cancel", "move", "undo", "admin", "organizer", "wrong-data", "closed", "other",
    "Europe/London", "America/New_York", "Mars/Olympus", "UTC", "../zoneinfo", "GB", "US", "ZZ",
    "anxiety", "depression", "adults", "en", "cy", "step-free", "hearing-loop", PASSWORD,
]
TEXT = st.text(max_size=300)
LEAKS = re.compile(r"Traceback \(most recent call last\)|File \"/|site-packages|/work/|"
                   r"sqlalchemy|psycopg|sqlite3\.|OperationalError|IntegrityError|DataError|"
                   r"test-secret-key|postgresql\+|sqlite:///", re.IGNORECASE)


# --- the world every form works on ------------------------------------------------------------


@dataclass
class World:
    organizer_id: int
    admin_id: int
    other_id: int
    group_id: int
    venue_id: int
    schedule_id: int
    facilitator_id: int
    report_id: int
    confirm_token: str
    reset_token: str
    listing_token: str
    org_id: int
    join_token: str


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # once: Argon2 is slow on purpose


def _user(email: str, role: Role, *, confirmed: bool = True) -> User:
    user = User(email=email, role=role, password_hash=_password_hash(),
                email_confirmed_at=now_utc() if confirmed else None)
    db.session.add(user)
    db.session.flush()
    return user


def build_world() -> World:
    organizer = _user("organizer@example.org", Role.organizer)
    admin = _user("admin@example.org", Role.admin)
    other = _user("other@example.org", Role.organizer)
    unconfirmed = _user("new@example.org", Role.organizer, confirmed=False)
    venue = make_venue(owner_id=organizer.id)
    schedule = make_schedule(first_date=dt.date(2026, 1, 6))
    group = make_group(venue=venue, schedules=[schedule])
    group.organizers.append(organizer)
    person = Facilitator(name="Sam Example", bio="Runs the group.", owner_id=organizer.id)
    db.session.add(person)
    group.facilitators.append(person)
    report = ProblemReport(group_id=group.id, kind="other", message="Wrong time.")
    db.session.add(report)
    # The organizer owns an organisation with ``other`` on its team (the team pages act on it),
    # and is invited to a second one, owned by ``other`` (the join page accepts that).
    org = Organisation(slug="example-peer-circles", name="Example Peer Circles")
    theirs = Organisation(slug="other-peer-trust", name="Other Peer Trust")
    org.memberships.extend([Membership(user_id=organizer.id, role=MemberRole.owner),
                            Membership(user_id=other.id, role=MemberRole.member)])
    theirs.memberships.append(Membership(user_id=other.id, role=MemberRole.owner))
    db.session.add_all([org, theirs])
    group.organisation = org
    db.session.flush()
    join_token = invite(theirs, organizer.email, MemberRole.member, by=other)
    assert join_token is not None
    world = World(organizer.id, admin.id, other.id, group.id, venue.id, schedule.id, person.id,
                  report.id, make_token(unconfirmed, Purpose.confirm_email),
                  make_token(other, Purpose.reset_password), make_confirm_token(group, organizer),
                  org.id, join_token)
    db.session.commit()
    return world


# --- which persona posts where, and which page carries the form --------------------------------

Url = Callable[[World], str]


@dataclass(frozen=True)
class Target:
    persona: str  # "anon", "organizer" or "admin"
    url: Url
    page: Url | None = None  # the page that shows the form (default: ``url``)


def _group(suffix: str = "") -> Url:
    return lambda w: f"/manage/groups/{w.group_id}{suffix}"


def _org(suffix: str = "") -> Url:
    return lambda w: f"/manage/organisations/{w.org_id}{suffix}"


TARGETS: dict[str, Target] = {
    "accounts.register": Target("anon", lambda w: "/accounts/register"),
    "accounts.confirm_email": Target("anon", lambda w: "/accounts/confirm",
                                     lambda w: f"/accounts/confirm?token={w.confirm_token}"),
    "accounts.login": Target("anon", lambda w: "/accounts/login"),
    "accounts.logout": Target("anon", lambda w: "/accounts/logout", lambda w: "/accounts/login"),
    "accounts.reset_request": Target("anon", lambda w: "/accounts/reset"),
    "accounts.reset_password": Target("anon", lambda w: "/accounts/new-password",
                                      lambda w: f"/accounts/new-password?token={w.reset_token}"),
    "accounts.change_password": Target("organizer", lambda w: "/accounts/password"),
    "reports.report": Target("anon", lambda w: f"/groups/{w.group_id}/report"),
    "confirm.confirm": Target("anon", lambda w: "/listings/confirm",
                              lambda w: f"/listings/confirm?token={w.listing_token}"),
    "manage.group_new": Target("organizer", lambda w: "/manage/groups/new"),
    "manage.group_edit": Target("organizer", _group()),
    "manage.group_submit": Target("organizer", _group("/submit"), _group()),
    "manage.group_confirm": Target("organizer", _group("/confirm"), _group()),
    "manage.co_organizer": Target("organizer", _group("/co-organizers"), _group()),
    "manage.venue_new": Target("organizer", lambda w: "/manage/venues/new"),
    "manage.venue_edit": Target("organizer", lambda w: f"/manage/venues/{w.venue_id}"),
    "manage.schedule_new": Target("organizer", _group("/schedules/new")),
    "manage.schedule_edit": Target(
        "organizer", lambda w: f"/manage/groups/{w.group_id}/schedules/{w.schedule_id}"),
    "manage.schedule_delete": Target(
        "organizer", lambda w: f"/manage/groups/{w.group_id}/schedules/{w.schedule_id}/delete",
        lambda w: f"/manage/groups/{w.group_id}/schedules/{w.schedule_id}"),
    "manage.meetings": Target("organizer", _group("/meetings")),
    "manage.facilitator_new": Target("organizer", lambda w: "/manage/facilitators/new"),
    "manage.facilitator_edit": Target(
        "organizer", lambda w: f"/manage/facilitators/{w.facilitator_id}"),
    "manage.organisations": Target("organizer", lambda w: "/manage/organisations"),
    "manage.organisation": Target("organizer", _org()),
    "manage.organisation_invite": Target("organizer", _org("/invite"), _org()),
    "manage.organisation_member_role": Target(
        "organizer", lambda w: f"/manage/organisations/{w.org_id}/members/{w.other_id}/role", _org()),
    "manage.organisation_member_remove": Target(
        "organizer", lambda w: f"/manage/organisations/{w.org_id}/members/{w.other_id}/remove",
        _org()),
    "manage.organisation_leave": Target("organizer", _org("/leave"), _org()),
    "organisation_join.join": Target("organizer", lambda w: "/organisations/join",
                                     lambda w: f"/organisations/join?token={w.join_token}"),
    "review.approve": Target("admin", lambda w: f"/review/groups/{w.group_id}/approve",
                             lambda w: f"/review/groups/{w.group_id}"),
    "review.reject": Target("admin", lambda w: f"/review/groups/{w.group_id}/reject",
                            lambda w: f"/review/groups/{w.group_id}"),
    "review.archive": Target("admin", lambda w: f"/review/groups/{w.group_id}/archive",
                             lambda w: f"/review/groups/{w.group_id}"),
    "review.restore": Target("admin", lambda w: f"/review/groups/{w.group_id}/restore",
                             lambda w: f"/review/groups/{w.group_id}"),
    "review.set_role": Target("admin", lambda w: f"/review/users/{w.other_id}/role",
                              lambda w: "/review/users"),
    "review.resolve_report": Target("admin", lambda w: f"/review/reports/{w.report_id}/resolve",
                                    lambda w: "/review/reports?show=all"),
    "review.release": Target("admin", lambda w: f"/review/places/{w.venue_id}/release",
                             lambda w: "/review/places"),
}


@pytest.fixture
def world(app: Flask) -> World:
    return build_world()


def sign_in(client: Any, world: World, persona: str) -> None:
    """A fresh sign-in before every example: a password change or role change rotates tokens."""
    with client.session_transaction() as session:
        for key in ("_user_id", "_fresh", "_id"):
            session.pop(key, None)
        if persona == "anon":
            return
        db.session.expire_all()
        user = db.session.get(User, world.organizer_id if persona == "organizer" else world.admin_id)
        user.role = Role.admin if persona == "admin" else Role.organizer
        user.is_enabled = True
        db.session.commit()
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def assert_safe(response: Any, what: str) -> None:
    __tracebackhide__ = True
    assert response.status_code < 500, f"{response.status_code} for {what}"
    body = response.get_data(as_text=True)
    leak = LEAKS.search(body)
    assert leak is None, f"{what} shows {leak.group(0)!r}"


class _Fields(HTMLParser):
    """Every named control of a page: its type and the values the page offers for it."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, tuple[str, list[str]]] = {}
        self._select: str | None = None

    def _add(self, name: str, kind: str, value: str | None) -> None:
        old_kind, values = self.fields.get(name, (kind, []))
        if value is not None and value not in values and len(value) < 200:
            values.append(value)
        self.fields[name] = (old_kind, values)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "option" and self._select:
            self._add(self._select, "select", a.get("value"))
        elif tag == "select" and name:
            self._select = name
            self._add(name, "select", None)
        elif tag in ("input", "button", "textarea") and name:
            kind = "textarea" if tag == "textarea" else (a.get("type") or "text").lower()
            self._add(name, kind, a.get("value"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _page_facts(client: Any, url: str) -> tuple[str, dict[str, tuple[str, list[str]]]]:
    """The CSRF token and the fields of the page's forms (type, offered values)."""
    response = client.get(url, follow_redirects=True)  # an emailed link lands, then redirects
    assert response.status_code == 200, f"{url}: {response.status_code}"
    parser = _Fields()
    parser.feed(response.get_data(as_text=True))
    _, tokens = parser.fields.pop("csrf_token", ("hidden", []))
    assert tokens, f"no CSRF token on {url}"
    return tokens[0], parser.fields


_DATES = st.one_of(st.dates().map(dt.date.isoformat), st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
                   st.sampled_from(["9999-12-31", "9999-12-01", "9999-11-30", "0001-01-01",
                                    "0001-01-02", "1899-12-31", "3000-01-01", "1970-01-01"]),
                   st.sampled_from(["2026-02-30", "2026-13-01", "0000-01-01", "10000-01-01",
                                    "2026-1-1", "2026/12/08", "tomorrow"]))
_TIMES = st.one_of(st.times().map(lambda t: t.strftime("%H:%M")), st.times().map(str),
                   st.sampled_from(["24:00", "23:60", "-1:00", "7.30", "19", "7pm"]))
_DATETIMES = st.one_of(st.sampled_from(["9999-12-31T23:59", "9999-12-31T00:00", "0001-01-01T00:00",
                                         "0001-01-01T00:01", "2026-12-08T19:00+14:00", "2026-12-08"]),
                       st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
                       st.datetimes().map(dt.datetime.isoformat))
_NUMBERS = st.one_of(st.integers().map(str), st.floats().map(str),
                     st.integers(min_value=-3, max_value=1500).map(str))
_EMAILS = st.one_of(st.emails(), st.sampled_from([v for v in NASTY if "@" in v]))


def _value_for(name: str, kind: str) -> st.SearchStrategy[str]:
    """Values aimed at what the field holds (by type and name), and anything else now and then."""
    aimed: list[st.SearchStrategy[str]] = []
    if kind == "date" or name.endswith(("_date", "_until")):
        aimed.append(_DATES)
    if kind == "time" or name.endswith("_time"):
        aimed.append(_TIMES)
    if name in ("original_start", "stamp"):
        aimed.append(_DATETIMES)
    if kind == "number" or name in ("version", "interval", "duration_minutes", "schedule_id",
                                    "latitude", "longitude", "page", "group") or name.endswith("_id"):
        aimed.append(_NUMBERS)
    if kind == "email" or "email" in name:
        aimed.append(_EMAILS)
    return st.one_of(*aimed, *aimed, st.sampled_from(NASTY), TEXT)


def _plausible(name: str, kind: str, offered: list[str]) -> st.SearchStrategy[str]:
    """What a person would send: a value the page offers, or a sensible one for the field."""
    if any(offered):
        return st.sampled_from(offered)
    if offered and (kind == "date" or name.endswith(("_date", "_until"))):
        return st.just("")  # an optional date the page leaves empty
    if kind == "date" or name.endswith(("_date", "_until")):
        return st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)).map(dt.date.isoformat)
    if kind == "time" or name.endswith("_time"):
        return st.times().map(lambda t: t.strftime("%H:%M"))
    if kind == "number" or name in ("interval", "duration_minutes"):
        return st.integers(1, 120).map(str)
    if kind == "email" or "email" in name:
        return st.emails()
    if kind == "password" or "password" in name:
        return st.just(PASSWORD)
    return st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]),
                   min_size=1, max_size=40)


def _form_data(fields: dict[str, tuple[str, list[str]]],
               extra_values: list[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """A plausible submission of the page's form with one or two fields made hostile (a
    hostile value, several values, or left out), plus unknown fields now and then."""
    names = sorted(fields)

    @st.composite
    def submission(draw: Callable[[st.SearchStrategy[Any]], Any]) -> list[tuple[str, str]]:
        hostile = set(draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
                      if names else [])
        out: list[tuple[str, str]] = []
        for name in names:
            kind, offered = fields[name]
            if name not in hostile:
                out.append((name, draw(_plausible(name, kind, offered))))
                continue
            value = _value_for(name, kind)
            if extra_values:
                value = st.one_of(value, st.sampled_from(extra_values))
            how = draw(st.sampled_from(["one", "one", "one", "many", "omit"]))
            if how == "one":
                out.append((name, draw(value)))
            elif how == "many":
                out.extend((name, v) for v in draw(st.lists(value, min_size=2, max_size=3)))
        out.extend(draw(st.lists(st.tuples(
            st.sampled_from(["unknown", "role", "status", "owner_id", "id", "is_admin"]),
            st.sampled_from(NASTY)), max_size=2)))
        return out

    return submission()


def _post_routes(app: Flask) -> list[str]:
    return sorted(rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods)


def test_every_form_has_a_fuzz_target(app: Flask) -> None:
    assert sorted(set(_post_routes(app)) - set(TARGETS)) == []


@pytest.mark.parametrize("endpoint", sorted(TARGETS))
def test_form_never_fails(app: Flask, client: Any, world: World, endpoint: str) -> None:
    if endpoint not in app.view_functions:
        pytest.skip(f"{endpoint} is not registered")
    target = TARGETS[endpoint]
    url, page = target.url(world), (target.page or target.url)(world)
    sign_in(client, world, target.persona)
    token, fields = _page_facts(client, page)
    ids = [str(v) for v in (world.group_id, world.venue_id, world.schedule_id,
                            world.facilitator_id, world.report_id, world.other_id, world.org_id)]

    slow = endpoint.startswith("accounts.") and endpoint != "accounts.logout"

    @hypothesis.settings(max_examples=PASSWORD_FORM_EXAMPLES if slow else FORM_EXAMPLES, **SETTINGS)
    @hypothesis.given(fields=_form_data(fields, ids),
                      csrf=st.sampled_from([token] * 6 + ["", "forged", "\x00"]))
    def post(fields: list[tuple[str, str]], csrf: str) -> None:
        sign_in(client, world, target.persona)
        data = [("csrf_token", csrf), *fields]
        response = client.post(url, data=MultiDict(data))
        assert_safe(response, f"POST {url} {data!r:.2000}")

    post()


# --- every GET route, with hostile path and query values ---------------------------------------

HOSTILE_IDS = ["0", "1", "2", "-1", "00", "2147483647", "2147483648", "9223372036854775808",
               "99999999999999999999", "9" * 400, "abc", "1.5", "1e3", "%00", "１"]
HOSTILE_TEXT = ["x", "", "%00", "a%00b", "..", "%2e%2e%2f", "A" * 3000, "%F0%9F%99%82", "%FF%FE",
                "2026-12-01T1900", "0001-01-01T0000", "9999-12-31T2359", "2026-02-30T2500",
                "<script>", "%3Cscript%3E", "'%20OR%201=1--", "~", "%25", "a.ics"]
QUERY_KEYS = ["where", "lat", "lng", "radius", "radius_km", "condition", "day", "audience",
              "language", "access", "starts_after", "starts_before", "limit", "cursor",
              "this_week", "next", "sent", "status", "group", "action", "page", "show", "x"]
QUERY_VALUES = ["", "%00", "Leeds", "M1%201AE", "10001", "53.48", "-2.24", "1e400", "nan", "-1",
                "99999999999999999999", "9" * 5000, "%C2%B2", "A" * 5000, "mon", "someday",
                "anxiety,,,", "25:00", "true", "maybe", "%2F%2Fevil.example", "/manage/",
                "WzEuMyw0Ml0", "WzEsOTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ", "all", "published", "%FF"]


def _get_rules(app: Flask) -> list[Any]:
    return sorted((r for r in app.url_map.iter_rules() if "GET" in r.methods),
                  key=lambda r: r.rule)


_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")  # <converter(args):name> in a rule


def _path(rule: Any, draw: Callable[[st.SearchStrategy[str]], str]) -> str:
    def fill(match: re.Match[str]) -> str:
        if match.group(1) == "int":
            return draw(st.sampled_from(HOSTILE_IDS))
        return draw(st.sampled_from(HOSTILE_TEXT) | TEXT.map(lambda s: quote(s, safe="")))

    return _ARG.sub(fill, rule.rule)


@pytest.mark.parametrize("persona", ["anon", "admin"])
def test_get_routes_never_fail(app: Flask, client: Any, world: World, persona: str) -> None:
    rules = _get_rules(app)

    @hypothesis.settings(max_examples=GET_EXAMPLES, **SETTINGS)
    @hypothesis.given(data=st.data())
    def get(data: st.DataObject) -> None:
        rule = data.draw(st.sampled_from(rules), label="route")
        path = _path(rule, data.draw)
        pairs = data.draw(st.lists(st.tuples(st.sampled_from(QUERY_KEYS),
                                             st.sampled_from(QUERY_VALUES)), max_size=6))
        query = "&".join(f"{k}={v}" for k, v in pairs)
        url = path + ("?" + query if query else "")
        sign_in(client, world, persona)
        response = client.get(url)
        assert_safe(response, f"GET {url:.500}")

    get()


def test_each_get_route_with_known_hostile_ids(app: Flask, client: Any, world: World) -> None:
    """Deterministic: every GET route with an id, with each hostile id (the generated test
    samples them)."""
    sign_in(client, world, "admin")
    for rule in _get_rules(app):
        if not any(m.group(1) == "int" for m in _ARG.finditer(rule.rule)):
            continue
        for hostile in HOSTILE_IDS:
            path = _ARG.sub(lambda m, h=hostile: h if m.group(1) == "int" else "x", rule.rule)
            assert_safe(client.get(path), f"GET {path}")


# --- the 5xx these tests found, pinned ---------------------------------------------------------

FOUND_GETS = [
    ("anon", "/groups/99999999999999999999"), ("anon", "/api/v1/groups/99999999999999999999"),
    ("anon", "/groups/2147483648/calendar.ics"), ("anon", "/facilitators/99999999999999999999"),
    ("anon", "/facilitators/9223372036854775808/calendar.ics"),
    ("anon", "/groups/99999999999999999999/report"),
    ("anon", "/groups/{group}/meetings/0001-01-01T0000.ics"),
    ("anon", "/groups/{group}/meetings/9999-12-31T2359.ics"),
    ("anon", "/api/v1/groups?where=Leeds&cursor=WzEsMTAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDBd"),
    ("anon", "/api/v1/groups?where=Leeds&limit=%C2%B2"), ("anon", "/search?where=Leeds&limit=%C2%B2"),
    ("anon", "/api/v1/groups?where=Leeds&limit=" + "9" * 5000),
    ("admin", "/review/audit?group=99999999999999999999"), ("admin", "/review/audit?page=" + "9" * 30),
]

FOUND_POSTS = [
    ("manage.schedule_new", {"kind": "monthly_date", "month_day": "-1", "start_time": "23:59",
                             "duration_minutes": "1440", "first_date": "9999-12-01",
                             "preview": "Preview"}),
    ("manage.meetings", {"action": "cancel", "schedule_id": "{schedule}",
                         "original_start": "9999-12-31T23:59", "reason": "x"}),
    ("manage.meetings", {"action": "cancel", "schedule_id": "{schedule}",
                         "original_start": "0001-01-01T00:00", "reason": "x"}),
    ("manage.meetings", {"action": "move", "schedule_id": "{schedule}",
                         "original_start": "9999-12-31T23:59", "new_date": "2026-12-09",
                         "new_time": "19:00"}),
    ("manage.schedule_delete", {"version": "²"}),
    ("review.approve", {"version": "²"}), ("review.reject", {"reason": "No.", "version": "9" * 5000}),
    # PostgreSQL refuses NUL in text
    ("manage.co_organizer", {"email": "\x00@example.org"}),
    ("accounts.register", {"email": "zz@example.org", "password": "xyzzy plugh frobozz 42",
                           "display_name": "\x00"}),
    ("reports.report", {"kind": "other", "message": "\x00"}),
    ("review.set_role", {"role": "admin", "reason": "\x00"}),
    ("review.resolve_report", {"reason": "\x00"}),
]


def test_found_hostile_gets(app: Flask, client: Any, world: World) -> None:
    for persona, path in FOUND_GETS:
        sign_in(client, world, persona)
        url = path.format(group=world.group_id)
        assert_safe(client.get(url), f"GET {url:.200}")


@pytest.mark.parametrize("endpoint,data", FOUND_POSTS, ids=[f"{e}-{i}" for i, (e, _) in
                                                           enumerate(FOUND_POSTS)])
def test_found_hostile_posts(app: Flask, client: Any, world: World, endpoint: str,
                             data: dict[str, str]) -> None:
    target = TARGETS[endpoint]
    sign_in(client, world, target.persona)
    token, _ = _page_facts(client, (target.page or target.url)(world))
    fields = {k: v.format(schedule=world.schedule_id) for k, v in data.items()}
    response = client.post(target.url(world), data={"csrf_token": token, **fields})
    assert_safe(response, f"POST {target.url(world)} {fields!r:.300}")
