"""Keeping listings current: reminders to organizers, the one-click "still correct" link, and
what happens when nobody answers (``freshness`` decides when; this module writes).

The link's token is signed and expiring like the account links, over the listing, the
organizer and the listing's ``confirmed_at``: once used (or once the listing is confirmed any
other way) it stops working. Nothing is stored for it; opening it never writes (mail scanners
open links), only the button on the page it opens does.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import hashlib
import hmac
import logging
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .. import mail
from ..accounts.models import User
from ..audit import audit
from ..db import now_utc
from ..exceptions import GroupfinderError
from ..extensions import db
from ..schedules.words import format_long_date
from ..transactions import transaction
from ..urls import absolute_url
from .freshness import Facts, Policy, Step, next_step
from .models import Group, ListingReminder, ListingStatus

log = logging.getLogger(__name__)

_SALT = "confirm-listing/query"
BATCH = 100  # listings per write transaction in the daily run: the lock is held briefly


class InvalidConfirmLink(GroupfinderError):
    status = 400
    type_slug = "invalid-link"
    title = "This link doesn't work any more"


def policy() -> Policy:
    return Policy.from_config(current_app.config)


def facts_of(group: Group, reminder: ListingReminder | None) -> Facts:
    return Facts(confirmed_at=group.confirmed_at,
                 reminders_sent=reminder.sent if reminder else 0,
                 last_reminded_at=reminder.last_sent_at if reminder else None,
                 requested_at=reminder.requested_at if reminder else None,
                 out_of_date_since=group.out_of_date_since, hidden_since=group.hidden_since)


def mark_confirmed(group: Group, now: dt.datetime | None = None) -> None:
    """The details are right as of now: the clock starts again and any flag goes. Joins the
    caller's transaction (a saved edit, an import's refresh, a confirm link)."""
    group.confirmed_at = now or now_utc()
    if group.out_of_date_since is not None:
        group.out_of_date_since = None
    if group.hidden_since is not None:
        group.hidden_since = None
    reminder = db.session.get(ListingReminder, group.id) if group.id is not None else None
    if reminder is not None:
        db.session.delete(reminder)


# --- the link --------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(group: Group, user: User) -> str:
    state_text = f"{group.id}|{user.id}|{group.confirmed_at.timestamp():.6f}"
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, state_text.encode(), hashlib.sha256).hexdigest()[:32]


def make_confirm_token(group: Group, user: User) -> str:
    return _serializer().dumps({"gid": group.id, "uid": user.id, "fp": _fingerprint(group, user)})


def read_confirm_token(token: str) -> tuple[Group, User]:
    """The listing and organizer of a genuine, unexpired, unused link; ``InvalidConfirmLink``
    otherwise (never telling which, nor anything about the listing)."""
    invalid = InvalidConfirmLink(_(
        "This link has expired or has already been used. If the listing still needs confirming, "
        "sign in and open it from your dashboard."))
    if not token or len(token) > 1000:
        raise invalid
    try:
        data: Any = _serializer().loads(token, max_age=int(policy().link_lifetime.total_seconds()))
    except (SignatureExpired, BadSignature):
        raise invalid from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("gid", "uid")):
        raise invalid
    group, user = db.session.get(Group, data["gid"]), db.session.get(User, data["uid"])
    if (group is None or user is None or not user.is_enabled or user not in group.organizers
            or group.status != ListingStatus.published or not isinstance(data.get("fp"), str)
            or not hmac.compare_digest(_fingerprint(group, user), data["fp"])):
        raise invalid
    return group, user


def confirm_with_link(token: str) -> Group:
    """The organizer's "still correct": confirmed now; the link then stops working."""
    read_confirm_token(token)  # a bad link is refused before the write lock is taken
    with transaction():
        group, user = read_confirm_token(token)  # again: it may have been used meanwhile
        was = group.hidden_since is not None or group.out_of_date_since is not None
        mark_confirmed(group)
        audit("group.confirmed", by=user, group=group, details={"via": "link", "was_flagged": was})
    log.info("group.confirmed group=%s via=link", group.id)
    return group


def confirm_signed_in(group: Group, *, by: Any) -> bool:
    """The same "still correct", from the organizer's own page (signed in). Only a published
    listing has anything to confirm: ``False`` (nothing written) otherwise."""
    if group.status != ListingStatus.published:
        return False
    with transaction():
        mark_confirmed(group)
        audit("group.confirmed", by=by, group=group, details={"via": "dashboard"})
    return True


# --- reminders -------------------------------------------------------------------------------

def _recipients(group: Group) -> list[User]:
    return sorted((u for u in group.organizers if u.is_enabled), key=lambda u: u.id)


