"""Cached public read models never outlive a commit that changed the data."""

from groupfinder.extensions import db
from groupfinder.readcache import DataGeneration

from ..factories import make_group


def search(client):
    return client.get("/api/v1/groups", query_string={"lat": "53.477", "lng": "-2.235"}).get_json()


def test_every_data_commit_changes_the_token_and_the_answer(app, client):
    group = make_group(name="Before")
    db.session.commit()
    assert [r["name"] for r in search(client)["results"]] == ["Before"]
    token = db.session.get(DataGeneration, 1).token
    group.name = "After"
    db.session.commit()
    assert db.session.get(DataGeneration, 1).token != token
    assert [r["name"] for r in search(client)["results"]] == ["After"]


def test_a_feed_etag_changes_with_the_data_and_a_304_needs_the_current_one(app, client):
    group = make_group()
    db.session.commit()
    url = f"/groups/{group.id}/calendar.ics"
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    group.description = "Changed."
    db.session.commit()
    second = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]


def test_a_rolled_back_change_keeps_the_token(app):
    make_group()
    db.session.commit()
    token = db.session.get(DataGeneration, 1).token
    group = make_group()
    db.session.rollback()
    assert db.session.get(DataGeneration, 1).token == token
    assert group.id is not None
