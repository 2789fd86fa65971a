"""The organisation pages under /manage and the invitation link, through HTTP with CSRF on:
creating, editing, inviting (no enumeration), joining, roles, leaving, and what a team may edit."""

from __future__ import annotations

import datetime as dt
import html
import re
import urllib.parse

import pytest
import sqlalchemy as sa

from groupfinder import mail
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import Condition, Group, ListingStatus
from groupfinder.organisations.models import Invitation, MemberRole, Membership, Organisation
from groupfinder.organisations.services import OrganisationData, create_organisation, invite

from ..factories import make_group, make_user, make_venue, sign_in


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def token(client, url: str = "/manage/organisations") -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True))
    assert match
    return match.group(1)


def link_in(message: mail.Mail) -> str:
    match = re.search(r"https://groups\.example\.test(/organisations/join\?token=\S+)", message.body)
    assert match, message.body
    return match.group(1)


def org_group(org: Organisation, **kw: object) -> Group:
    group = make_group(organisation_id=org.id, **kw)  # type: ignore[arg-type]
    group.conditions = [db.session.scalar(sa.select(Condition).where(Condition.slug == "anxiety"))]
    db.session.commit()
    return group


@pytest.fixture
def team(app, alice, bob):  # type: ignore[no-untyped-def]
    """Alice owns "Mind in Salford"; Bob is a member."""
    org = create_organisation(OrganisationData(name="Mind in Salford"), by=alice)
    db.session.add(Membership(organisation_id=org.id, user_id=bob.id, role=MemberRole.member))
    db.session.commit()
    return org


def test_an_organizer_creates_an_organisation_and_becomes_its_owner(client, alice):
    sign_in(client, alice)
    tok = token(client)
    bad = client.post("/manage/organisations", data={"csrf_token": tok, "name": "",
                                                     "website": "nami.example"})
    assert bad.status_code == 422 and "Give the organisation a name." in text_of(bad)
    assert "Give a full web address" in text_of(bad)
    r = client.post("/manage/organisations", data={
        "csrf_token": tok, "name": "NAMI Example", "description": "Peer support.",
        "website": "https://nami.example"})
    org = db.session.scalar(sa.select(Organisation))
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/manage/organisations/{org.id}")
    assert [(m.user_id, m.role) for m in org.memberships] == [(alice.id, MemberRole.owner)]
    page = text_of(client.get(f"/manage/organisations/{org.id}"))
    assert "NAMI Example" in page and "Invite someone" in page
    assert "NAMI Example" in text_of(client.get("/manage/organisations"))


def test_posting_without_the_csrf_token_changes_nothing(client, alice, team):
    sign_in(client, alice)
    r = client.post(f"/manage/organisations/{team.id}", data={"name": "Hijacked"})
    assert r.status_code in (400, 422)
    db.session.expire_all()
    assert team.name == "Mind in Salford"


def test_an_owner_edits_the_details_and_a_stale_form_is_a_conflict(client, alice, team):
    sign_in(client, alice)
    tok = token(client, f"/manage/organisations/{team.id}")
    loaded = str(team.version)
    ok = client.post(f"/manage/organisations/{team.id}", data={
        "csrf_token": tok, "name": "Salford Mind", "description": "", "website": "",
        "version": loaded})
    assert ok.status_code == 302
    stale = client.post(f"/manage/organisations/{team.id}", data={
        "csrf_token": tok, "name": "Other", "description": "", "website": "", "version": loaded})
    assert stale.status_code == 409 and 'value="Other"' in text_of(stale)
    db.session.expire_all()
    assert (team.name, team.slug) == ("Salford Mind", "mind-in-salford")


def test_inviting_answers_the_same_whether_or_not_an_account_exists(client, alice, bob, team):
    make_user("cat@example.org")
    db.session.commit()
    sign_in(client, alice)
    tok = token(client, f"/manage/organisations/{team.id}")
    answers = []
    for address in ("cat@example.org", "nobody@example.org", "bob@example.org"):
        r = client.post(f"/manage/organisations/{team.id}/invite",
                        data={"csrf_token": tok, "email": address, "role": "member"},
                        follow_redirects=True)
        notices = re.findall(r'<p class="notice[^"]*">([^<]*)</p>', text_of(r))
        answers.append((r.status_code, [n.replace(address, "ADDRESS") for n in notices]))
    assert answers[0] == answers[1] == answers[2]
    answers = [" ".join(a[1]) for a in answers]
    assert "If ADDRESS can be invited, we've sent an invitation" in answers[0]
    # Bob is already on the team: nothing is sent to him.
    assert sorted(m.to for m in mail.outbox()) == ["cat@example.org", "nobody@example.org"]
    bad = client.post(f"/manage/organisations/{team.id}/invite",
                      data={"csrf_token": tok, "email": "not an address", "role": "member"})
    assert bad.status_code == 422 and "like name@example.org" in text_of(bad)


