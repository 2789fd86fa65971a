"""Writes on facilitators: create and edit.

Rules (decided here): a facilitator belongs to the organizer who created them (``owner_id``).
Name and bio are public once a group they lead is published; email and phone are private unless
the matching ``show_*`` box is ticked (``privacy.public_contact`` decides what is shown). A bio is
public text of every sensitive group the facilitator leads, so it must not locate that group's
venue (docs/security-privacy.md §2.3 rule 8). Facilitator changes publish at once, like schedules.
Each public service is one transaction; on a domain error nothing was written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import privacy, validation
from ..audit import audit
from ..db import now_utc
from ..exceptions import InvalidInput
from ..extensions import db
from ..groups.models import Group, group_facilitators
from ..transactions import check_version, conflicts, transaction
from .models import Facilitator

PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,40}$")
BIO_MAX = 2000


@dataclass(frozen=True)
class FacilitatorData:
    name: str
    bio: str = ""
    email: str | None = None
    phone: str | None = None
    show_email: bool = False
    show_phone: bool = False

    @classmethod
    def of(cls, person: Facilitator) -> FacilitatorData:
        return cls(name=person.name, bio=person.bio, email=person.email, phone=person.phone,
                   show_email=person.show_email, show_phone=person.show_phone)


def _guarded_places(person: Facilitator | None, by: Any) -> list[Any]:
    """Places a bio must not locate: the private places known to the editor, the facilitator's
    owner and the organizers of the groups they lead, and the venues of their sensitive groups.
    A bio changes without review and shows on every page of those groups."""
    from ..venues.places import private_places_known_to

    users: list[Any] = [by]
    extra: list[Any] = []
    if person is not None and person.id is not None:
        groups = db.session.scalars(sa.select(Group).join(
            group_facilitators, group_facilitators.c.group_id == Group.id).where(
            group_facilitators.c.facilitator_id == person.id)).all()
        for g in groups:
            users += g.organizers
            if g.is_sensitive and g.venue is not None:
                extra.append(g.venue)
        if person.owner_id is not None:
            from ..accounts.models import User

            users.append(db.session.get(User, person.owner_id))
    return private_places_known_to(db.session, users, extra=extra)


def validate_facilitator(data: FacilitatorData, person: Facilitator | None = None,
                         by: Any = None) -> dict[str, list[str]]:
    """Per-field messages; empty when the facilitator may be saved."""
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        if message not in errors.get(name, []):
            errors.setdefault(name, []).append(message)

    if not data.name.strip():
        err("name", _("Give the facilitator's name (a first name is enough)."))
    elif len(data.name) > 120:
        err("name", _("Keep the name under 120 characters."))
    if len(data.bio) > BIO_MAX:
        err("bio", _("Keep the bio under %(max)s characters.", max=BIO_MAX))
    for name in ("name", "phone"):
        if problem := validation.single_line_problem(getattr(data, name)):
            err(name, problem)
    if problem := validation.multi_line_problem(data.bio):
        err("bio", problem)
    if problem := validation.email_problem(data.email):
        err("email", problem)
    if data.phone and not PHONE.match(data.phone.strip()):
        err("phone", _("Give a phone number using digits, spaces and an optional leading +."))
    if data.show_email and not data.email:
        err("show_email", _("Give an email address to show it."))
    if data.show_phone and not data.phone:
        err("show_phone", _("Give a phone number to show it."))
    if data.bio:
        for message in privacy.public_text_problems(data.bio, _guarded_places(person, by)):
            err("bio", message)
    return errors


def _write(person: Facilitator, data: FacilitatorData) -> None:
    person.name = data.name.strip()
    person.bio = data.bio.strip()
    person.email = (data.email or "").strip() or None
    person.phone = (data.phone or "").strip() or None
    person.show_email = bool(data.show_email and person.email)
    person.show_phone = bool(data.show_phone and person.phone)


def create_facilitator(data: FacilitatorData, *, by: Any,
                       external_key: str | None = None) -> Facilitator:
    """A new facilitator owned by ``by`` (``None``: the system). Raises ``InvalidInput`` per
    field."""
    with transaction():
        errors = validate_facilitator(data, None, by)
        if errors:
            raise InvalidInput(_("Please correct the marked fields."), field_errors=errors)
        person = Facilitator(owner_id=getattr(by, "id", None), external_key=external_key)
        _write(person, data)
        db.session.add(person)
        db.session.flush()
        audit("facilitator.created", by=by, details={"facilitator_id": person.id})
    return person


def update_facilitator(person: Facilitator, data: FacilitatorData, *, by: Any,
                       expected_version: int | None = None) -> None:
    """Save an edit. ``ConflictError`` if someone saved since ``expected_version`` was loaded;
    ``InvalidInput`` per field (including a bio that would locate a sensitive group's venue)."""
    with conflicts(_("Someone else saved this facilitator at the same moment; check it and save "
                   "again.")):
        check_version(person, expected_version,
                      _("Someone else saved this facilitator while you were editing. Your "
                        "changes are below; check them and save again."))
        errors = validate_facilitator(data, person, by)
        if errors:
            raise InvalidInput(_("Please correct the marked fields."), field_errors=errors)
        _write(person, data)
        person.updated_at = now_utc()
        audit("facilitator.edited", by=by, details={"facilitator_id": person.id})
