"""The CLI: upgrade, reference data, idempotent demo seeding and create-admin's input checks."""

import pytest
import sqlalchemy as sa

from groupfinder.extensions import db
from groupfinder.models import Cancellation, Facilitator, GazetteerEntry, Group, User, Venue
from groupfinder.organisations.models import Organisation

from ..conftest import database_url, make_app


def test_upgrade_then_seed_demo_twice_adds_everything_once(backend, tmp_path):
    app = make_app(database_url(backend, "cli", tmp_path))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "added 30 organisations, 410 venues, 250 facilitators, 706 groups" in first.output
    with app.app_context():
        counts = [db.session.scalar(sa.select(sa.func.count()).select_from(m))
                  for m in (Group, Venue, Facilitator, Cancellation, Organisation)]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(GazetteerEntry)) > 70000
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "added 0 organisations, 0 venues, 0 facilitators, 0 groups" in second.output
    with app.app_context():
        assert counts == [db.session.scalar(sa.select(sa.func.count()).select_from(m))
                          for m in (Group, Venue, Facilitator, Cancellation, Organisation)]
        assert counts[0] >= 600 and counts[3] >= 10
        db.engine.dispose()


def test_load_reference_data_reports_counts(backend, tmp_path):
    app = make_app(database_url(backend, "ref", tmp_path))
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["load-reference-data"])
    assert result.exit_code == 0, result.output
    assert "conditions.csv 16" in result.output and "gazetteer:" in result.output
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("email", ["root@@example.org", "root-at-example.org",
                                   "root@example.org\r\nBcc: all@example.org"])
def test_create_admin_with_a_bad_email_says_so_in_one_line_and_exits_non_zero(app, email):
    result = app.test_cli_runner().invoke(args=["create-admin", email],
                                          input="tangerine lighthouse parable\n")
    assert result.exit_code == 1
    assert result.output == "Error (email): Give an email address like name@example.org.\n"
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
