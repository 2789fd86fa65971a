"""Review services and queries on both backends: approve, reject, archive, restore, roles,
problem reports and their audit entries; the queue, diffs, audit log and reports as read."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from groupfinder.accounts.models import Role, User
from groupfinder.errors import ConflictError, InvalidInput, NotFound
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import Audience, Condition, Group, Language, ListingStatus
from groupfinder.groups.queries import find_pending_revision
from groupfinder.groups.services import ListingData, submit_for_review, update_group
from groupfinder.mail import outbox
from groupfinder.review import queries, services
from groupfinder.review.models import AuditEntry, ListingRevision, ProblemReport, RevisionStatus

from ..factories import make_group, make_user, make_venue, statements


@pytest.fixture
def rapp(app: Flask) -> Iterator[Flask]:
    """A request context (mails hold absolute links) on ``app``."""
    with app.test_request_context():
        yield app


def vocab(model: type, slug: str):  # type: ignore[no-untyped-def]
    return db.session.scalar(sa.select(model).where(model.slug == slug))


def listing(organizers: list[User], *, status: ListingStatus = ListingStatus.published,
            **kw: object) -> Group:
    venue = make_venue(owner_id=organizers[0].id if organizers else None)
    group = make_group(venue=venue, status=status, **kw)
    group.organizers = list(organizers)
    group.conditions = [vocab(Condition, "anxiety")]
    group.languages = [vocab(Language, "en")]
    db.session.flush()
    return group


def propose(group: Group, organizer: User, **changes: object) -> None:
    data = dataclasses.replace(ListingData.of(group), **changes)
    assert update_group(group, data, by=organizer) == "pending_review"


def audit_actions(group: Group | None = None) -> list[str]:
    stmt = sa.select(AuditEntry.action).order_by(AuditEntry.id)
    if group is not None:
        stmt = stmt.where(AuditEntry.group_id == group.id)
    return list(db.session.scalars(stmt))




# --- approve and reject --------------------------------------------------------------------------

def test_approving_a_new_listing_publishes_audits_and_mails_each_organizer(rapp):
    admin = make_user("admin@example.org", Role.admin)
    orgs = [make_user("a@example.org"), make_user("b@example.org")]
    group = listing(orgs, status=ListingStatus.draft, name="Dawn Group")
    submit_for_review(group, by=orgs[0])

    assert services.approve(group, by=admin, reason="Looks good") == "listing"
    db.session.expire_all()
    assert group.status == ListingStatus.published and group.published_at is not None
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "review.approved_listing"))
    assert (entry.actor_id, entry.group_id, entry.reason) == (admin.id, group.id, "Looks good")
    assert entry.at.tzinfo is not None
    assert sorted(m.to for m in outbox()) == ["a@example.org", "b@example.org"]
    assert all("/groups/" in m.body and "Looks good" in m.body for m in outbox())


def test_approving_an_edit_applies_the_proposed_version(rapp):
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org")
    group = listing([org], name="Before")
    person = Facilitator(name="Kim", owner_id=org.id)
    db.session.add(person)
    db.session.commit()
    propose(group, org, name="After", audiences=("adults",), facilitator_ids=(person.id,))
    assert group.name == "Before" and not group.facilitators

    assert services.approve(group, by=admin) == "edit"
    db.session.expire_all()
    assert (group.name, group.slug) == ("After", "after")
    assert [a.slug for a in group.audiences] == ["adults"] and group.facilitators == [person]
    revision = db.session.scalar(sa.select(ListingRevision))
    assert revision.status == RevisionStatus.approved and revision.decided_by_id == admin.id
    assert find_pending_revision(group) is None
    assert audit_actions(group)[-1] == "review.approved_edit"


def test_rejecting_an_edit_keeps_the_published_version(rapp):
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org")
    group = listing([org], name="Kept")
    db.session.commit()
    propose(group, org, name="Refused")

    assert services.reject(group, "  Not  a group name ", by=admin) == "edit"
    db.session.expire_all()
    assert group.status == ListingStatus.published and group.name == "Kept"
    assert group.review_reason == "Not a group name"
    revision = db.session.scalar(sa.select(ListingRevision))
    assert (revision.status, revision.reason) == (RevisionStatus.rejected, "Not a group name")
    assert [m.to for m in outbox()] == ["org@example.org"]
    assert "Not a group name" in outbox()[0].body and "/manage/" in outbox()[0].body


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_rejection_without_a_good_reason_writes_nothing(rapp, reason):
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org")
    group = listing([org], status=ListingStatus.draft)
    submit_for_review(group, by=org)
    before = audit_actions()

    with pytest.raises(InvalidInput) as exc:
        services.reject(group, reason, by=admin)
    assert "reason" in exc.value.field_errors
    db.session.expire_all()
    assert group.status == ListingStatus.pending_review and group.review_reason == ""
    assert audit_actions() == before and outbox() == []


@pytest.mark.parametrize("status", [ListingStatus.draft, ListingStatus.published,
                                    ListingStatus.rejected, ListingStatus.archived])
def test_nothing_waiting_means_nothing_to_decide(rapp, status):
    admin = make_user("admin@example.org", Role.admin)
    group = listing([make_user("org@example.org")], status=status)
    db.session.commit()
    for decide in (lambda: services.approve(group, by=admin),
                   lambda: services.reject(group, "No.", by=admin)):
        with pytest.raises(InvalidInput):
            decide()
    db.session.expire_all()
    assert group.status == status and audit_actions() == [] and outbox() == []


def test_a_decision_on_a_version_the_admin_did_not_see_is_a_conflict(rapp):
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org")
    group = listing([org], name="Original")
    db.session.commit()
    propose(group, org, name="First")
    seen = group.version
    propose(group, org, name="Second")

    for decide in (lambda: services.approve(group, by=admin, expected_version=seen),
                   lambda: services.reject(group, "No.", by=admin, expected_version=seen)):
        with pytest.raises(ConflictError):
            decide()
    db.session.expire_all()
    assert group.name == "Original" and find_pending_revision(group) is not None
    assert "review.approved_edit" not in audit_actions() and outbox() == []
    assert services.approve(group, by=admin, expected_version=group.version) == "edit"
    assert group.name == "Second"


# --- archive and restore --------------------------------------------------------------------------

def test_archive_withdraws_a_pending_edit_and_restore_goes_back_to_draft(rapp):
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org")
    group = listing([org])
    db.session.commit()
    propose(group, org, name="Never Approved")

    with pytest.raises(InvalidInput):
        services.archive(group, "", by=admin)
    services.archive(group, "Closed down", by=admin)
    assert group.status == ListingStatus.archived and find_pending_revision(group) is None
    with pytest.raises(InvalidInput):
        services.archive(group, "Again", by=admin)
    services.restore(group, by=admin, reason="Reopened")
    assert group.status == ListingStatus.draft
    with pytest.raises(InvalidInput):
        services.restore(group, by=admin)

    submit_for_review(group, by=org)
    assert [i.kind for i in queries.list_queue()] == ["new"]
    services.approve(group, by=admin)
    assert group.name != "Never Approved" and queries.list_queue() == []
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "review.archived"))
    assert entry.details == {"previous_status": "published"} and entry.reason == "Closed down"


# --- roles ----------------------------------------------------------------------------------------

def test_a_role_change_is_audited_and_ends_the_accounts_sessions(rapp):
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org")
    db.session.commit()
    old_token = org.session_token

    services.set_role(org, "admin", by=admin, reason="New reviewer")
    assert org.role == Role.admin and org.session_token != old_token
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "account.role_changed"))
    assert (entry.actor_id, entry.subject_user_id, entry.reason) == (admin.id, org.id, "New reviewer")
    assert entry.details == {"from": "organizer", "to": "admin"}

    services.set_role(org, Role.admin, by=admin)  # no change: no entry
    assert audit_actions().count("account.role_changed") == 1
    with pytest.raises(InvalidInput) as exc:
        services.set_role(admin, Role.organizer, by=admin)
    assert "role" in exc.value.field_errors
    with pytest.raises(ValueError):
        services.set_role(org, "owner", by=admin)
    db.session.expire_all()
    assert admin.role == Role.admin


# --- problem reports ------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [ListingStatus.draft, ListingStatus.pending_review,
                                    ListingStatus.rejected, ListingStatus.archived])
def test_only_a_published_listing_can_be_reported(rapp, status):
    group = listing([make_user("org@example.org")], status=status)
    db.session.commit()
    with pytest.raises(NotFound):
        services.report_problem(group, "closed", "")
    assert db.session.scalar(sa.select(sa.func.count(ProblemReport.id))) == 0 and outbox() == []


@pytest.mark.parametrize("kind,message,field", [
    ("nonsense", "", "kind"), ("other", "  ", "message"), ("details_wrong", "x" * 2001, "message"),
])
def test_a_bad_report_is_refused_and_writes_nothing(rapp, kind, message, field):
    group = listing([make_user("org@example.org")])
    db.session.commit()
    with pytest.raises(InvalidInput) as exc:
        services.report_problem(group, kind, message)
    assert field in exc.value.field_errors
    assert db.session.scalar(sa.select(sa.func.count(ProblemReport.id))) == 0 and outbox() == []


def test_a_report_mails_each_enabled_recipient_once_and_resolving_is_audited(rapp):
    admin = make_user("admin@example.org", Role.admin)
    organizer_admin = make_user("both@example.org", Role.admin)
    make_user("gone@example.org", Role.admin, is_enabled=False)
    disabled_org = make_user("old@example.org", is_enabled=False)
    group = listing([organizer_admin, disabled_org, make_user("org@example.org")])
    db.session.commit()

    report = services.report_problem(group, "details_wrong", "The room changed.")
    assert sorted(m.to for m in outbox()) == ["admin@example.org", "both@example.org", "org@example.org"]
    assert queries.list_reports() == [report]

    services.resolve_report(report, by=admin, reason="Organizer fixed it")
    assert report.resolved_at is not None and report.resolved_by_id == admin.id
    assert queries.list_reports() == [] and queries.list_reports(open_only=False) == [report]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "report.resolved"))
    assert entry.group_id == group.id and entry.details == {"report_id": report.id, "kind": "details_wrong"}
    with pytest.raises(InvalidInput):
        services.resolve_report(report, by=admin)
    assert audit_actions().count("report.resolved") == 1


# --- queries --------------------------------------------------------------------------------------

def _fill_queue(n: int, orgs: list[User]) -> None:
    for i in range(n):
        new = listing(orgs, status=ListingStatus.draft, name=f"New {i}")
        submit_for_review(new, by=orgs[0])
        edited = listing(orgs, name=f"Published {i}")
        db.session.commit()
        propose(edited, orgs[0], name=f"Edited {i}")


def test_the_queue_is_oldest_first_in_a_fixed_number_of_statements(rapp):
    orgs = [make_user("a@example.org"), make_user("b@example.org")]
    _fill_queue(1, orgs)
    db.session.expire_all()
    with statements() as few:
        items = queries.list_queue()
        [(i.group.name, [o.email for o in i.group.organizers], i.group.venue.town) for i in items]
    assert [i.kind for i in items] == ["new", "edit"]
    assert items[1].changed == ["Name"]
    _fill_queue(4, orgs)
    db.session.expire_all()
    with statements() as many:
        items = queries.list_queue()
        [(i.group.name, [o.email for o in i.group.organizers], i.group.venue.town) for i in items]
    assert len(items) == 10 and len(many) == len(few)
    times = [i.submitted_at for i in items]
    assert times == sorted(times)
    # Only listings waiting for a decision: drafts, published without an edit, rejected are not.
    listing(orgs, status=ListingStatus.draft)
    listing(orgs)
    db.session.commit()
    assert len(queries.list_queue()) == 10


def test_the_diff_shows_names_venues_and_people_not_slugs_or_ids(rapp):
    org = make_user("org@example.org")
    group = listing([org], name="Same", cost="Free", is_sensitive=True)
    group.audiences = [vocab(Audience, "adults")]
    other_venue = make_venue(owner_id=org.id, name="Quaker Meeting House", address="6 Mount Street")
    person = Facilitator(name="Jo Bloggs", owner_id=org.id)
    db.session.add(person)
    db.session.commit()
    propose(group, org, venue_id=other_venue.id, audiences=("young-people",), facilitator_ids=(person.id,),
            conditions=("anxiety",), cost="£2 donation", is_sensitive=False, area_name=None)
    revision = find_pending_revision(group)

    changes = {c.label: (c.before, c.after) for c in queries.diff_listing(group, revision)}
    assert changes["Who it's for"] == ("Adults (18+)", "Young people")
    assert changes["Venue"][0].startswith(group.venue.name + ", " + group.venue.address)
    assert changes["Venue"][1] == "Quaker Meeting House, 6 Mount Street, Manchester, M1 1AE"
    assert changes["Facilitators"] == ("None", "Jo Bloggs")
    assert changes["Cost"] == ("Free", "£2 donation")
    assert changes["Sensitive (exact address hidden from the public)"] == ("Yes", "No")
    assert changes["Public area name"][1] == "None"
    assert "Name" not in changes and "Topics" not in changes
    details = dict(queries.describe_listing(ListingData.from_json(revision.proposed)))
    assert details["Topics"] == "Anxiety" and details["Languages"] == "English"


def test_the_audit_log_is_newest_first_paginated_and_filtered(rapp):
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org")
    one, two = listing([org], name="One"), listing([org], name="Two")
    db.session.commit()
    for i in range(3):
        services.archive(one, f"archive {i}", by=admin)
        services.restore(one, by=admin, reason=f"restore {i}")
    services.archive(two, "two archived", by=admin)

    first = queries.list_audit(1, per_page=4)
    assert first.total == 7 and first.pages == 2 and first.has_next and not first.has_prev
    assert [e.reason for e in first.entries] == ["two archived", "restore 2", "archive 2", "restore 1"]
    assert [e.reason for e in queries.list_audit(2, per_page=4).entries] == ["archive 1", "restore 0", "archive 0"]
    assert queries.list_audit(9, per_page=4).entries == []
    only_two = queries.list_audit(1, queries.AuditFilters(group_id=two.id))
    assert [e.reason for e in only_two.entries] == ["two archived"]
    restores = queries.list_audit(1, queries.AuditFilters(action="review.restored"))
    assert restores.total == 3 and {e.actor.email for e in restores.entries} == {"admin@example.org"}
