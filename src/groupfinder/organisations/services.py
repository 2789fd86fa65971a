"""Writes on organisations and their teams: create, edit, invite, accept, change roles, leave.

Rules (decided here, nowhere else):
- An organisation's slug is made once from its name (``groups.services.slugify``), suffixed
  -2, -3… on a clash, and kept when the name changes (links and feeds stay valid).
- ``by`` is the signed-in user, or ``None`` for the operator (CLI, seeder, importer): a user who
  creates an organisation becomes its owner.
- Only owners manage the team and the organisation's details (``permissions``); an organisation
  always keeps at least one owner: the last owner can't leave or be made a member.
- Invitations: a random token (256 bits) is mailed; only its SHA-256 is stored; it works once,
  for 14 days, for the account with the invited address (a forwarded or leaked link is no use
  to another account).
  Inviting answers the same whether or not an account exists for the address.
- Every team change writes an audit entry. Each public service is one transaction; on a domain
  error nothing was written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import validation
from ..audit import audit
from ..db import now_utc
from ..exceptions import InvalidInput, NotFound
from ..extensions import db
from ..slugs import slugify
from ..transactions import check_version, conflicts, transaction
from .models import Invitation, MemberRole, Membership, Organisation

NAME_MAX = 200
DESCRIPTION_MAX = 5000
WEBSITE_MAX = 300
INVITATION_DAYS = 14
# Words that are routes under /organisations/ and so can't be an organisation's slug.
_RESERVED_SLUGS = frozenset({"join"})
_WEBSITE = re.compile(r"^https?://[^\s/$.?#].[^\s]*$")


@dataclass(frozen=True)
class OrganisationData:
    """What an owner edits about an organisation, as plain values."""

    name: str
    description: str = ""
    website: str | None = None

    @classmethod
    def of(cls, org: Organisation) -> OrganisationData:
        return cls(name=org.name, description=org.description, website=org.website)


def validate_organisation(data: OrganisationData) -> dict[str, list[str]]:
    """Per-field messages; empty when the organisation may be saved."""
    errors: dict[str, list[str]] = {}
    name = (data.name or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("Give the organisation a name."))
    elif len(name) > NAME_MAX:
        errors.setdefault("name", []).append(_("Keep the name under %(max)s characters.", max=NAME_MAX))
    if problem := validation.single_line_problem(data.name):
        errors.setdefault("name", []).append(problem)
    if problem := validation.multi_line_problem(data.description):
        errors.setdefault("description", []).append(problem)
    if len(data.description or "") > DESCRIPTION_MAX:
        errors.setdefault("description", []).append(
            _("Keep the description under %(max)s characters.", max=DESCRIPTION_MAX))
    website = (data.website or "").strip()
    if website and (not _WEBSITE.match(website) or len(website) > WEBSITE_MAX
                    or validation.single_line_problem(website)):
        errors.setdefault("website", []).append(_("Give a full web address starting with https://."))
    return errors


def _unique_slug(name: str, *, exclude_id: int | None = None) -> str:
    base = slugify(name, fallback="organisation", reserved=_RESERVED_SLUGS, suffix="organisation")
    taken = set(db.session.scalars(sa.select(Organisation.slug).where(
        sa.or_(Organisation.slug == base, Organisation.slug.like(f"{base}-%")),
        Organisation.id != (exclude_id or 0))))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _write(org: Organisation, data: OrganisationData) -> None:
    org.name = data.name.strip()
    org.description = (data.description or "").strip()
    org.website = (data.website or "").strip() or None


def create_organisation(data: OrganisationData, *, by: Any,
                        external_key: str | None = None) -> Organisation:
    """A new organisation; ``by`` (a user) becomes its owner, ``None`` (operator, CLI, seeder)
    leaves it without a team. Raises ``InvalidInput`` per field."""
    with transaction():
        errors = validate_organisation(data)
        if errors:
            raise InvalidInput(_("Please correct the marked fields."), field_errors=errors)
        org = Organisation(slug=_unique_slug(data.name.strip()), external_key=external_key)
        _write(org, data)
        db.session.add(org)
        if by is not None:
            org.memberships.append(Membership(user_id=by.id, role=MemberRole.owner))
        db.session.flush()
        audit("organisation.created", by=by, details={"organisation_id": org.id, "name": org.name})
    return org


def update_organisation(org: Organisation, data: OrganisationData, *, by: Any,
                        expected_version: int | None = None) -> None:
    """Save an edit of the details (published at once: they are not a listing's content).
    ``ConflictError`` when someone saved since ``expected_version``; the slug is kept."""
    with conflicts(_("Someone else saved this organisation while you were editing.")):
        check_version(org, expected_version,
                      _("Someone else saved this organisation while you were editing. Your "
                      "changes are below; check them and save again."))
        errors = validate_organisation(data)
        if errors:
            raise InvalidInput(_("Please correct the marked fields."), field_errors=errors)
        _write(org, data)
        audit("organisation.edited", by=by, details={"organisation_id": org.id})


def default_organisation_name(user: Any) -> str:
    """"<display name or email local part>'s groups": the organisation every organizer gets."""
    who = (user.display_name or "").strip() or user.email.split("@", 1)[0]
    return f"{who}'s groups"[:NAME_MAX]


def ensure_organisation_for(user: Any) -> Organisation:
    """The user's only organisation, or a new one named for them when they have none (so every
    new group has one). Joins the caller's transaction. Raises ``InvalidInput`` when the user
    belongs to several (the caller must ask which)."""
    from .queries import organisations_of

    with transaction():
        orgs = organisations_of(user)
        if len(orgs) == 1:
            return orgs[0]
        if orgs:
            raise InvalidInput(field_errors={"organisation_id": [_("Choose the organisation.")]})
        return create_organisation(OrganisationData(name=default_organisation_name(user)), by=user)


# --- The team --------------------------------------------------------------------------------

LAST_OWNER_MESSAGE = _l("An organisation needs at least one owner: make someone else an owner "
                        "first.")


def _membership(org: Organisation, user_id: int) -> Membership:
    m = db.session.get(Membership, (org.id, user_id))
    if m is None:
        raise NotFound(_("That person isn't in this team."))
    return m


def _owner_count(org: Organisation) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.organisation_id == org.id, Membership.role == MemberRole.owner)) or 0


def change_role(org: Organisation, user_id: int, role: MemberRole | str, *, by: Any) -> None:
    """Make a member an owner or an owner a member; the last owner stays an owner."""
    with transaction():
        role = MemberRole(role)
        m = _membership(org, user_id)
        if m.role == role:
            return
        if m.role == MemberRole.owner and _owner_count(org) <= 1:
            raise InvalidInput(str(LAST_OWNER_MESSAGE), field_errors={"role": [str(LAST_OWNER_MESSAGE)]})
        m.role = role
        audit("organisation.role_changed", by=by, subject=m.user,
              details={"organisation_id": org.id, "role": role.value})


def remove_member(org: Organisation, user_id: int, *, by: Any) -> None:
    """Take someone off the team (``by`` themselves: leaving). The last owner can't go. Their
    groups stay with the organisation; they keep being an organizer of the groups that name
    them (the co-organizer list is separate)."""
    with transaction():
        m = _membership(org, user_id)
        if m.role == MemberRole.owner and _owner_count(org) <= 1:
            raise InvalidInput(str(LAST_OWNER_MESSAGE),
                               field_errors={"member": [str(LAST_OWNER_MESSAGE)]})
        subject = m.user
        db.session.delete(m)
        leaving = by is not None and by.id == user_id
        audit("organisation.member_left" if leaving else "organisation.member_removed",
              by=by, subject=subject, details={"organisation_id": org.id})


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def join_url(token: str) -> str:
    """The link mailed (built without a request: the CLI and tests invite too). The token rides
    in the query string, as the account links' do, so the request log leaves it out; it is
    URL-safe base64, so it needs no quoting."""
    from flask import current_app

    return f"{current_app.config['BASE_URL']}/organisations/join?token={token}"


def _invited_sentence(org: Organisation, role: MemberRole, by: Any) -> str:
    """Who invited, as what: six whole sentences, so each language words its own."""
    name = (getattr(by, "display_name", "") or "").strip()
    values = {"name": name, "organisation": org.name}
    if role == MemberRole.owner:
        if by is None:
            return _('The site\'s team invited you to join the team of "%(organisation)s" on '
                     'groupfinder as an owner (who also manages the team): the team manages the '
                     'organisation\'s support group listings together.', **values)
        if not name:
            return _('An owner invited you to join the team of "%(organisation)s" on groupfinder '
                     'as an owner (who also manages the team): the team manages the '
                     'organisation\'s support group listings together.', **values)
        return _('%(name)s invited you to join the team of "%(organisation)s" on groupfinder as '
                 'an owner (who also manages the team): the team manages the organisation\'s '
                 'support group listings together.', **values)
    if by is None:
        return _('The site\'s team invited you to join the team of "%(organisation)s" on '
                 'groupfinder as a member: the team manages the organisation\'s support group '
                 'listings together.', **values)
    if not name:
        return _('An owner invited you to join the team of "%(organisation)s" on groupfinder as '
                 'a member: the team manages the organisation\'s support group listings '
                 'together.', **values)
    return _('%(name)s invited you to join the team of "%(organisation)s" on groupfinder as a '
             'member: the team manages the organisation\'s support group listings together.',
             **values)


def _send_invitation(org: Organisation, address: str, role: MemberRole, token: str,
                     by: Any) -> None:
    """In the language of the invitee's account if the address has one (no one learns which),
    else in the language of the page the invitation was made on."""
    from .. import mail
    from ..accounts.models import User

    invitee = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == address))
    with mail.speaking(mail.language_of(invitee) if invitee is not None else mail.language()):
        subject = _("Join %(organisation)s on groupfinder", organisation=org.name)
        body = (_("Hello,") + "\n\n" + _invited_sentence(org, role, by) + "\n\n"
                + _("To accept, open this link and sign in (or register first):")
                + f"\n\n{join_url(token)}\n\n"
                + _("The link works once, for %(duration)s.",
                    duration=ngettext("%(num)d day", "%(num)d days", INVITATION_DAYS))
                + "\n\n"
                + _("If you don't want to join, ignore this email: nothing happens without the "
                    "link.")
                + "\n")
    mail.send(address, subject, body)


def invite(org: Organisation, email: str, role: MemberRole | str, *, by: Any) -> str | None:
    """Invite an address to the team and queue the mail with its link (in this transaction).
    Returns the token (``None`` when nothing was sent: the address already belongs to a
    member). The caller's answer must not differ either way: the person inviting learns nothing
    about who has an account."""
    from ..accounts.models import User

    with transaction():
        try:
            address = validation.normalize_email(email)
        except validation.InvalidEmail as exc:
            raise InvalidInput(field_errors={"email": [str(exc)]}) from None
        role = MemberRole(role)
        member = db.session.scalar(sa.select(Membership).join(User).where(
            Membership.organisation_id == org.id, sa.func.lower(User.email) == address))
        if member is not None:
            return None
        token = secrets.token_urlsafe(32)
        _send_invitation(org, address, role, token, by)
        db.session.add(Invitation(
            organisation_id=org.id, email=address, role=role, token_hash=hash_token(token),
            invited_by_id=getattr(by, "id", None),
            expires_at=now_utc() + dt.timedelta(days=INVITATION_DAYS)))
        audit("organisation.invited", by=by,
              details={"organisation_id": org.id, "role": role.value})
    return token


class InvitationUnusable(InvalidInput):
    """The link is unknown, used or expired (one answer for the three: a guess learns nothing)."""

    title = _l("This invitation link can't be used")


INVITATION_UNUSABLE = _l("This invitation link has expired or has already been used. Ask the "
                         "organisation's owner to invite you again.")


def find_invitation(token: str) -> Invitation:
    """The usable invitation for ``token``; ``InvitationUnusable`` otherwise."""
    inv = db.session.scalar(sa.select(Invitation).where(
        Invitation.token_hash == hash_token(token or "")))
    if inv is None or inv.accepted_at is not None or inv.expires_at <= now_utc():
        raise InvitationUnusable(str(INVITATION_UNUSABLE))
    return inv


class WrongAccount(InvalidInput):
    title = _l("This invitation is for another email address")


WRONG_ACCOUNT = _l("This invitation was sent to another email address. Sign in with the "
                   "account that uses that address (or register with it), then open the link "
                   "again.")


def accept_invitation(token: str, *, by: Any) -> Organisation:
    """``by`` (whose address is the invited one, else ``WrongAccount``) joins the team with the
    invited role (an existing member keeps the higher of the two); the invitation is used up."""
    with transaction():
        inv = find_invitation(token)
        if (by.email or "").lower() != inv.email.lower():
            raise WrongAccount(str(WRONG_ACCOUNT))
        org = inv.organisation
        inv.accepted_at = now_utc()
        m = db.session.get(Membership, (org.id, by.id))
        if m is None:
            db.session.add(Membership(organisation_id=org.id, user_id=by.id, role=inv.role))
        elif inv.role == MemberRole.owner:
            m.role = MemberRole.owner
        audit("organisation.joined", by=by, subject=by,
              details={"organisation_id": org.id, "role": inv.role.value})
    return org
