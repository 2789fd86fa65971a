"""Downloading the listings CSV: organizers their own (/manage/export.csv), admins everything
(/review/export.csv)."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from groupfinder.accounts.models import Role
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import Condition
from groupfinder.interop import csvformat

from ..factories import make_group, make_user, make_venue, sign_in


def _rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def _world():  # type: ignore[no-untyped-def]
    """Alice and Bob each run a sensitive group at the same private place (Bob's venue), and
    each has a facilitator with private contacts; Alice also co-leads with Bob's facilitator."""
    alice, bob = make_user("alice@example.org"), make_user("bob@example.org")
    anxiety = db.session.scalar(sa.select(Condition).where(Condition.slug == "anxiety"))
    place = make_venue(owner_id=bob.id, name="Bob's Secret Hall", external_key="ven-bob")
    spare = make_venue(owner_id=alice.id, name="Alice's Spare Room", external_key="ven-alice")
    ana = Facilitator(name="Ana", email="ana@example.org", phone="0161 496 0002",
                      owner_id=alice.id, external_key="fac-ana")
    ben = Facilitator(name="Ben", email="ben@example.org", phone="0161 496 0003",
                      owner_id=bob.id, external_key="fac-ben")
    db.session.add_all([ana, ben])
    mine = make_group(venue=place, name="Alice's Circle", is_sensitive=True, area_name="Ancoats",
                      external_key="grp-alice")
    mine.organizers, mine.conditions, mine.facilitators = [alice], [anxiety], [ana, ben]
    theirs = make_group(venue=place, name="Bob's Circle", is_sensitive=True, area_name="Ancoats",
                        external_key="grp-bob")
    theirs.organizers, theirs.conditions, theirs.facilitators = [bob], [anxiety], [ben]
    db.session.commit()
    return alice, bob, spare


def test_an_organizer_downloads_only_their_own_listings(app, client):
    alice, _bob, _spare = _world()
    sign_in(client, alice)
    response = client.get("/manage/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "charset=utf-8" in response.content_type
    assert response.headers["Content-Disposition"].startswith('attachment; filename="my-listings-')
    assert "no-store" in response.headers["Cache-Control"]
    rows = _rows(response)
    assert list(rows[0]) == list(csvformat.COLUMNS)
    body = response.get_data(as_text=True)
    assert {r["group_key"] for r in rows if r["group_key"]} == {"grp-alice"}
    assert "Bob's Circle" not in body and "grp-bob" not in body
    # The shared private place comes with Alice's group; her unused venue comes as a venue row.
    assert {r["venue_key"] for r in rows} >= {"ven-bob", "ven-alice"}
    assert [r["record"] for r in rows if r["venue_key"] == "ven-alice"] == ["venue"]
    # Her own facilitator's contacts are hers; Bob's facilitator's private ones are not.
    ana = next(r for r in rows if r["facilitator_key"] == "fac-ana")
    ben = next(r for r in rows if r["facilitator_key"] == "fac-ben")
    assert (ana["facilitator_email"], ana["facilitator_phone"]) == ("ana@example.org", "0161 496 0002")
    assert (ben["facilitator_email"], ben["facilitator_phone"]) == ("", "")
    assert "ben@example.org" not in body
    assert not csvformat.parse(response.get_data()).errors


def test_another_organizer_gets_their_own_and_nothing_of_alices(app, client):
    _alice, bob, _spare = _world()
    sign_in(client, bob)
    body = client.get("/manage/export.csv").get_data(as_text=True)
    assert "grp-bob" in body and "ben@example.org" in body
    for text in ("grp-alice", "Alice's Circle", "fac-ana", "ana@example.org", "ven-alice"):
        assert text not in body


def test_an_admin_downloads_everything_with_private_contacts(app, client):
    _world()
    admin = make_user("admin@example.org", role=Role.admin)
    db.session.commit()
    sign_in(client, admin)
    response = client.get("/review/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="all-listings-')
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_data(as_text=True)
    for text in ("grp-alice", "grp-bob", "ana@example.org", "ben@example.org", "ven-alice"):
        assert text in body
    # From /manage an admin gets only their own listings, as that page says.
    assert "grp-bob" not in client.get("/manage/export.csv").get_data(as_text=True)


def test_the_wrong_person_gets_no_file(app, client):
    alice, _bob, _spare = _world()
    anonymous = client.get("/manage/export.csv")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert client.get("/review/export.csv").status_code == 302
    sign_in(client, alice)
    assert client.get("/review/export.csv").status_code == 403


def test_the_pages_link_to_the_downloads(app, client):
    alice, _bob, _spare = _world()
    sign_in(client, alice)
    assert 'href="/manage/export.csv"' in client.get("/manage/").get_data(as_text=True)
    admin = make_user("admin@example.org", role=Role.admin)
    db.session.commit()
    sign_in(client, admin)
    assert 'href="/review/export.csv"' in client.get("/review/groups").get_data(as_text=True)
