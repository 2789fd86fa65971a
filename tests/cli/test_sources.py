"""`groupfinder sources add|refresh|list`: thin commands over interop.sources."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from groupfinder.extensions import db
from groupfinder.groups.models import Group
from groupfinder.organisations.models import Organisation

FEEDS = Path(__file__).resolve().parents[1] / "integration" / "feeds"


def run(app, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["sources", *args])


def test_add_refresh_and_list(app):
    db.session.add(Organisation(slug="district-9", name="District 9 Intergroup"))
    db.session.commit()
    result = run(app, "add", "District 9", str(FEEDS / "tsml_site.json"),
                 "--organisation", "district-9", "--default-condition", "addiction-recovery")
    assert result.exit_code == 0, result.output
    assert 'Run: groupfinder sources refresh "District 9"' in result.output

    result = run(app, "refresh", "District 9")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "District 9: 5 entries; 3 added, 0 changed, 0 removed, 0 unchanged, 0 kept, 2 skipped." in out
    assert "  Thursday Step Study [thursday-step-study]" in out
    assert "  Lunchtime Online Group [lunchtime-online]: online only" in out
    assert "Written in one transaction." in out
    assert "checking" not in out and "writing" not in out  # no bar: not a terminal
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)) == 3

    result = run(app, "refresh")  # all sources; nothing changed
    assert result.exit_code == 0
    assert "3 unchanged" in result.output and "Nothing was written." in result.output

    result = run(app, "list")
    assert result.exit_code == 0
    assert "District 9\t" in result.output and "organisation: district-9" in result.output
    assert "added 3" in result.output


def test_mistakes_are_said_and_exit_non_zero(app):
    result = run(app, "add", "X", "ftp://example.org/feed.json", "--organisation", "nope")
    assert result.exit_code == 1
    assert "url: ftp://example.org/feed.json is neither" in result.output
    assert "organisation: No organisation has the slug 'nope'." in result.output
    result = run(app, "refresh", "Nobody")
    assert result.exit_code == 1 and "No source is named 'Nobody'" in result.output
    assert "No sources yet" in run(app, "list").output


def test_a_failed_refresh_exits_non_zero(app, tmp_path):
    feed = tmp_path / "feed.json"
    feed.write_text("[]", encoding="utf-8")
    assert run(app, "add", "Gone", str(feed)).exit_code == 0
    feed.unlink()
    result = run(app, "refresh", "Gone")
    assert result.exit_code == 1 and "Gone: not refreshed: Can't read" in result.output