def test_a_member_sees_the_team_but_only_owners_manage_it(client, alice, bob, team):
    sign_in(client, bob)
    tok = token(client, f"/manage/organisations/{team.id}")
    page = text_of(client.get(f"/manage/organisations/{team.id}"))
    assert "You are a member" in page and "Invite someone" not in page
    assert "A team member with no name yet" in page  # Alice, whose address is for owners
    assert "alice@example.org" not in page and "bob@example.org" in page
    for url, data in [
        (f"/manage/organisations/{team.id}", {"name": "Hijacked"}),
        (f"/manage/organisations/{team.id}/invite", {"email": "x@example.org", "role": "owner"}),
        (f"/manage/organisations/{team.id}/members/{bob.id}/role", {"role": "owner"}),
        (f"/manage/organisations/{team.id}/members/{alice.id}/remove", {}),
    ]:
        assert client.post(url, data={"csrf_token": tok, **data}).status_code == 403, url
    db.session.expire_all()
    assert team.name == "Mind in Salford" and db.session.scalar(
        sa.select(sa.func.count()).select_from(Invitation)) == 0
    assert db.session.get(Membership, (team.id, bob.id)).role == MemberRole.member


def test_the_last_owner_cannot_leave_or_be_demoted_and_is_told_why(client, alice, bob, team):
    sign_in(client, alice)
    tok = token(client, f"/manage/organisations/{team.id}")
    left = client.post(f"/manage/organisations/{team.id}/leave", data={"csrf_token": tok},
                       follow_redirects=True)
    assert "at least one owner" in text_of(left)
    demoted = client.post(f"/manage/organisations/{team.id}/members/{alice.id}/role",
                          data={"csrf_token": tok, "role": "member"}, follow_redirects=True)
    assert "at least one owner" in text_of(demoted)
    client.post(f"/manage/organisations/{team.id}/members/{bob.id}/role",
                data={"csrf_token": tok, "role": "owner"})
    r = client.post(f"/manage/organisations/{team.id}/leave", data={"csrf_token": tok})
    assert r.status_code == 302 and r.headers["Location"].endswith("/manage/organisations")
    db.session.expire_all()
    assert [(m.user_id, m.role) for m in team.memberships] == [(bob.id, MemberRole.owner)]


def test_an_owner_removes_a_member(client, alice, bob, team):
    sign_in(client, alice)
    tok = token(client, f"/manage/organisations/{team.id}")
    r = client.post(f"/manage/organisations/{team.id}/members/{bob.id}/remove",
                    data={"csrf_token": tok})
    assert r.status_code == 302
    assert db.session.get(Membership, (team.id, bob.id)) is None


def test_joining_by_the_mailed_link_signed_out_then_in(client, alice, team):
    cat = make_user("cat@example.org")
    db.session.commit()
    invite(team, "cat@example.org", "owner", by=alice)
    [message] = mail.outbox()
    url = link_in(message)
    landing = client.get(url)  # the token goes into the session, out of the address bar
    assert landing.status_code == 303 and landing.headers["Location"] == "/organisations/join"
    signed_out = client.get("/organisations/join")
    body = text_of(signed_out)
    assert signed_out.status_code == 200 and "Mind in Salford" in body and "Register" in body
    back = re.search(r'href="(/accounts/login\?next=[^"]+)"', body).group(1)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(back).query)["next"] == [url]
    sign_in(client, cat)
    client.get(url)
    tok = token(client, "/organisations/join")
    r = client.post("/organisations/join", data={"csrf_token": tok})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/manage/organisations/{team.id}")
    assert db.session.get(Membership, (team.id, cat.id)).role == MemberRole.owner
    client.get(url)
    again = client.post("/organisations/join", data={"csrf_token": tok})
    assert again.status_code == 404 and "already been used" in text_of(again)


def test_an_invitation_opened_by_another_account_is_refused(client, alice, team):
    make_user("cat@example.org")
    dan = make_user("dan@example.org")
    db.session.commit()
    invite(team, "cat@example.org", "member", by=alice)
    url = link_in(mail.outbox()[0])
    sign_in(client, dan)
    client.get(url)
    r = client.post("/organisations/join", data={"csrf_token": token(client, "/organisations/join")})
    assert r.status_code == 422 and "sent to another email address" in text_of(r)
    assert "cat@example.org" not in text_of(r)
    assert db.session.get(Membership, (team.id, dan.id)) is None


