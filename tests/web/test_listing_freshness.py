"""Listings stay current: reminders on the right days (fake clock), the one-click link that
confirms once, "may be out of date", out of search and back, and "nobody was there" reports."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from groupfinder import mail
from groupfinder.audit.models import AuditEntry
from groupfinder.extensions import db
from groupfinder.groups.confirmation import run_reminders
from groupfinder.groups.models import Condition, Group, Language, ListingReminder
from groupfinder.groups.queries import recent_meetings
from groupfinder.review.services import meeting_key, report_problem

from ..factories import make_group, make_user

T0 = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


def day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


@pytest.fixture
def listing(app: Flask) -> Group:
    org = make_user("org@example.org")
    group = make_group(name="Tuesday Anxiety Circle", confirmed_at=T0)
    group.organizers = [org]
    db.session.commit()
    return group


def run(app: Flask, now: dt.datetime) -> dict[str, int]:
    with app.test_request_context("/"):
        done = dict(run_reminders(now))
    db.session.expire_all()
    return done


def mails_to(address: str) -> list[mail.Mail]:
    return [m for m in mail.outbox() if m.to == address]


def link_in(message: mail.Mail) -> str:
    found = re.search(r"https?://[^/\s]+(/listings/confirm\?token=\S+)", message.body)
    assert found, message.body
    return found.group(1)


def in_search(client: Any, group: Group) -> bool:
    r = client.get("/api/v1/groups?lat=53.4771&lng=-2.2346&radius_km=5")
    assert r.status_code == 200
    return group.id in [g["id"] for g in r.get_json()["results"]]


def page(client: Any, group: Group) -> str:
    r = client.get(f"/groups/{group.id}/{group.slug}")
    assert r.status_code == 200
    return html.unescape(r.get_data(as_text=True))


def land(client: Any, path: str) -> str:
    """Open a mailed link: the token goes into the session and the page redirects to itself
    without it (``/listings/confirm?listing=<id>``, or without ``listing`` for a dead link)."""
    landing = client.get(path)
    assert landing.status_code == 303 and "token=" not in landing.location
    assert re.search(r"/listings/confirm(\?listing=\d+)?$", landing.location), landing.location
    return landing.location


def confirm_through(client: Any, path: str) -> Any:
    page = land(client, path)
    form = client.get(page)
    if form.status_code != 200:
        return form
    text = form.get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', text).group(1))
    return client.post(action, data={"csrf_token": token.group(1)})


def test_reminders_then_flag_then_hidden_then_back_on_confirmation(app, client, listing):
    assert run(app, day(89)) == {}
    assert "Details confirmed on 5 January 2026." in page(client, listing)

    assert run(app, day(90)) == {"first_reminder": 1}
    first = mails_to("org@example.org")
    assert len(first) == 1 and "Is \"Tuesday Anxiety Circle\" still correct?" in first[0].subject
    assert "/manage/groups/" in first[0].body  # and a link to edit
    assert run(app, day(91)) == {}  # once a step, never twice
    assert run(app, day(103)) == {}
    assert run(app, day(104)) == {"second_reminder": 1}
    assert len(mails_to("org@example.org")) == 2
    assert in_search(client, listing)
    assert run(app, day(117)) == {}

    assert run(app, day(118)) == {"mark_out_of_date": 1}
    group = db.session.get(Group, listing.id)
    assert group.out_of_date_since == day(118)
    text = page(client, group)
    assert "May be out of date: last confirmed on 5 January 2026." in text
    assert client.get(f"/api/v1/groups/{group.id}").get_json()["may_be_out_of_date"] is True
    assert in_search(client, group)  # flagged, still found
    assert run(app, day(147)) == {}

    assert run(app, day(148)) == {"hide": 1}
    group = db.session.get(Group, listing.id)
    assert group.hidden_since == day(148)
    assert not in_search(client, group)
    assert "no longer appears in search results" in page(client, group)  # the page stays
    assert "no longer appears in search results" in mails_to("org@example.org")[-1].subject
    assert run(app, day(400)) == {}  # nothing more: nothing is ever deleted

    r = confirm_through(client, link_in(first[0]))  # the first reminder's link still works
    assert r.status_code == 200 and "Thank you" in r.get_data(as_text=True)
    group = db.session.get(Group, listing.id)
    assert group.hidden_since is None and group.out_of_date_since is None
    assert db.session.get(ListingReminder, group.id) is None
    assert in_search(client, group)
    assert "Details confirmed on" in page(client, group)
    assert client.get(f"/api/v1/groups/{group.id}").get_json()["may_be_out_of_date"] is False
    entry = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "group.confirmed")).one()
    assert entry.actor_id == group.organizers[0].id


def test_step_names(app, listing):
    """The run reports its steps by the names the README lists."""
    for n, expected in ((90, "first_reminder"), (104, "second_reminder"),
                        (118, "mark_out_of_date"), (148, "hide")):
        assert run(app, day(n)) == {expected: 1}


def test_the_link_confirms_once_and_resets_the_clock(app, client, listing):
    run(app, day(90))
    path = link_in(mails_to("org@example.org")[0])
    client.get(land(client, path))  # a mail scanner opening the link writes nothing
    assert db.session.get(Group, listing.id).confirmed_at == T0

    before = dt.datetime.now(dt.UTC)
    assert confirm_through(client, path).status_code == 200
    confirmed = db.session.get(Group, listing.id).confirmed_at
    assert confirmed >= before - dt.timedelta(seconds=1)

    again = confirm_through(client, path)
    assert again.status_code == 400
    assert "expired or has already been used" in html.unescape(again.get_data(as_text=True))
    # The clock restarted: nothing is due until N days after the confirmation.
    assert run(app, confirmed + dt.timedelta(days=89)) == {}
    assert run(app, confirmed + dt.timedelta(days=90)) == {"first_reminder": 1}


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 2000])
def test_a_bad_link_is_a_clear_400(client, listing, token):
    r = confirm_through(client, f"/listings/confirm?token={token}") if token else \
        client.get("/listings/confirm")
    assert r.status_code == 400
    assert "doesn't work any more" in html.unescape(r.get_data(as_text=True))


def test_a_disabled_or_removed_organizer_cannot_confirm(app, client, listing):
    run(app, day(90))
    path = link_in(mails_to("org@example.org")[0])
    listing.organizers = []
    db.session.commit()
    assert confirm_through(client, path).status_code == 400
    assert db.session.get(Group, listing.id).confirmed_at == T0


def test_saving_the_listing_confirms_it(app, client, listing):
    from groupfinder.groups.services import ListingData, update_group

    run(app, day(90))
    group = db.session.get(Group, listing.id)
    group.conditions = [db.session.scalar(sa.select(Condition).where(Condition.slug == "anxiety"))]
    group.languages = [db.session.scalar(sa.select(Language).where(Language.slug == "en"))]
    group.venue.owner_id = group.organizers[0].id
    db.session.commit()
    update_group(group, ListingData.of(group), by=group.organizers[0])
    assert group.confirmed_at > T0
    assert db.session.get(ListingReminder, group.id) is None


def test_an_imported_listing_gets_no_mail_but_the_same_flags(app, client, listing):
    listing.external_key = "source-42"
    db.session.commit()
    for n in (90, 104, 118, 148):
        run(app, day(n))
    assert mails_to("org@example.org")[-1:] and all(
        "still correct" not in m.subject for m in mails_to("org@example.org"))
    assert db.session.get(Group, listing.id).hidden_since == day(148)


def test_the_worker_down_for_months_still_reminds_before_hiding(app, listing):
    assert run(app, day(400)) == {"first_reminder": 1}
    assert run(app, day(401)) == {}
    assert db.session.get(Group, listing.id).hidden_since is None


# --- "nobody was there" -----------------------------------------------------------------------

def report_no_show(app: Flask, group: Group, now: dt.datetime) -> None:
    with app.test_request_context("/"):
        group = db.session.get(Group, group.id)
        missed = recent_meetings(group, now)[0]
        report_problem(group, "did_not_happen", "", meeting_key(missed), now=now)
    db.session.expire_all()


def test_three_no_show_reports_on_different_days_ask_for_confirmation_at_once(app, listing):
    now = dt.datetime.now(dt.UTC)
    listing.confirmed_at = now - dt.timedelta(days=20)
    db.session.commit()
    for n in (2, 1):
        report_no_show(app, listing, now - dt.timedelta(days=n))
    assert db.session.get(ListingReminder, listing.id) is None
    before = len(mails_to("org@example.org"))
    report_no_show(app, listing, now)
    reminder = db.session.get(ListingReminder, listing.id)
    assert reminder is not None and reminder.sent == 1
    sent = mails_to("org@example.org")[before:]
    assert any("still correct" in m.subject for m in sent)  # the reminder, at once
    assert any(m.subject.startswith("Problem reported") and "Meeting: " in m.body for m in sent)


def test_three_reports_on_one_day_are_one_day(app, listing):
    now = dt.datetime.now(dt.UTC)
    listing.confirmed_at = now - dt.timedelta(days=20)
    db.session.commit()
    for _ in range(3):
        report_no_show(app, listing, now)
    assert db.session.get(ListingReminder, listing.id) is None


def test_the_report_form_asks_which_meeting(app, client, listing):
    url = f"/groups/{listing.id}/report?kind=did_not_happen"
    text = page(client, listing)
    assert "Went to a meeting and nobody was there?" in text
    form = client.get(url).get_data(as_text=True)
    assert 'value="did_not_happen" checked' in form
    options = re.findall(r'<option value="(\d{4}-\d\d-\d\dT\d{4})"', form)
    assert options, "recent meetings are offered"
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    missing = client.post(f"/groups/{listing.id}/report",
                          data={"csrf_token": token, "kind": "did_not_happen", "message": "Dark."})
    assert missing.status_code == 422
    body = html.unescape(missing.get_data(as_text=True))
    assert "Choose the meeting that didn't happen." in body and "Dark." in body  # input kept
    ok = client.post(f"/groups/{listing.id}/report", data={
        "csrf_token": token, "kind": "did_not_happen", "meeting": options[0], "message": ""})
    assert ok.status_code == 303


def test_an_organizer_confirms_from_the_listing_page(app, client, listing):
    from ..factories import sign_in

    run(app, day(90))
    run(app, day(104))
    run(app, day(118))
    group = db.session.get(Group, listing.id)
    sign_in(client, group.organizers[0])
    edit = html.unescape(client.get(f"/manage/groups/{group.id}").get_data(as_text=True))
    assert "may be out of date (last confirmed on 5 January 2026)" in edit
    token = re.search(r'name="csrf_token" value="([^"]+)"', edit).group(1)
    r = client.post(f"/manage/groups/{group.id}/confirm", data={"csrf_token": token})
    assert r.status_code == 302
    group = db.session.get(Group, listing.id)
    assert group.out_of_date_since is None and group.confirmed_at > T0
    forged = client.post(f"/manage/groups/{group.id}/confirm", data={"csrf_token": "forged"})
    assert forged.status_code in (302, 400)


def test_another_organizer_cannot_confirm(app, client, listing):
    from ..factories import sign_in

    other = make_user("other@example.org")
    db.session.commit()
    sign_in(client, other)
    page_ = client.get("/manage/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page_.get_data(as_text=True))
    r = client.post(f"/manage/groups/{listing.id}/confirm",
                    data={"csrf_token": token.group(1) if token else ""})
    assert r.status_code == 404
    assert db.session.get(Group, listing.id).confirmed_at == T0


def test_the_confirm_page_of_a_private_place_shows_only_its_area(app, client, listing):
    """A forwarded reminder must not tell where a sensitive group meets."""
    from groupfinder.venues.places import apply_public_location

    group = db.session.get(Group, listing.id)
    group.is_sensitive, group.area_name = True, "Manchester (M1)"
    apply_public_location(group)
    db.session.commit()
    run(app, day(90))
    page = land(client, link_in(mails_to("org@example.org")[0]))
    text = html.unescape(client.get(page).get_data(as_text=True))
    assert "Is “Tuesday Anxiety Circle” still correct?" in text
    venue = db.session.get(Group, listing.id).venue
    assert venue.name not in text and venue.address not in text and venue.postcode not in text
    assert "Manchester" in text


def test_the_command_runs_todays_step_or_says_what_it_would_do(app, listing):
    group = db.session.get(Group, listing.id)
    group.confirmed_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=91)
    db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["remind-listings", "--dry-run"])
    assert dry.exit_code == 0 and dry.output == "Would do: first reminders: 1.\n"
    assert mails_to("org@example.org") == [] and db.session.get(ListingReminder, listing.id) is None
    done = runner.invoke(args=["remind-listings"])
    assert done.exit_code == 0 and done.output == "Done: first reminders: 1.\n"
    db.session.expire_all()
    assert len(mails_to("org@example.org")) == 1
    assert runner.invoke(args=["remind-listings"]).output == "Done: nothing due.\n"


def test_a_listing_approved_after_a_long_review_starts_its_clock_at_publication(app, listing):
    from groupfinder.accounts.models import Role
    from groupfinder.groups.models import ListingStatus
    from groupfinder.review.services import approve

    group = db.session.get(Group, listing.id)
    group.status = ListingStatus.pending_review
    db.session.commit()
    admin = make_user("admin@example.org", Role.admin)
    db.session.commit()
    with app.test_request_context("/"):
        approve(db.session.get(Group, listing.id), by=admin)
    group = db.session.get(Group, listing.id)
    assert group.confirmed_at > T0 + dt.timedelta(days=300)  # now, not when it was drafted


def test_two_reminders_open_in_two_tabs_each_confirm_their_own_listing(app, client, listing):
    """An organizer of many groups opens several reminders at once: each page's button confirms
    the listing that page shows, never the one opened last."""
    other = make_group(name="Thursday Grief Circle", confirmed_at=T0)
    other.organizers = [db.session.get(Group, listing.id).organizers[0]]
    db.session.commit()
    run(app, day(90))
    links = {m.subject: link_in(m) for m in mails_to("org@example.org")}
    tuesday = next(v for k, v in links.items() if "Tuesday Anxiety Circle" in k)
    thursday = next(v for k, v in links.items() if "Thursday Grief Circle" in k)
    first_tab = client.get(land(client, tuesday)).get_data(as_text=True)
    client.get(land(client, thursday))  # the second tab, opened after
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', first_tab).group(1)
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', first_tab).group(1))
    done = client.post(action, data={"csrf_token": token})
    assert done.status_code == 200 and "Tuesday Anxiety Circle" in html.unescape(done.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Group, listing.id).confirmed_at > T0
    assert db.session.get(Group, other.id).confirmed_at == T0  # still waiting for its own click
    assert confirm_through(client, thursday).status_code == 200
    assert db.session.get(Group, other.id).confirmed_at > T0


def test_a_draft_has_nothing_to_confirm(app, client, listing):
    from groupfinder.groups.models import ListingStatus

    from ..factories import sign_in

    group = db.session.get(Group, listing.id)
    group.status = ListingStatus.draft
    db.session.commit()
    sign_in(client, group.organizers[0])
    edit = client.get(f"/manage/groups/{group.id}").get_data(as_text=True)
    assert f"/manage/groups/{group.id}/confirm" not in edit  # no button on a draft
    token = re.search(r'name="csrf_token" value="([^"]+)"', edit).group(1)
    r = client.post(f"/manage/groups/{group.id}/confirm", data={"csrf_token": token})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Group, listing.id).confirmed_at == T0