def _days(n: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", n)


# Written inside ``mail.speaking(language)``: ``_`` speaks the organizer's language.

def _reminder_mail(group: Group, user: User, second: bool, language: str) -> tuple[str, str]:
    link = absolute_url("confirm.confirm", token=make_confirm_token(group, user))
    edit = absolute_url("manage.group_edit", group_id=group.id)
    p = policy()
    lead = (_("We asked a couple of weeks ago and haven't heard back.") + " " if second else "")
    question = _('Is the listing for "%(name)s" still correct? It was last confirmed on '
                 '%(date)s.', name=group.name,
                 date=format_long_date(group.confirmed_at.date(), language=language))
    if second:
        after = _("If nobody confirms within %(gap)s, the listing will say it may be out of date, "
                  "and %(grace)s later it will leave search results (its page stays, and it "
                  "comes back as soon as you confirm).",
                  gap=_days(p.gap.days), grace=_days(p.grace.days))
        subject = _('Reminder: Is "%(name)s" still correct?', name=group.name)
    else:
        after = _("People plan their week around listings like yours: a quick check keeps them "
                  "from arriving at an empty room.")
        subject = _('Is "%(name)s" still correct?', name=group.name)
    body = (_("Hello,") + f"\n\n{lead}{question}\n\n"
            + _("If nothing has changed, one click confirms it (no sign-in needed):")
            + f"\n{link}\n\n"
            + _("If something changed (time, place, contact), edit it here:")
            + f"\n{edit}\n\n{after}\n")
    return subject, body


def _hidden_mail(group: Group, language: str) -> tuple[str, str]:
    subject = _('"%(name)s" no longer appears in search results', name=group.name)
    body = (_("Hello,") + "\n\n"
            + _('Nobody has confirmed the listing for "%(name)s" since %(date)s, so it no longer '
                'appears in search results. Its page stays, saying it may be out of date.',
                name=group.name,
                date=format_long_date(group.confirmed_at.date(), language=language))
            + "\n\n" + _("To bring it back, sign in and confirm or edit it:")
            + f"\n{absolute_url('manage.group_edit', group_id=group.id)}\n")
    return subject, body


def _apply_step(group: Group, reminder: ListingReminder | None, step: Step,
                now: dt.datetime) -> None:
    if step in (Step.first_reminder, Step.second_reminder):
        if reminder is None:
            reminder = ListingReminder(group_id=group.id, sent=0)
            db.session.add(reminder)
        reminder.sent = (reminder.sent or 0) + 1
        reminder.last_sent_at = now
        if group.external_key is None:  # an imported listing is confirmed by its refresh
            for user in _recipients(group):
                with mail.speaking(mail.language_of(user)) as language:
                    subject, body = _reminder_mail(group, user, step == Step.second_reminder,
                                                   language)
                mail.send(user.email, subject, body)
    elif step == Step.mark_out_of_date:
        group.out_of_date_since = now
        audit("group.flagged_out_of_date", by=None, group=group)
    elif step == Step.hide:
        group.hidden_since = now
        audit("group.hidden_unconfirmed", by=None, group=group)
        for user in _recipients(group):
            with mail.speaking(mail.language_of(user)) as language:
                subject, body = _hidden_mail(group, language)
            mail.send(user.email, subject, body)


def _candidates(now: dt.datetime, p: Policy) -> list[int]:
    """Published listings that may have a step due: a superset, each decided by ``next_step``."""
    return list(db.session.scalars(
        sa.select(Group.id).outerjoin(ListingReminder, ListingReminder.group_id == Group.id)
        .where(Group.status == ListingStatus.published, Group.hidden_since.is_(None),
               sa.or_(Group.confirmed_at <= now - p.every, ListingReminder.group_id.is_not(None)))
        .order_by(Group.id)))


def run_reminders(now: dt.datetime | None = None, *,
                  dry_run: bool = False) -> collections.Counter[str]:
    """The daily run: at most one step per listing, in short batches. Returns the steps taken
    (``dry_run``: the steps it would take; nothing written, nothing sent)."""
    now = now or now_utc()
    p = policy()
    done: collections.Counter[str] = collections.Counter()
    ids = _candidates(now, p)
    for start in range(0, len(ids), BATCH):
        with contextlib.nullcontext() if dry_run else transaction():
            for group_id in ids[start:start + BATCH]:
                group = db.session.get(Group, group_id)
                if group is None or group.status != ListingStatus.published:
                    continue
                reminder = db.session.get(ListingReminder, group_id)
                step = next_step(facts_of(group, reminder), now, p)
                if step is not None:
                    if not dry_run:
                        _apply_step(group, reminder, step, now)
                    done[step.value] += 1
    if done and not dry_run:
        log.info("freshness.run %s", " ".join(f"{k}={v}" for k, v in sorted(done.items())))
    return done


def request_confirmation(group: Group, now: dt.datetime | None = None) -> None:
    """Ask now rather than on the usual day (reports say meetings are not happening): the
    first reminder goes at once, unless reminders are already running. Joins the caller's
    transaction."""
    now = now or now_utc()
    reminder = db.session.get(ListingReminder, group.id)
    if reminder is None:
        reminder = ListingReminder(group_id=group.id, sent=0)
        db.session.add(reminder)
    if reminder.requested_at is None:
        reminder.requested_at = now
    step = next_step(facts_of(group, reminder), now, policy())
    if step == Step.first_reminder:
        _apply_step(group, reminder, step, now)
