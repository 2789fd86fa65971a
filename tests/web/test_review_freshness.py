"""The admin's freshness page: how many published listings are current, due, out of date and
hidden; the out-of-date and hidden ones, confirmed longest ago first, with when each organizer
last did anything; admins only, and nothing private about a sensitive listing."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask

from groupfinder.accounts.models import Role, User
from groupfinder.audit.models import AuditEntry
from groupfinder.db import now_utc
from groupfinder.extensions import db
from groupfinder.groups.freshness import Freshness
from groupfinder.groups.models import Group, ListingReminder, ListingStatus
from groupfinder.review import queries, views

from ..factories import make_group, make_user, make_venue, sign_in

NOW = now_utc()


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def shown(at: dt.datetime) -> str:
    return f"{at:%-d %b %Y}"


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def row_of(page: str, name: str) -> str:
    found = re.search(r"<tr>\s*<th scope=\"row\"><a [^>]*>" + re.escape(name) + r"</a>.*?</tr>",
                      page, re.S)
    assert found, name
    return found.group(0)


def count_of(page: str, label: str) -> int:
    found = re.search(r"<dt>" + re.escape(label) + r"</dt><dd>(\d+)</dd>", page)
    assert found, label
    return int(found.group(1))


def act(user: User | None, at: dt.datetime, action: str = "group.updated") -> None:
    db.session.add(AuditEntry(actor_id=user.id if user else None, action=action, at=at))


@dataclass
class World:
    admin: User
    olive: User
    quiet: User
    hana: User
    current: Group
    due: Group
    asked: Group
    stale: Group
    hidden: Group


@pytest.fixture
def world(app: Flask) -> World:
    admin = make_user("root@example.org", Role.admin)
    olive = make_user("olive@example.org", display_name="Olive Organizer")
    quiet = make_user("quiet@example.org")
    hana = make_user("hana@example.org", display_name="Hana H")

    current = make_group(name="Current Circle", confirmed_at=ago(10))
    due = make_group(name="Due Circle", confirmed_at=ago(95))
    db.session.add(ListingReminder(group_id=due.id, sent=1, last_sent_at=ago(5)))
    asked = make_group(name="Asked Circle", confirmed_at=ago(20))  # due at once: reports asked
    db.session.add(ListingReminder(group_id=asked.id, sent=1, last_sent_at=ago(1),
                                   requested_at=ago(1)))
    stale = make_group(name="Stale Circle", confirmed_at=ago(130), out_of_date_since=ago(12))
    db.session.add(ListingReminder(group_id=stale.id, sent=2, last_sent_at=ago(26)))
    stale.organizers = [olive, quiet]
    secret = make_venue(name="Quiet Room", address="77 Hidden Lane", postcode="M4 4QQ",
                        is_private=True)
    hidden = make_group(name="Hidden Circle", venue=secret, is_sensitive=True,
                        description="Meets behind the library.", confirmed_at=ago(400),
                        out_of_date_since=ago(300), hidden_since=ago(270))
    db.session.add(ListingReminder(group_id=hidden.id, sent=2, last_sent_at=ago(314)))
    hidden.organizers = [hana]
    # Not published: never counted or listed, however old.
    make_group(name="Archived Circle", status=ListingStatus.archived, confirmed_at=ago(900),
               out_of_date_since=ago(800), hidden_since=ago(700))
    make_group(name="Draft Circle", status=ListingStatus.draft, confirmed_at=ago(900))

    act(olive, ago(200))
    act(olive, ago(40), "group.confirmed")  # her newest, of any kind
    act(hana, ago(3), "account.signed_in")
    act(admin, ago(0.5))  # the admin's own activity is nobody else's
    act(None, ago(2), "group.hidden_unconfirmed")  # the daily run is no organizer
    db.session.commit()
    return World(admin, olive, quiet, hana, current, due, asked, stale, hidden)


def test_admin_sees_counts_and_the_stale_listings_with_organizer_activity(client, world):
    sign_in(client, world.admin)
    r = client.get("/review/freshness")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store, private"
    page = text(r)
    assert "<script" not in page and "style=" not in page

    assert count_of(page, "Confirmed") == 1
    assert count_of(page, "Confirmation due") == 2  # 95 days old, and asked for by reports
    assert count_of(page, "May be out of date") == 1
    assert count_of(page, "Hidden from search") == 1

    names = re.findall(r'<a href="/review/groups/(\d+)">([^<]+)</a>', page)
    assert names == [(str(world.hidden.id), "Hidden Circle"), (str(world.stale.id), "Stale Circle")]
    for absent in ("Current Circle", "Due Circle", "Asked Circle", "Archived Circle", "Draft Circle"):
        assert absent not in page

    stale = row_of(page, "Stale Circle")
    assert "May be out of date" in stale
    assert shown(ago(130)) in stale and shown(ago(12)) in stale
    assert "Olive Organizer (olive@example.org): last active" in stale
    assert shown(ago(40)) in stale and shown(ago(200)) not in stale
    assert "quiet@example.org: never active" in stale

    hidden = row_of(page, "Hidden Circle")
    assert "Hidden from search" in hidden
    for at in (ago(400), ago(300), ago(270), ago(3)):
        assert shown(at) in hidden
    assert "Hana H (hana@example.org): last active" in hidden
    assert "root@example.org" not in hidden + stale and shown(ago(0.5)) not in hidden + stale

    # The timeline with the configured numbers, and that nothing goes.
    assert "due 90 days after it was last confirmed" in page
    assert "another 14 days later" in page and "30 days after that it leaves search" in page
    assert "Nothing is ever deleted." in page
    assert 'aria-current="page">Freshness</a>' in page


def test_nothing_private_about_a_sensitive_listing_is_shown(client, world):
    sign_in(client, world.admin)
    page = text(client.get("/review/freshness"))
    assert "Hidden Circle" in page
    for private in ("77 Hidden Lane", "Hidden Lane", "M4 4QQ", "Quiet Room",
                    "behind the library", "Manchester"):
        assert private not in page, private


def selects_for_overview(app: Flask) -> tuple[int, queries.FreshnessOverview]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    db.session.expire_all()
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        with app.test_request_context("/"):
            overview = queries.freshness_overview(now_utc(), views.confirmation_policy())
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements), overview


def test_statements_do_not_grow_with_the_listings(app, world):
    before, overview = selects_for_overview(app)
    assert [s.group.name for s in overview.stale] == ["Hidden Circle", "Stale Circle"]
    assert [s.state for s in overview.stale] == [Freshness.hidden, Freshness.out_of_date]
    for n in range(3):
        more = make_group(name=f"Stale {n}", confirmed_at=ago(150 + n), out_of_date_since=ago(5))
        more.organizers = [make_user(f"more{n}@example.org"), world.olive]
    db.session.commit()
    after, overview = selects_for_overview(app)
    assert len(overview.stale) == 5 and after == before == 4

def test_a_long_list_is_capped_with_a_note(client, world, monkeypatch):
    real = queries.freshness_overview
    monkeypatch.setattr(views, "freshness_overview", lambda now, p: real(now, p, limit=1))
    sign_in(client, world.admin)
    page = text(client.get("/review/freshness"))
    assert "Showing the 1 listings confirmed longest ago, of 2." in page
    assert "Hidden Circle" in page and "Stale Circle" not in page


def test_when_all_is_fresh_the_page_says_so(app, client):
    admin = make_user("root@example.org", Role.admin)
    make_group(name="Current Circle", confirmed_at=ago(1))
    db.session.commit()
    sign_in(client, admin)
    page = text(client.get("/review/freshness"))
    assert "Every listing has been confirmed recently" in page
    assert count_of(page, "Confirmed") == 1 and count_of(page, "Hidden from search") == 0


def test_organizers_are_refused_and_visitors_sent_to_sign_in(client, world):
    r = client.get("/review/freshness")
    assert r.status_code == 302 and "/accounts/login" in r.headers["Location"]
    sign_in(client, world.olive)
    assert client.get("/review/freshness").status_code == 403
