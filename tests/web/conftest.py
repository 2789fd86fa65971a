"""Two committed organizer accounts, for the pages that must keep one organizer's records from
the other."""

from __future__ import annotations

import pytest
from flask import Flask

from groupfinder.accounts.models import User
from groupfinder.extensions import db

from .. import factories


@pytest.fixture
def alice(app: Flask) -> User:
    user = factories.make_user("alice@example.org")
    db.session.commit()
    return user


@pytest.fixture
def bob(app: Flask) -> User:
    user = factories.make_user("bob@example.org")
    db.session.commit()
    return user
