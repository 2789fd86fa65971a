"""The CSV's optional ``organisation`` column: exported with each group, found by name on import
(an organizer's own organisations only; an admin or the command line creates a missing one)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import sqlalchemy as sa

from groupfinder.extensions import db
from groupfinder.groups.models import Group
from groupfinder.interop.csv_export import export_csv
from groupfinder.interop.importing import import_listings
from groupfinder.organisations.models import MemberRole, Organisation
from groupfinder.organisations.services import OrganisationData, create_organisation
from tests.factories import make_user

from .test_import import EXAMPLE


def _with_organisation(body: bytes | Path, names: dict[str, str]) -> bytes:
    """The file with an ``organisation`` column: ``names`` by group key, on each group's rows."""
    text = (body if isinstance(body, bytes) else body.read_bytes()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    if "organisation" not in header:
        header.append("organisation")
        for row in rows[1:]:
            row.append("")
    at, key = header.index("organisation"), header.index("group_key")
    for row in rows[1:]:
        if row[key] in names:
            row[at] = names[row[key]]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def _orgs() -> dict[str, str | None]:
    db.session.expire_all()
    return {g.external_key: g.organisation.name if g.organisation else None
            for g in db.session.scalars(sa.select(Group))}


def test_the_command_line_creates_a_missing_organisation_and_the_export_names_it(app):
    existing = create_organisation(OrganisationData(name="Mind in Manchester"), by=None)
    body = _with_organisation(EXAMPLE, {"ex-man-tea": "Mind in Manchester",
                                        "ex-lds-walk": "Leeds Peer Support"})
    report = import_listings(body, publish=True)
    assert report.ok, [str(p) for p in report.problems]
    orgs = _orgs()
    assert orgs["ex-man-tea"] == "Mind in Manchester" and orgs["ex-lds-walk"] == "Leeds Peer Support"
    assert db.session.scalar(sa.select(Group).where(Group.external_key == "ex-man-tea")) \
        .organisation_id == existing.id
    created = db.session.scalar(sa.select(Organisation).where(
        Organisation.name == "Leeds Peer Support"))
    assert created.slug == "leeds-peer-support" and created.memberships == []
    exported = export_csv().body
    assert "Leeds Peer Support" in exported.decode()
    again = import_listings(exported, publish=True)
    assert again.ok and not again.changes, again.summary()


def test_an_organizer_may_name_only_their_own_organisations(app):
    alice = make_user("alice@example.org")
    db.session.commit()
    create_organisation(OrganisationData(name="Alice's charity"), by=alice)
    create_organisation(OrganisationData(name="Someone else's"), by=None)
    body = _with_organisation(EXAMPLE, {"ex-man-tea": "Someone else's"})
    report = import_listings(body, by=alice)
    assert not report.ok and db.session.scalar(
        sa.select(sa.func.count()).select_from(Group)) == 0
    [problem] = [p for p in report.errors if p.column == "organisation"]
    assert problem.line > 1 and "you don't belong to an organisation named" in problem.message
    fine = import_listings(_with_organisation(EXAMPLE, {"ex-man-tea": "Alice's charity"}), by=alice)
    assert fine.ok, [str(p) for p in fine.problems]
    assert set(_orgs().values()) == {"Alice's charity"}  # the rest: her only organisation


def test_an_organizer_in_several_organisations_must_say_which_runs_a_new_group(app):
    alice = make_user("alice@example.org")
    db.session.commit()
    for name in ("First", "Second"):
        create_organisation(OrganisationData(name=name), by=alice)
    report = import_listings(EXAMPLE, by=alice)
    assert not report.ok
    assert {p.column for p in report.errors} == {"organisation"}


def test_an_organizer_without_an_organisation_gets_one_named_for_them(app):
    alice = make_user("alice@example.org", display_name="Alice Smith")
    db.session.commit()
    assert import_listings(EXAMPLE, by=alice).ok
    assert set(_orgs().values()) == {"Alice Smith's groups"}
    [org] = db.session.scalars(sa.select(Organisation)).all()
    assert [(m.user_id, m.role) for m in org.memberships] == [(alice.id, MemberRole.owner)]
