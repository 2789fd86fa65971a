"""Organisations and teams: creating, editing, invitations, roles, leaving (both databases)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from groupfinder.audit import AuditEntry
from groupfinder.exceptions import ConflictError, InvalidInput, NotFound
from groupfinder.extensions import db
from groupfinder.organisations import services
from groupfinder.organisations.models import Invitation, MemberRole, Membership, Organisation
from groupfinder.organisations.queries import organisation_by_slug, organisations_of, team_of
from groupfinder.organisations.services import OrganisationData
from tests.factories import make_user


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_creating_makes_the_creator_owner_and_a_unique_slug(app):
    ann = make_user("ann@example.org")
    db.session.commit()
    first = services.create_organisation(OrganisationData(name="Mind in Salford"), by=ann)
    second = services.create_organisation(OrganisationData(name="Mind in  Salford!"), by=None)
    third = services.create_organisation(OrganisationData(name="Mind in Salford"), by=None)
    assert (first.slug, second.slug, third.slug) == (
        "mind-in-salford", "mind-in-salford-2", "mind-in-salford-3")
    assert [(m.user_id, m.role) for m in first.memberships] == [(ann.id, MemberRole.owner)]
    assert second.memberships == []
    assert organisation_by_slug("mind-in-salford-2") is second
    assert organisations_of(ann) == [first]
    assert _actions().count("organisation.created") == 3


@pytest.mark.parametrize("data, field", [
    (OrganisationData(name=" "), "name"),
    (OrganisationData(name="x" * 201), "name"),
    (OrganisationData(name="A\nB"), "name"),
    (OrganisationData(name="A", website="ftp://example.org"), "website"),
    (OrganisationData(name="A", website="example.org"), "website"),
])
def test_invalid_details_are_refused_per_field_and_nothing_is_written(app, data, field):
    with pytest.raises(InvalidInput) as caught:
        services.create_organisation(data, by=None)
    assert field in caught.value.field_errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_editing_keeps_the_slug_and_detects_a_conflict(app):
    org = services.create_organisation(OrganisationData(name="NAMI Example"), by=None)
    loaded = org.version
    services.update_organisation(org, OrganisationData(
        name="NAMI Example County", description="Peer support.", website="https://nami.example"),
        by=None, expected_version=loaded)
    assert (org.slug, org.name, org.website) == ("nami-example", "NAMI Example County",
                                                  "https://nami.example")
    with pytest.raises(ConflictError):
        services.update_organisation(org, OrganisationData(name="Other"), by=None,
                                     expected_version=loaded)
    db.session.expire_all()
    assert org.name == "NAMI Example County"


def test_the_last_owner_can_neither_leave_nor_be_demoted(app):
    ann, bob = make_user("ann@example.org"), make_user("bob@example.org")
    db.session.commit()
    org = services.create_organisation(OrganisationData(name="Team"), by=ann)
    with pytest.raises(InvalidInput, match="at least one owner"):
        services.remove_member(org, ann.id, by=ann)
    with pytest.raises(InvalidInput, match="at least one owner"):
        services.change_role(org, ann.id, "member", by=ann)
    token = services.invite(org, "BOB@example.org", "member", by=ann)
    services.accept_invitation(token, by=bob)
    services.change_role(org, bob.id, "owner", by=ann)
    services.remove_member(org, ann.id, by=ann)  # now she may leave
    assert [(m.user.email, m.role) for m in team_of(org)] == [("bob@example.org", MemberRole.owner)]
    with pytest.raises(NotFound):
        services.remove_member(org, ann.id, by=bob)
    assert _actions()[-3:] == ["organisation.joined", "organisation.role_changed",
                               "organisation.member_left"]


def test_an_invitation_is_stored_hashed_works_once_and_expires(app):
    ann, bob, cat = (make_user(f"{n}@example.org") for n in ("ann", "bob", "cat"))
    db.session.commit()
    org = services.create_organisation(OrganisationData(name="Team"), by=ann)
    token = services.invite(org, "bob@example.org", "owner", by=ann)
    stored = db.session.scalar(sa.select(Invitation))
    assert token not in stored.token_hash and stored.token_hash == services.hash_token(token)
    assert services.accept_invitation(token, by=bob) is org
    with pytest.raises(services.InvitationUnusable):  # reused, even by another account
        services.accept_invitation(token, by=cat)
    assert db.session.get(Membership, (org.id, bob.id)).role == MemberRole.owner
    assert db.session.get(Membership, (org.id, cat.id)) is None

    late = services.invite(org, "cat@example.org", "member", by=ann)
    inv = db.session.scalar(sa.select(Invitation).where(Invitation.email == "cat@example.org"))
    inv.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(services.InvitationUnusable):
        services.accept_invitation(late, by=cat)
    with pytest.raises(services.InvitationUnusable):
        services.accept_invitation("not-a-token", by=cat)


def test_inviting_a_current_member_sends_nothing_and_a_bad_address_is_refused(app):
    ann = make_user("ann@example.org")
    db.session.commit()
    org = services.create_organisation(OrganisationData(name="Team"), by=ann)
    assert services.invite(org, "Ann@Example.org", "member", by=ann) is None
    with pytest.raises(InvalidInput) as caught:
        services.invite(org, "not an address", "member", by=ann)
    assert "email" in caught.value.field_errors


def test_an_organizer_without_an_organisation_gets_one_named_for_them(app):
    ann = make_user("ann.smith@example.org")
    bob = make_user("bob@example.org", display_name="Bob Jones")
    db.session.commit()
    assert services.ensure_organisation_for(ann).name == "ann.smith's groups"
    assert services.ensure_organisation_for(bob).name == "Bob Jones's groups"
    assert services.ensure_organisation_for(bob).name == "Bob Jones's groups"  # kept, not a 2nd
    services.create_organisation(OrganisationData(name="Second"), by=bob)
    with pytest.raises(InvalidInput):
        services.ensure_organisation_for(bob)


def test_an_invitation_works_only_for_the_invited_address(app):
    ann, bob, cat = (make_user(f"{n}@example.org") for n in ("ann", "bob", "cat"))
    db.session.commit()
    org = services.create_organisation(OrganisationData(name="Team"), by=ann)
    token = services.invite(org, "Bob@Example.org", "member", by=ann)
    with pytest.raises(services.WrongAccount):
        services.accept_invitation(token, by=cat)
    assert db.session.get(Membership, (org.id, cat.id)) is None
    services.accept_invitation(token, by=bob)  # still usable by the right account
    assert db.session.get(Membership, (org.id, bob.id)).role == MemberRole.member


def test_only_a_change_the_public_sees_moves_the_data_token(app):
    from groupfinder.readcache import current_token
    from tests.factories import make_group

    ann, bob = make_user("ann@example.org"), make_user("bob@example.org")
    db.session.commit()

    def token() -> str:
        db.session.rollback()  # a fresh read, as a new request would
        return current_token()

    before = token()
    org = services.create_organisation(OrganisationData(name="Team"), by=ann)
    services.accept_invitation(services.invite(org, "bob@example.org", "member", by=ann), by=bob)
    services.update_organisation(org, OrganisationData(name="Team", description="Hi"), by=ann)
    assert token() == before  # nobody sees an organisation without a published group
    make_group(organisation_id=org.id)
    db.session.commit()
    published = token()
    services.update_organisation(org, OrganisationData(name="Team Two"), by=ann)
    assert token() != published
