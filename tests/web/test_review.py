"""Admin review through the app: the queue and its diffs, approve and reject with mail, pending
edits invisible until approved, urgent meeting changes at once, archive and restore, roles and
the audit log, who may see /review, and the public report-a-problem form. CSRF stays on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa
from flask import Flask

from groupfinder.accounts.models import Role, User
from groupfinder.db import now_utc
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import Condition, Group, Language, ListingStatus
from groupfinder.groups.services import ListingData, submit_for_review, update_group
from groupfinder.mail import outbox
from groupfinder.permissions import ADMIN, access_of
from groupfinder.review.models import AuditEntry, ListingRevision, ProblemReport, RevisionStatus
from groupfinder.schedules.services import cancel_meeting

from ..factories import make_group, make_user, make_venue, sign_in

EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[a-z]{2,}", re.I)


# --- helpers -------------------------------------------------------------------------------------

def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def csrf(client, url: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def version_on(client, group_id: int) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/review/groups/{group_id}").get_data(as_text=True)
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def listing(organizers: list[User], *, status: ListingStatus = ListingStatus.published,
            **kw: object) -> Group:
    """A listing the organizers own, with a venue of the first one, a topic and a language."""
    venue = make_venue(owner_id=organizers[0].id if organizers else None)
    group = make_group(venue=venue, status=status, **kw)
    group.organizers = list(organizers)
    group.conditions = [db.session.scalar(sa.select(Condition).where(Condition.slug == "anxiety"))]
    group.languages = [db.session.scalar(sa.select(Language).where(Language.slug == "en"))]
    if status == ListingStatus.published:
        group.published_at = now_utc()
    db.session.flush()
    return group


def propose(group: Group, organizer: User, **changes: object) -> None:
    """The organizer edits a published listing: a pending revision."""
    data = dataclasses.replace(ListingData.of(group), **changes)
    assert update_group(group, data, by=organizer) == "pending_review"


def next_tuesday() -> dt.datetime:
    """The next Tuesday 19:00 (local) meeting of ``make_schedule``'s weekly schedule."""
    today = dt.date.today() + dt.timedelta(days=1)
    day = today + dt.timedelta(days=(1 - today.weekday()) % 7)
    return dt.datetime.combine(day, dt.time(19))


