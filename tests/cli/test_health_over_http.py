"""Health probes answer over plain HTTP in a production configuration: a load balancer calls
gunicorn directly, without the proxy's X-Forwarded-Proto, and must not get the https redirect
every other page gets."""

from __future__ import annotations

import pytest

from groupfinder.extensions import db

from ..conftest import make_app

PLAIN = "http://10.0.0.5:8000"  # gunicorn's own address, as a probe sees it


@pytest.fixture
def production_app(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUPFINDER_INSTANCE_PATH", str(tmp_path))  # no developer's groupfinder.env
    app = make_app(f"sqlite:///{tmp_path}/gf.sqlite3", TESTING=False, PROXY_HOPS=1)
    assert app.config["BASE_URL"].startswith("https://")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_over_plain_http(production_app, path):
    response = production_app.test_client().get(path, base_url=PLAIN)
    assert response.status_code == 200, response.headers.get("Location")
    assert response.get_json()["status"] == "ok"
    assert "Strict-Transport-Security" not in response.headers  # HSTS only over https


def test_everything_else_is_still_sent_to_https(production_app):
    client = production_app.test_client()
    for path in ("/", "/about", "/api/v1/conditions", "/healthz/extra"):
        response = client.get(path, base_url=PLAIN)
        assert response.status_code == 302 and response.headers["Location"].startswith("https://"), path
    # through the proxy (one hop, X-Forwarded-Proto: https) nothing is redirected
    response = client.get("/about", base_url=PLAIN, headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