def test_an_expired_or_unknown_link_gets_one_answer(client, alice, team):
    invite(team, "cat@example.org", "member", by=alice)
    url = link_in(mail.outbox()[0])
    db.session.scalar(sa.select(Invitation)).expires_at = (
        dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    db.session.commit()
    expired = client.get(url, follow_redirects=True)
    unknown = client.get("/organisations/join?token=nonsense", follow_redirects=True)
    assert expired.status_code == unknown.status_code == 404
    assert text_of(expired) == text_of(unknown)


def test_a_member_edits_the_teams_groups_and_another_organisation_gets_404(client, alice, bob, team):
    group = org_group(team, status=ListingStatus.draft)  # Bob is not one of its organizers
    outsider = make_user("eve@example.org")
    db.session.commit()
    create_organisation(OrganisationData(name="Eve's charity"), by=outsider)
    sign_in(client, bob)
    assert client.get(f"/manage/groups/{group.id}").status_code == 200
    assert group.name in text_of(client.get("/manage/"))
    sign_in(client, outsider)
    assert client.get(f"/manage/groups/{group.id}").status_code == 404
    assert client.get(f"/manage/organisations/{team.id}").status_code == 404
    assert group.name not in text_of(client.get("/manage/"))


def test_a_team_shares_its_venues_and_facilitators(client, alice, bob, team):
    venue = make_venue(owner_id=alice.id, name="Alice's Hall")
    person = Facilitator(owner_id=alice.id, name="Sam")
    db.session.add(person)
    stranger = make_user("eve@example.org")
    make_venue(owner_id=stranger.id, name="Eve's Hall")
    db.session.commit()
    sign_in(client, bob)
    form = text_of(client.get("/manage/groups/new"))
    assert "Alice's Hall" in form and "Sam" in form and "Eve's Hall" not in form
    assert client.get(f"/manage/venues/{venue.id}").status_code == 200
    assert client.get(f"/manage/facilitators/{person.id}").status_code == 200
    sign_in(client, stranger)
    assert client.get(f"/manage/venues/{venue.id}").status_code == 404


def test_the_group_form_asks_for_the_organisation_when_there_are_several(client, alice, team):
    second = create_organisation(OrganisationData(name="Second charity"), by=alice)
    sign_in(client, alice)
    tok = token(client, "/manage/groups/new")
    data = {"csrf_token": tok, "name": "Tuesday Talk", "description": "Calm.", "cost": "Free",
            "what_to_expect": "Tea.", "conditions": ["anxiety"], "languages": ["en"],
            "venue_id": ""}
    missing = client.post("/manage/groups/new", data=data)
    assert missing.status_code == 422 and "Choose the organisation" in text_of(missing)
    r = client.post("/manage/groups/new", data={**data, "organisation_id": str(second.id)})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(Group)).organisation_id == second.id
    stranger = create_organisation(OrganisationData(name="Not hers"), by=None)
    refused = client.post("/manage/groups/new", data={**data, "organisation_id": str(stranger.id)})
    assert refused.status_code == 422 and "Choose one of your organisations." in text_of(refused)


def test_a_first_group_gets_an_organisation_named_for_its_organizer(client, alice):
    sign_in(client, alice)
    tok = token(client, "/manage/groups/new")
    r = client.post("/manage/groups/new", data={
        "csrf_token": tok, "name": "Tuesday Talk", "description": "Calm.", "cost": "Free",
        "what_to_expect": "Tea.", "conditions": ["anxiety"], "languages": ["en"], "venue_id": ""})
    assert r.status_code == 302
    group = db.session.scalar(sa.select(Group))
    assert group.organisation.name == "alice's groups"
    assert [(m.user_id, m.role) for m in group.organisation.memberships] == [
        (alice.id, MemberRole.owner)]


def test_an_admin_may_put_a_group_in_any_organisation(client, team):
    from groupfinder.accounts.models import Role

    admin = make_user("admin@example.org", role=Role.admin)
    db.session.commit()
    sign_in(client, admin)
    form = text_of(client.get("/manage/groups/new"))
    assert "Mind in Salford" in form
    assert client.get(f"/manage/organisations/{team.id}").status_code == 200
    r = client.post("/manage/groups/new", data={
        "csrf_token": token(client, "/manage/groups/new"), "name": "Tuesday Talk",
        "description": "Calm.", "cost": "Free", "what_to_expect": "Tea.",
        "conditions": ["anxiety"], "languages": ["en"], "venue_id": "",
        "organisation_id": str(team.id)})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(Group)).organisation_id == team.id
