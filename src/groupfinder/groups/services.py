"""Writes on listings: create, edit, submit for review, co-organizers.

Rules (decided here, nowhere else):
- A draft, pending or rejected listing is edited in place; nothing of it is public.
- A published listing keeps showing its last approved version: an edit of its content or
  location becomes a pending ``ListingRevision`` that an admin approves or rejects. Editing again
  replaces the pending revision.
- Turning ``is_sensitive`` on takes effect at once, even while other edits wait (safety first);
  turning it off is part of the revision and needs review.
- Schedules, single-meeting changes and facilitators publish at once (they are logistics, and
  cancellations are urgent); see schedules/services.py.
- Every public service is one transaction; on a domain error nothing was written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified

from .. import privacy, slugs, validation
from ..audit import audit
from ..db import now_utc
from ..exceptions import InvalidInput, NotFound
from ..extensions import db
from ..facilitators.models import Facilitator
from ..transactions import check_version, transaction
from ..venues.models import AccessFeature, Venue
from ..venues.places import apply_public_location, private_places_known_to, shown_publicly
from .confirmation import mark_confirmed
from .models import Audience, Condition, Group, Language, ListingStatus
from .queries import pending_revisions

CONTENT_FIELDS = ("name", "description", "what_to_expect", "cost", "contact_email", "website")


# Words that are routes under /groups/<id>/ and so can't be a group's slug.
_RESERVED_SLUGS = frozenset({"report", "calendar", "meetings"})


def slugify(text: str) -> str:
    return slugs.slugify(text, fallback="group", reserved=_RESERVED_SLUGS, suffix="group")


@dataclass(frozen=True)
class ListingData:
    """Everything an organizer edits on a listing, as plain values (also a revision's JSON)."""

    name: str
    description: str = ""
    what_to_expect: str = ""
    cost: str = "Free"
    contact_email: str | None = None
    website: str | None = None
    conditions: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("en",)
    access: tuple[str, ...] = ()
    is_sensitive: bool = False
    area_name: str | None = None
    venue_id: int | None = None
    facilitator_ids: tuple[int, ...] = field(default=())
    # The organisation that runs it. ``None`` keeps the current one (a revision stored before
    # organisations existed has no such key); on a new listing, see ``create_group``.
    organisation_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ListingData:
        names = {f.name for f in fields(cls)}
        return cls(**{k: tuple(v) if isinstance(v, list) else v
                      for k, v in data.items() if k in names})

    @classmethod
    def of(cls, group: Group) -> ListingData:
        return cls(
            name=group.name, description=group.description, what_to_expect=group.what_to_expect,
            cost=group.cost, contact_email=group.contact_email, website=group.website,
            conditions=tuple(c.slug for c in group.conditions),
            audiences=tuple(a.slug for a in group.audiences),
            languages=tuple(lang.slug for lang in group.languages),
            access=tuple(a.slug for a in group.access_features),
            is_sensitive=group.is_sensitive,
            area_name=group.area_name if group.is_sensitive else None,
            venue_id=group.venue_id,
            facilitator_ids=tuple(f.id for f in group.facilitators),
            organisation_id=group.organisation_id,
        )


def _vocab(model: type, slugs: Sequence[str], field_name: str) -> list[Any]:
    items = {v.slug: v for v in db.session.scalars(sa.select(model).where(model.slug.in_(slugs)))}
    unknown = [s for s in slugs if s not in items]
    if unknown:
        raise InvalidInput(field_errors={field_name: [
            _("Unknown: %(slugs)s.", slugs=", ".join(unknown))]})
    return [items[s] for s in slugs]


def _usable(model: type, ids: Sequence[int], by: Any, already: Sequence[Any] = ()) -> list[Any] | None:
    """The rows ``by`` may use: their own (admins: any), plus those the listing already uses (a
    co-organizer keeps the other organizer's venue). ``None`` when any id is outside them, so
    someone else's id and an id that doesn't exist get one answer and no other check."""
    if not ids:
        return []
    from .. import permissions

    kept = {r.id for r in already if r is not None}
    rows = {r.id: r for r in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}
    if by is not None and not by.is_admin:  # their own and their teams' (permissions.team_scope)
        kept |= set(db.session.scalars(sa.select(model.id).where(
            model.id.in_(ids), permissions.team_scope(model, by))))
    allowed = [rows[i] for i in ids if i in rows  # by None: the system (seeder, importer)
               and (by is None or by.is_admin or i in kept)]
    return allowed if len(allowed) == len(ids) else None


OWN_LIST_MESSAGE = _l("Choose from your own list.")
ORGANISATION_MESSAGE = _l("Choose one of your organisations.")


def _may_use_organisation(organisation_id: int, by: Any, group: Group | None) -> bool:
    """An organisation a listing may be put in: the one it is in already, any (the system,
    admins), or one ``by`` belongs to."""
    from ..organisations.models import Membership, Organisation

    if group is not None and group.organisation_id == organisation_id:
        return True
    if by is None or by.is_admin:
        return db.session.get(Organisation, organisation_id) is not None
    return db.session.get(Membership, (organisation_id, by.id)) is not None
PUBLIC_VENUE_MESSAGE = _l(
    "This venue's exact address is already public: another listing that meets there shows it, "
    "or did. If you save, every listing there will show only the area from now on, but people "
    "may already have copied the address. Tick the box to go ahead, or choose another venue.")


def _owned(model: type, ids: Sequence[int], by: Any, field_name: str,
           already: Sequence[Any] = ()) -> list[Any]:
    allowed = _usable(model, ids, by, already)
    if allowed is None:
        raise InvalidInput(field_errors={field_name: [str(OWN_LIST_MESSAGE)]})
    return allowed


SINGLE_LINE_FIELDS = ("name", "cost", "website", "area_name")
MULTI_LINE_FIELDS = ("description", "what_to_expect")
PUBLIC_TEXT_FIELDS = ("name", "description", "what_to_expect", "cost", "area_name")


def validate_listing(data: ListingData, by: Any, group: Group | None = None, *,
                     accept_public_venue: bool = False) -> dict[str, list[str]]:
    """Per-field messages; empty when the listing may be saved.

    Ids are resolved within the editor's own records first (``_usable``); an id outside them is
    answered like one that doesn't exist, and nothing else is checked against it (otherwise the
    privacy messages would locate someone else's venue). Public text is then checked against
    every private place the listing's organizers and the editor know, and against the chosen
    venue when the listing is sensitive."""
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        if message not in errors.get(name, []):
            errors.setdefault(name, []).append(message)

    if not data.name.strip():
        err("name", _("Give the group a name."))
    elif len(data.name) > 200:
        err("name", _("Keep the name under 200 characters."))
    for name in SINGLE_LINE_FIELDS:
        if problem := validation.single_line_problem(getattr(data, name)):
            err(name, problem)
    for name in MULTI_LINE_FIELDS:
        if problem := validation.multi_line_problem(getattr(data, name)):
            err(name, problem)
    if not data.conditions:
        err("conditions", _("Choose at least one topic the group supports."))
    if not data.languages:
        err("languages", _("Choose at least one language."))
    if data.website and not re.match(r"^https?://[^\s/$.?#].[^\s]*$", data.website):
        err("website", _("Give a full web address starting with https://."))
    if problem := validation.email_problem(data.contact_email):
        err("contact_email", problem)

    if data.organisation_id is not None and not _may_use_organisation(data.organisation_id, by, group):
        err("organisation_id", str(ORGANISATION_MESSAGE))
    venue = None
    if data.venue_id is not None:
        found = _usable(Venue, [data.venue_id], by, [group.venue] if group is not None else [])
        if found is None:
            err("venue_id", str(OWN_LIST_MESSAGE))
        else:
            venue = found[0]
    if _usable(Facilitator, data.facilitator_ids, by,
               group.facilitators if group is not None else []) is None:
        err("facilitator_ids", str(OWN_LIST_MESSAGE))

    organizers = [*(group.organizers if group is not None else []), by]
    extra = [venue] if venue is not None and data.is_sensitive else []
    places = private_places_known_to(db.session, organizers, extra=extra)
    if venue is not None and data.is_sensitive and data.area_name:
        for message in privacy.validate_area_name(data.area_name, venue):
            err("area_name", message)
    for name in PUBLIC_TEXT_FIELDS:
        for message in privacy.public_text_problems(getattr(data, name) or "", places):
            err(name, message)
    # Choosing a venue whose address is out: say so before saving. (Hiding the group's own
    # current venue is never delayed: it only hides more; the page says so after saving.)
    if venue is not None and data.is_sensitive and not accept_public_venue \
            and not (group is not None and group.venue_id == venue.id) \
            and shown_publicly(db.session, venue):
        err("accept_public_venue", str(PUBLIC_VENUE_MESSAGE))
    return errors


def _apply(group: Group, data: ListingData, by: Any) -> None:
    """Write ``data`` onto ``group`` (validated); recompute the public point only if needed."""
    old_location = (group.venue_id, group.is_sensitive, group.area_name)
    for name in CONTENT_FIELDS:
        value = getattr(data, name)
        setattr(group, name, value.strip() if isinstance(value, str) else value)
    group.slug = slugify(data.name)
    group.conditions = _vocab(Condition, data.conditions, "conditions")
    group.audiences = _vocab(Audience, data.audiences, "audiences")
    group.languages = _vocab(Language, data.languages, "languages")
    group.access_features = _vocab(AccessFeature, data.access, "access")
    group.facilitators = _owned(Facilitator, data.facilitator_ids, by, "facilitator_ids",
                                already=group.facilitators)
    group.venue = (_owned(Venue, [data.venue_id], by, "venue_id", already=[group.venue])[0]
                   if data.venue_id else None)
    group.is_sensitive = data.is_sensitive
    group.area_name = data.area_name if data.is_sensitive else None
    if data.organisation_id is not None:
        group.organisation_id = data.organisation_id
    if (group.venue_id, group.is_sensitive, group.area_name) != old_location or group.public_lat is None:
        apply_public_location(group)


def check_listing_version(group: Group, expected_version: int | None) -> None:
    """``ConflictError`` when the listing changed since ``expected_version`` was loaded."""
    check_version(group, expected_version,
                  _("Someone else saved this listing while you were editing. Your changes are "
                  "below; check them against the current version and save again."))


def create_group(data: ListingData, *, by: Any, accept_public_venue: bool = False,
                 external_key: str | None = None, confirmed_at: dt.datetime | None = None) -> Group:
    """A new draft listing owned by ``by`` (``None``: the system, with no organizer). Raises
    ``InvalidInput`` per field.

    Its organisation is ``data.organisation_id`` (one ``by`` belongs to; admins and the system:
    any), else ``by``'s only organisation, else a new one named for ``by`` when they have none,
    so every organizer's listing belongs to one (``by`` in several and none chosen:
    ``InvalidInput`` on ``organisation_id``). The system's listing may have none.

    ``confirmed_at``: when a source last said the details were right (default: now, its author
    has just written them).

    ``accept_public_venue``: the organizer was told that the sensitive listing's venue already
    shows its address publicly, and goes ahead (the review diff flags it)."""
    with transaction():
        errors = validate_listing(data, by, accept_public_venue=accept_public_venue)
        if errors:
            raise InvalidInput(_("Please correct the marked fields."), field_errors=errors)
        if data.organisation_id is None and by is not None:
            from ..organisations.services import ensure_organisation_for

            data = replace(data, organisation_id=ensure_organisation_for(by).id)
        group = Group(status=ListingStatus.draft, organizers=[by] if by is not None else [],
                      external_key=external_key, confirmed_at=min(confirmed_at or now_utc(), now_utc()))
        db.session.add(group)
        _apply(group, data, by)
        audit("group.created", by=by, group=group)
    return group


def update_group(group: Group, data: ListingData, *, by: Any,
                 expected_version: int | None = None, accept_public_venue: bool = False) -> str:
    """Save an edit. Returns ``"saved"`` (not public yet, or admin) or ``"pending_review"``.

    ``expected_version`` is the version the editor loaded: a mismatch raises ``ConflictError``
    and writes nothing, so a second editor never silently overwrites the first.
    """
    from .models import ListingRevision, RevisionStatus

    with transaction():
        check_listing_version(group, expected_version)
        if data.organisation_id is None:  # kept: compare like with like below
            data = replace(data, organisation_id=group.organisation_id)
        errors = validate_listing(data, by, group, accept_public_venue=accept_public_venue)
        if errors:
            raise InvalidInput(_("Please correct the marked fields."), field_errors=errors)
        if group.status != ListingStatus.published:
            _apply(group, data, by)
            outcome = "saved"
        else:
            current = ListingData.of(group)
            if data.is_sensitive and not group.is_sensitive:
                # Hiding the address is never delayed by review.
                _apply(group, ListingData(**{**asdict(current), "is_sensitive": True,
                                             "area_name": data.area_name,
                                             "venue_id": current.venue_id}), by)
                audit("group.made_sensitive", by=by, group=group)
            for old in db.session.scalars(pending_revisions(group.id)).all():
                old.status = RevisionStatus.withdrawn
            if data != ListingData.of(group):
                db.session.add(ListingRevision(group=group, proposed=data.to_json(),
                                               submitted_by_id=by.id))
                outcome = "pending_review"
            else:
                outcome = "saved"
        if outcome == "pending_review":
            # Nothing public changed: don't move updated_at (feeds and exports show it), but
            # still UPDATE the row so its version moves on and a second editor gets a conflict.
            flag_modified(group, "updated_at")  # (its own value, so onupdate stays off)
        else:
            group.updated_at = now_utc()
            # An organizer who saves it as it stands has looked: the public details are right.
            # (A pending edit says they aren't yet; its approval confirms, via apply_listing.)
            mark_confirmed(group)
        audit("group.edited", by=by, group=group, details={"outcome": outcome})
    return outcome


def submit_for_review(group: Group, *, by: Any) -> None:
    """Draft or rejected → pending review. Needs a venue and a schedule."""
    with transaction():
        problems: dict[str, list[str]] = {}
        if group.venue is None:
            problems["venue_id"] = [_("Choose where the group meets before submitting.")]
        if not group.schedules:
            problems["schedules"] = [_("Add when the group meets before submitting.")]
        if group.status not in (ListingStatus.draft, ListingStatus.rejected):
            problems["status"] = [_("Only a draft or a rejected listing can be submitted.")]
        if problems:
            raise InvalidInput(_("This listing can't be submitted yet."), field_errors=problems)
        group.status = ListingStatus.pending_review
        audit("group.submitted", by=by, group=group)


def apply_listing(group: Group, data: ListingData, *, by: Any) -> None:
    """An edit that takes effect at once, whatever the listing's status: an operator's decision
    (an admin's import with ``--publish``; an import's change the app doesn't review, such as
    hiding the address or the facilitators). Validated like every edit; nothing written on an
    error."""
    with transaction():
        errors = validate_listing(data, by, group, accept_public_venue=True)
        if errors:
            raise InvalidInput(_("Please correct the marked fields."), field_errors=errors)
        _apply(group, data, by)
        group.updated_at = now_utc()
        mark_confirmed(group)
        audit("group.edited", by=by, group=group, details={"outcome": "applied"})


def publish(group: Group, *, by: Any) -> None:
    """Draft → published at once, without review: an operator's decision (the demo seeder, an
    admin's import with ``--publish``), never an organizer's. Needs a venue and a schedule."""
    with transaction():
        problems: dict[str, list[str]] = {}
        if group.venue is None:
            problems["venue_id"] = [_("Choose where the group meets before publishing.")]
        if not group.schedules:
            problems["schedules"] = [_("Add when the group meets before publishing.")]
        if group.status == ListingStatus.published:
            problems["status"] = [_("This listing is already published.")]
        if problems:
            raise InvalidInput(_("This listing can't be published yet."), field_errors=problems)
        group.status = ListingStatus.published
        group.published_at = group.published_at or now_utc()
        group.review_reason = ""
        audit("group.published", by=by, group=group)


def add_co_organizer(group: Group, email: str, *, by: Any) -> None:
    """Share a listing with another organizer's account, found by email.

    The answer is the same whether or not an account exists for the email: organizers must not
    learn who else has an account (no enumeration).
    """
    from ..accounts.models import User

    with transaction():
        try:
            address = validation.normalize_email(email)
        except validation.InvalidEmail as exc:
            raise InvalidInput(field_errors={"email": [str(exc)]}) from None
        user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == address))
        if user is not None and user.is_enabled and user not in group.organizers:
            group.organizers.append(user)
            audit("group.co_organizer_added", by=by, group=group, subject=user)


def get_group_for_editor(group_id: int, user: Any) -> Group:
    """A group the user may edit (the rule is ``permissions.can_edit_group``, written once);
    ``NotFound`` for anyone else's, as for a missing one (a guess learns nothing)."""
    from .. import permissions

    group = db.session.get(Group, group_id)
    if group is None or not permissions.can_edit_group(user, group):
        raise NotFound(_("We couldn't find that listing among yours."))
    return group
