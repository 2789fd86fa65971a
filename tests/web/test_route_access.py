"""Every route is classified public, organizer or admin; and each class is enforced."""

import re

import pytest

from groupfinder.accounts.models import Role, User
from groupfinder.db import now_utc
from groupfinder.extensions import db
from groupfinder.permissions import ADMIN, ORGANIZER, PUBLIC, access_of


def test_every_route_is_classified(app):
    unclassified = [rule.endpoint for rule in app.url_map.iter_rules()
                    if access_of(app, rule.endpoint) not in (PUBLIC, ORGANIZER, ADMIN)]
    assert unclassified == []


def _urls(app, level):
    for rule in app.url_map.iter_rules():
        if access_of(app, rule.endpoint) != level or "GET" not in rule.methods:
            continue
        values = {arg: 1 for arg in rule.arguments}
        if "token" in rule.arguments:
            values["token"] = "x"
        if "stamp" in rule.arguments:
            values["stamp"] = "2026-12-01T1900"
        path = rule.build(values, append_unknown=False)[1]
        yield re.sub(r"^\|", "", path)


def _sign_in(client, role):
    user = User(email=f"{role}@example.org", role=role, email_confirmed_at=now_utc())
    db.session.add(user)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@pytest.mark.parametrize("level", [ORGANIZER, ADMIN])
def test_anonymous_visitors_are_sent_to_sign_in(app, client, level):
    for url in _urls(app, level):
        r = client.get(url)
        assert r.status_code in (302, 401), url
        if r.status_code == 302:
            assert "/accounts/login" in r.headers["Location"], url


def test_organizers_are_refused_admin_pages(app, client):
    _sign_in(client, Role.organizer)
    for url in _urls(app, ADMIN):
        assert client.get(url).status_code == 403, url


def test_who_may_edit_a_group_is_decided_once_in_permissions(app, monkeypatch):
    """Admins and the group's organizers may edit it; anyone else gets the same ``NotFound`` as
    for a group that does not exist. ``get_group_for_editor`` asks ``can_edit_group``, so the
    rule can't drift between two copies."""
    from flask_login import AnonymousUserMixin

    from groupfinder import permissions
    from groupfinder.errors import NotFound
    from groupfinder.groups.services import get_group_for_editor

    from ..factories import make_group, make_user

    owner, co, other = (make_user(f"{n}@example.org") for n in ("owner", "co", "other"))
    admin = make_user("admin@example.org", Role.admin)
    group = make_group()
    group.organizers = [owner, co]
    db.session.commit()
    for user, allowed in ((owner, True), (co, True), (admin, True), (other, False),
                          (AnonymousUserMixin(), False)):
        assert permissions.can_edit_group(user, group) is allowed
        if allowed:
            assert get_group_for_editor(group.id, user) is group
        elif user.is_authenticated:
            with pytest.raises(NotFound) as found:
                get_group_for_editor(group.id, user)
            with pytest.raises(NotFound) as missing:
                get_group_for_editor(group.id + 1000, user)
            assert found.value.detail == missing.value.detail
    monkeypatch.setattr(permissions, "can_edit_group", lambda user, group: False)
    with pytest.raises(NotFound):
        get_group_for_editor(group.id, owner)