def public_views(client, group: Group) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What the public sees of ``group``: page, API, search (API and page) and its feed."""
    stamp = next_tuesday().strftime("%Y-%m-%dT%H%M")
    return {
        "page": text(client.get(f"/groups/{group.id}/{group.slug}", follow_redirects=True)),
        "api": client.get(f"/api/v1/groups/{group.id}").get_data(as_text=True),
        "search_api": client.get("/api/v1/groups", query_string={"where": "M1 1AE"}).get_data(as_text=True),
        "search": text(client.get("/search", query_string={"where": "M1 1AE"})),
        "feed": client.get(f"/groups/{group.id}/calendar.ics").get_data(as_text=True),
        "meeting": client.get(f"/groups/{group.id}/meetings/{stamp}.ics").get_data(as_text=True),
    }


def assert_public(client, group: Group, name: str) -> None:  # type: ignore[no-untyped-def]
    for where, body in public_views(client, group).items():
        assert name in body, where


def assert_hidden(client, group: Group, name: str) -> None:  # type: ignore[no-untyped-def]
    stamp = next_tuesday().strftime("%Y-%m-%dT%H%M")
    for url in (f"/groups/{group.id}", f"/groups/{group.id}/{group.slug}", f"/api/v1/groups/{group.id}",
                f"/groups/{group.id}/calendar.ics", f"/groups/{group.id}/meetings/{stamp}.ics"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert name not in r.get_data(as_text=True), url
    assert name not in client.get("/api/v1/groups", query_string={"where": "M1 1AE"}).get_data(as_text=True)
    assert name not in text(client.get("/search", query_string={"where": "M1 1AE"}))
    assert name not in client.get("/search/calendar.ics", query_string={"where": "M1 1AE"}).get_data(as_text=True)


# --- the queue -----------------------------------------------------------------------------------

def test_queue_lists_a_new_listing_and_a_pending_edit_with_its_diff(client):
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org", display_name="Olu")
    new = listing([org], status=ListingStatus.draft, name="Brand New Circle")
    submit_for_review(new, by=org)
    published = listing([org], name="Old Name Group", description="Old words.")
    db.session.commit()
    propose(published, org, name="Shiny Name Group", description="New words.",
            audiences=("adults",), is_sensitive=False)
    sign_in(client, admin)

    page = text(client.get("/review/"))
    assert "Brand New Circle" in page and "New listing" in page
    assert "Old Name Group" in page and "Edit of a published listing" in page
    assert "Name, Description, Who it's for" in page
    assert page.index("Brand New Circle") < page.index("Old Name Group")  # oldest first

    detail = text(client.get(f"/review/groups/{published.id}"))
    diff = detail[detail.index("What this edit changes"):detail.index("The listing as proposed")]
    assert "<del>Old Name Group</del>" in diff and "<ins>Shiny Name Group</ins>" in diff
    assert "<del>None</del>" in diff and "<ins>Adults (18+)</ins>" in diff
    assert "Topics" not in diff  # unchanged fields are not listed
    # Admins see the exact venue address, even though it is the organizer's private record.
    assert published.venue.address in detail


def test_approving_a_new_listing_publishes_it_everywhere_and_tells_the_organizers(client):
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org")
    group = listing([org], status=ListingStatus.draft, name="Evening Calm Circle")
    submit_for_review(group, by=org)
    db.session.commit()
    assert_hidden(client, group, "Evening Calm Circle")
    sign_in(client, admin)

    token = csrf(client, f"/review/groups/{group.id}")
    r = client.post(f"/review/groups/{group.id}/approve",
                 data={"csrf_token": token, "note": "Welcome!", "version": version_on(client, group.id)})
    assert r.status_code == 303 and r.headers["Location"].endswith("/review/")
    assert "is public now" in text(client.get("/review/"))
    db.session.expire_all()
    assert db.session.get(Group, group.id).status == ListingStatus.published
    anonymous = client.application.test_client()
    assert_public(anonymous, group, "Evening Calm Circle")
    assert [(m.to, m.subject) for m in outbox()] == [("org@example.org", "Approved: Evening Calm Circle")]
    assert "Welcome!" in outbox()[0].body


def test_reject_needs_a_reason_and_writes_nothing_without_one(client):
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org")
    group = listing([org], status=ListingStatus.draft)
    submit_for_review(group, by=org)
    db.session.commit()
    entries = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    sign_in(client, admin)
    token = csrf(client, f"/review/groups/{group.id}")

    r = client.post(f"/review/groups/{group.id}/reject", data={"csrf_token": token, "reason": "   "})
    assert r.status_code == 422
    page = text(r)
    assert "Give a reason: the organizer will see it." in page
    assert 'href="#reject-reason"' in page and 'aria-invalid="true"' in page
    db.session.expire_all()
    assert db.session.get(Group, group.id).status == ListingStatus.pending_review
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == entries
    assert outbox() == []


def test_rejecting_keeps_the_listing_private_and_mails_each_organizer_alone(client):
    admin = make_user("admin@example.org", Role.admin)
    orgs = [make_user("one@example.org"), make_user("two@example.org")]
    group = listing(orgs, status=ListingStatus.draft, name="Quiet Harbour Group")
    submit_for_review(group, by=orgs[0])
    db.session.commit()
    sign_in(client, admin)
    token = csrf(client, f"/review/groups/{group.id}")

    r = client.post(f"/review/groups/{group.id}/reject",
                 data={"csrf_token": token, "reason": "Please add what a first visit is like."})
    assert r.status_code == 303
    db.session.expire_all()
    group = db.session.get(Group, group.id)
    assert group.status == ListingStatus.rejected
    assert group.review_reason == "Please add what a first visit is like."
    assert_hidden(client.application.test_client(), group, "Quiet Harbour Group")
    assert sorted(m.to for m in outbox()) == ["one@example.org", "two@example.org"]
    for message in outbox():
        assert "," not in message.to and ";" not in message.to
        assert "Please add what a first visit is like." in message.body
        assert set(EMAIL.findall(message.body)) == set()


# --- published listings: edits wait, logistics don't --------------------------------------------

def test_an_unapproved_edit_is_invisible_until_approved(client):
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org")
    group = listing([org], name="Tuesday Talk Group", description="The approved description.")
    db.session.commit()
    propose(group, org, name="Renamed Talk Group", description="An unapproved description.")
    anonymous = client.application.test_client()

    views = public_views(anonymous, group)
    for where, body in views.items():
        assert "Tuesday Talk Group" in body, where
        assert "Renamed Talk Group" not in body, where
    for where in ("page", "api", "feed"):
        assert "The approved description." in views[where]
        assert "An unapproved description." not in views[where]

    sign_in(client, admin)
    token = csrf(client, f"/review/groups/{group.id}")
    r = client.post(f"/review/groups/{group.id}/approve",
                 data={"csrf_token": token, "version": version_on(client, group.id)})
    assert r.status_code == 303
    db.session.expire_all()
    group = db.session.get(Group, group.id)
    views = public_views(anonymous, group)
    for where, body in views.items():
        assert "Renamed Talk Group" in body, where
        assert "Tuesday Talk Group" not in body, where
    for where in ("page", "api", "feed"):
        assert "An unapproved description." in views[where]
    revision = db.session.scalar(sa.select(ListingRevision).where(ListingRevision.group_id == group.id))
    assert revision.status == RevisionStatus.approved and revision.decided_by_id == admin.id


def test_rejecting_an_edit_keeps_the_published_version(client):
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org")
    group = listing([org], name="Steady Group")
    db.session.commit()
    propose(group, org, name="Unwanted Name")
    sign_in(client, admin)
    token = csrf(client, f"/review/groups/{group.id}")
    r = client.post(f"/review/groups/{group.id}/reject", data={"csrf_token": token, "reason": "Name is misleading."})
    assert r.status_code == 303
    db.session.expire_all()
    group = db.session.get(Group, group.id)
    assert group.status == ListingStatus.published and group.name == "Steady Group"
    assert_public(client.application.test_client(), group, "Steady Group")
    assert "Unwanted Name" not in text(client.get("/review/"))


def test_a_decision_on_a_version_the_admin_did_not_see_is_refused(client):
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org")
    group = listing([org], name="Original Group")
    db.session.commit()
    propose(group, org, name="First Proposal")
    sign_in(client, admin)
    token = csrf(client, f"/review/groups/{group.id}")
    seen = version_on(client, group.id)
    propose(db.session.get(Group, group.id), org, name="Sneaky Second Proposal")

    r = client.post(f"/review/groups/{group.id}/approve", data={"csrf_token": token, "version": seen})
    assert r.status_code == 409
    page = text(r)
    assert "changed this listing while you were reviewing" in page
    assert "Sneaky Second Proposal" in page  # the page now shows what would be approved
    db.session.expire_all()
    assert db.session.get(Group, group.id).name == "Original Group"


def test_a_cancellation_shows_at_once_while_an_edit_waits(client):
    org = make_user("org@example.org")
    group = listing([org], name="Thursday Circle")
    db.session.commit()
    propose(group, org, name="Renamed Circle")
    cancel_meeting(group.schedules[0], next_tuesday(), "Hall flooded", by=org)
    anonymous = client.application.test_client()

    page = text(anonymous.get(f"/groups/{group.id}/{group.slug}"))
    assert "Cancelled: Hall flooded" in page and "Renamed Circle" not in page
    meetings = anonymous.get(f"/api/v1/groups/{group.id}").get_json()["meetings"]
    assert any(m["status"] == "cancelled" and m["note"] == "Hall flooded" for m in meetings)
    feed = anonymous.get(f"/groups/{group.id}/calendar.ics").get_data(as_text=True)
    assert "EXDATE" in feed or "STATUS:CANCELLED" in feed
    assert db.session.get(Group, group.id).status == ListingStatus.published


# --- archive and restore ------------------------------------------------------------------------

def test_archive_hides_everywhere_and_restore_brings_it_back_only_after_review(client):
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org")
    group = listing([org], name="Harbour Lights Group")
    db.session.commit()
    anonymous = client.application.test_client()
    assert_public(anonymous, group, "Harbour Lights Group")
    sign_in(client, admin)
    token = csrf(client, f"/review/groups/{group.id}")

    assert client.post(f"/review/groups/{group.id}/archive", data={"csrf_token": token}).status_code == 422
    r = client.post(f"/review/groups/{group.id}/archive", data={"csrf_token": token, "reason": "Group closed."})
    assert r.status_code == 303
    assert_hidden(anonymous, group, "Harbour Lights Group")

    r = client.post(f"/review/groups/{group.id}/restore", data={"csrf_token": token, "reason": "Reopened."})
    assert r.status_code == 303
    db.session.expire_all()
    group = db.session.get(Group, group.id)
    assert group.status == ListingStatus.draft
    assert_hidden(anonymous, group, "Harbour Lights Group")

    submit_for_review(group, by=org)
    assert_hidden(anonymous, group, "Harbour Lights Group")
    r = client.post(f"/review/groups/{group.id}/approve",
                 data={"csrf_token": token, "version": version_on(client, group.id)})
    assert r.status_code == 303
    assert_public(anonymous, group, "Harbour Lights Group")


# --- roles and the audit log --------------------------------------------------------------------

def test_role_changes_and_decisions_are_in_the_audit_log(client):
    admin = make_user("admin@example.org", Role.admin, display_name="Ada Admin")
    org = make_user("org@example.org", display_name="Olu Organizer")
    group = listing([org], status=ListingStatus.draft, name="Logbook Group")
    submit_for_review(group, by=org)
    db.session.commit()
    sign_in(client, admin)
    token = csrf(client, "/review/users")

    r = client.post(f"/review/users/{org.id}/role", data={"csrf_token": token, "role": "admin"})
    assert r.status_code == 422 and "Give a reason for the audit log." in text(r)
    r = client.post(f"/review/users/{org.id}/role",
                 data={"csrf_token": token, "role": "admin", "reason": "Joins the review team."})
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, org.id).role == Role.admin
    r = client.post(f"/review/users/{admin.id}/role",
                 data={"csrf_token": token, "role": "organizer", "reason": "Stepping down."})
    assert r.status_code == 422 and "You can't remove your own admin role." in text(r)
    client.post(f"/review/groups/{group.id}/reject", data={"csrf_token": token, "reason": "Add a schedule note."})
    client.post(f"/review/groups/{group.id}/archive", data={"csrf_token": token, "reason": "Duplicate listing."})

    page = text(client.get("/review/audit"))
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)[1:]
    assert len(rows) == 4  # the organizer's submission, then three admin actions
    archived, rejected, role, submitted = rows
    assert "Submitted a listing for review" in submitted and "Olu Organizer" in submitted
    assert "Archived a listing" in archived and "Duplicate listing." in archived
    assert "Rejected a new listing" in rejected and "Add a schedule note." in rejected
    assert "Logbook Group" in rejected and "Ada Admin" in rejected
    assert "Changed an account's role" in role and "Olu Organizer" in role
    assert "organizer → admin" in role and "Joins the review team." in role
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', role)

    only_role = text(client.get("/review/audit", query_string={"action": "account.role_changed"}))
    assert "Joins the review team." in only_role and "Duplicate listing." not in only_role
    by_group = text(client.get("/review/audit", query_string={"group": group.id}))
    assert "Duplicate listing." in by_group and "Joins the review team." not in by_group
    assert client.get("/review/audit", query_string={"group": "x"}).status_code == 422


def test_the_accounts_page_never_shows_password_hashes(client):
    admin = make_user("admin@example.org", Role.admin, password_hash="scrypt:32768:8:1$salt$deadbeefcafe")
    make_user("org@example.org", password_hash="pbkdf2:sha256:600000$x$feedface")
    db.session.commit()
    sign_in(client, admin)
    page = text(client.get("/review/users"))
    assert "org@example.org" in page and "Organizer" in page
    assert "scrypt" not in page and "deadbeef" not in page and "pbkdf2" not in page
    assert admin.session_token not in page


# --- who may see /review -------------------------------------------------------------------------

def _review_urls(application: Flask, ids: dict[str, int]) -> list[tuple[str, str]]:
    urls = []
    for rule in application.url_map.iter_rules():
        if not rule.endpoint.startswith("review."):
            continue
        values = {arg: ids[arg] for arg in rule.arguments}
        with application.test_request_context():
            from flask import url_for
            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, url))
    return urls


def test_every_review_url_is_admin_only(client, app):
    org = make_user("org@example.org")
    group = listing([org])
    report = ProblemReport(group=group, kind="closed")
    db.session.add(report)
    db.session.commit()
    urls = _review_urls(app, {"group_id": group.id, "user_id": org.id, "report_id": report.id,
                              "venue_id": group.venue_id})
    assert len(urls) >= 12
    for endpoint in (r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("review.")):
        assert access_of(app, endpoint) == ADMIN, endpoint

    token = csrf(client, f"/groups/{group.id}/report")  # so a POST is refused for who, not CSRF
    for method, url in urls:
        r = client.open(url, method=method, data={"csrf_token": token, "reason": "x", "role": "admin"})
        assert r.status_code == 302, (method, url)
        assert "/accounts/login" in r.headers["Location"], (method, url)
        assert r.headers["Cache-Control"] == "no-store, private"

    sign_in(client, org)
    for method, url in urls:
        r = client.open(url, method=method, data={"csrf_token": token, "reason": "x", "role": "admin"})
        assert r.status_code == 403, (method, url)
        assert r.headers["Cache-Control"] == "no-store, private"
    db.session.expire_all()
    assert db.session.get(User, org.id).role == Role.organizer
    assert db.session.get(Group, group.id).status == ListingStatus.published


def test_every_review_page_is_no_store_for_admins(client, app):
    admin = make_user("admin@example.org", Role.admin)
    group = listing([admin])
    db.session.add(ProblemReport(group=group, kind="closed"))
    db.session.commit()
    sign_in(client, admin)
    for url in ("/review/", "/review/groups", f"/review/groups/{group.id}", "/review/audit",
                "/review/users", "/review/reports", "/review/groups?status=archived"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.headers["Cache-Control"] == "no-store, private", url
        assert "<script" not in r.get_data(as_text=True) and "style=" not in r.get_data(as_text=True)


# --- problem reports -----------------------------------------------------------------------------

def test_a_visitors_report_reaches_organizers_and_admins_without_any_address(client):
    admins = [make_user("boss@example.org", Role.admin), make_user("off@example.org", Role.admin, is_enabled=False)]
    orgs = [make_user("one@example.org"), make_user("two@example.org")]
    person = Facilitator(name="Sam", email="sam@example.org", owner_id=orgs[0].id)
    group = listing(orgs, name="Lakeside Group", contact_email="contact@example.org", facilitators=[person])
    db.session.commit()
    page = text(client.get(f"/groups/{group.id}/report"))
    assert "Report a problem with “Lakeside Group”" in page and 'type="email"' not in page
    token = csrf(client, f"/groups/{group.id}/report")

    r = client.post(f"/groups/{group.id}/report", data={"csrf_token": token, "message": "x"})
    assert r.status_code == 422 and "Choose what the problem is." in text(r)
    r = client.post(f"/groups/{group.id}/report", data={"csrf_token": token, "kind": "other"})
    assert r.status_code == 422 and "Tell us a little about the problem." in text(r)
    assert outbox() == []

    meeting = re.search(r'<option value="(\d{4}-[^"]+)"', page).group(1)  # a recent meeting
    r = client.post(f"/groups/{group.id}/report",
                 data={"csrf_token": token, "kind": "did_not_happen", "meeting": meeting,
                       "message": "Nobody came on Tuesday."})
    assert r.status_code == 303
    thanks = client.get(r.headers["Location"])
    assert thanks.status_code == 200 and "Thank you" in text(thanks)
    assert sorted(m.to for m in outbox()) == ["boss@example.org", "one@example.org", "two@example.org"]
    for message in outbox():
        assert "Nobody came on Tuesday." in message.body and "A meeting didn't happen" in message.body
        assert EMAIL.findall(message.body) == [] and EMAIL.findall(message.subject) == []
    report = db.session.scalar(sa.select(ProblemReport))
    assert (report.group_id, report.kind) == (group.id, "did_not_happen")

    sign_in(client, admins[0])
    assert "Nobody came on Tuesday." in text(client.get("/review/reports"))
    r = client.post(f"/review/reports/{report.id}/resolve", data={"csrf_token": csrf(client, "/review/reports"),
                                                                "reason": "Told the organizers."})
    assert r.status_code == 303
    assert "Nobody came on Tuesday." not in text(client.get("/review/reports"))
    assert "Nobody came on Tuesday." in text(client.get("/review/reports?show=all"))
    assert "Resolved a problem report" in text(client.get("/review/audit"))


def test_a_report_without_csrf_is_refused(client):
    group = listing([make_user("org@example.org")])
    db.session.commit()
    client.get(f"/groups/{group.id}/report")
    r = client.post(f"/groups/{group.id}/report", data={"kind": "closed"})
    assert r.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ProblemReport.id))) == 0
    assert outbox() == []


@pytest.mark.parametrize("status", [ListingStatus.draft, ListingStatus.pending_review,
                                    ListingStatus.rejected, ListingStatus.archived])
def test_reporting_on_an_unpublished_listing_is_404(client, status):
    published = listing([make_user("org@example.org")])
    group = listing([make_user("other@example.org")], status=status)
    db.session.commit()
    token = csrf(client, f"/groups/{published.id}/report")
    assert client.get(f"/groups/{group.id}/report").status_code == 404
    assert client.post(f"/groups/{group.id}/report", data={"csrf_token": token, "kind": "closed"}).status_code == 404
    assert client.get(f"/groups/{group.id}/report/thanks").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(ProblemReport.id))) == 0 and outbox() == []


def test_the_report_partial_links_to_the_form(app):
    group = listing([make_user("org@example.org")])
    db.session.commit()
    with app.test_request_context():
        from flask import render_template
        snippet = render_template("groups/_report_problem.html", group=group)
    assert f'href="/groups/{group.id}/report"' in snippet
    assert "Report a problem with this listing" in snippet


# --- nothing unpublished in any public output ---------------------------------------------------

@pytest.mark.parametrize("status", [ListingStatus.pending_review, ListingStatus.rejected,
                                    ListingStatus.draft, ListingStatus.archived])
def test_an_unpublished_listing_is_in_no_public_output(client, status):
    org = make_user("org@example.org")
    person = Facilitator(name="Robin Lead", owner_id=org.id)
    listing([org], name="Visible Neighbour Group", facilitators=[person])
    hidden_person = Facilitator(name="Only Hidden Lead", owner_id=org.id)
    hidden = listing([org], status=status, name="Secret Pending Group", facilitators=[person, hidden_person])
    db.session.commit()

    assert_hidden(client, hidden, "Secret Pending Group")
    # A facilitator of a published group too: their page and feed show only the published one.
    page = text(client.get(f"/facilitators/{person.id}"))
    assert "Visible Neighbour Group" in page and "Secret Pending Group" not in page
    feed = client.get(f"/facilitators/{person.id}/calendar.ics").get_data(as_text=True)
    assert "Visible Neighbour Group" in feed and "Secret Pending Group" not in feed
    # Only on the hidden listing: nothing public about them at all.
    assert client.get(f"/facilitators/{hidden_person.id}").status_code == 404
    assert client.get(f"/facilitators/{hidden_person.id}/calendar.ics").status_code == 404
    assert "Visible Neighbour Group" in client.get("/api/v1/groups", query_string={"where": "M1 1AE"}).get_data(as_text=True)
