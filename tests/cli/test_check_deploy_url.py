"""``check-deploy --url``: a running deployment checked from outside.

The real test serves an app configured like production (not TESTING, one proxy hop, rate
limits on, an https BASE_URL, a published group) with werkzeug on 127.0.0.1, and puts a
"TLS-terminating proxy" in the fetch function: https://groups.example.test/… goes to the server
with ``X-Forwarded-Proto: https`` and the public Host, plain http:// without, as nginx would.
The checks then see what a browser would, the http → https redirect included. A unit test with
a fake fetch covers each failure's code.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from groupfinder import deploycheck
from groupfinder.cli import main
from groupfinder.deploycheck import Response, check_url, fetch_url
from groupfinder.extensions import db

from ..conftest import _prepare, make_app
from ..factories import make_group

PUBLIC = "https://groups.example.test"  # make_app's BASE_URL


class _QuietHandler(WSGIRequestHandler):
    """No request log, and a Server header without a version (nginx with server_tokens off)."""

    def log_request(self, *args: object, **kwargs: object) -> None:
        pass

    def version_string(self) -> str:
        return "groupfinder-test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("check-deploy-url")
    app = make_app(f"sqlite:///{folder}/gf.sqlite3", TESTING=False, PROXY_HOPS=1,
                   RATELIMIT_ENABLED=True)
    _prepare(app, demo=False)
    with app.app_context():
        make_group(name="Check Deploy Peer Support")
        db.session.commit()
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_port
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def through_proxy(port: int) -> Callable[[str, Mapping[str, str]], Response]:
    """The fetch a client of the public site gets: a TLS-terminating proxy on groups.example.test
    forwarding to the app on ``port``."""

    def fetch(url: str, headers: Mapping[str, str]) -> Response:
        parts = urllib.parse.urlsplit(url)
        assert parts.hostname == "groups.example.test", url  # never anywhere else
        forwarded = {**headers, "Host": parts.netloc, "X-Forwarded-For": "203.0.113.9"}
        if parts.scheme == "https":
            forwarded["X-Forwarded-Proto"] = "https"
        target = f"http://127.0.0.1:{port}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        return fetch_url(target, forwarded, timeout=10)

    return fetch


def ids(findings: list[deploycheck.Finding]) -> set[str]:
    return {f.id for f in findings}


def test_a_healthy_deployment_passes(server):
    findings = check_url(PUBLIC, fetch=through_proxy(server))
    assert findings == []  # the redirect was checked too: no "skipped" line


def test_a_proxy_that_drops_hsts_and_adds_a_cookie_fails(server):
    proxy = through_proxy(server)

    def careless(url: str, headers: Mapping[str, str]) -> Response:
        answer = proxy(url, headers)
        kept = tuple((k, v) for k, v in answer.headers if k.lower() != "strict-transport-security")
        return Response(answer.status, kept + (("Set-Cookie", "lb=abc; Path=/"),), answer.body)

    findings = check_url(PUBLIC, fetch=careless)
    assert {"GF-E105", "GF-E110"} <= ids(findings), findings
    assert all(f.level == "error" for f in findings)


def test_the_cli_passes_and_fails_with_one_line_per_finding(server, monkeypatch):
    import groupfinder.app

    def no_app(*args: object, **kwargs: object) -> None:
        raise AssertionError("--url must not need the app or its settings")

    monkeypatch.setattr(groupfinder.app, "create_app", no_app)
    from click.testing import CliRunner

    runner = CliRunner()
    monkeypatch.setattr(deploycheck, "fetch_url", through_proxy(server))
    result = runner.invoke(main, ["check-deploy", "--url", PUBLIC])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"No deployment errors found at {PUBLIC}."

    # Straight to the app, without the proxy: it sees plain http and sends pages to https.
    monkeypatch.setattr(deploycheck, "fetch_url", fetch_url)
    result = runner.invoke(main, ["check-deploy", "--url", f"http://127.0.0.1:{server}"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("GF-I102 [info]") for line in lines)
    assert any(line.startswith("GF-E103 [error] GET / answered 302 (to https://") for line in lines)
    assert not any(line.startswith(("GF-E113", "GF-E114")) for line in lines)  # probes: plain http ok
    assert lines[-1].endswith(f"error(s) at http://127.0.0.1:{server}.")


# --- check_url against a fake site -------------------------------------------------------------

SECURE_HEADERS = (
    ("Content-Type", "text/html; charset=utf-8"),
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("Content-Security-Policy", "default-src 'none'; script-src 'self'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Server", "nginx"),
)
JSON = (("Content-Type", "application/json"),)


def healthy_site() -> dict[str, Response]:
    return {
        "https://groups.example.org/": Response(200, SECURE_HEADERS, b"<html>"),
        "http://groups.example.org/": Response(301, (("Location", "https://groups.example.org/"),)),
        "https://groups.example.org/search?where=M1+1AE": Response(200, SECURE_HEADERS),
        "https://groups.example.org/accounts/login": Response(200, SECURE_HEADERS + (
            ("Set-Cookie", "__Host-session=x; Secure; HttpOnly; Path=/; SameSite=Lax"),)),
        "https://groups.example.org/healthz": Response(200, JSON, b'{"status":"ok"}'),
        "https://groups.example.org/readyz": Response(
            200, JSON, b'{"status":"ok","checks":{"database":"ok"}}'),
        "https://groups.example.org/api/meeting-guide.json": Response(
            200, (("Content-Type", "application/json; charset=utf-8"), ("ETag", '"abc"')), b"[]"),
        "https://groups.example.org/search/calendar.ics?where=M1+1AE": Response(
            200, (("Content-Type", "text/calendar; charset=utf-8"),), b"BEGIN:VCALENDAR"),
        "https://groups.example.org/api/v1/groups?where=M1+1AE": Response(200, JSON, b'{"results":[]}'),
        "https://groups.example.org/api/v1/groups?lat=abc&lng=0": Response(
            422, (("Content-Type", "application/problem+json"),), b"{}"),
        "https://groups.example.org/.git/HEAD": Response(404),
    }


def fake(site: dict[str, Response]) -> Callable[[str, Mapping[str, str]], Response]:
    def fetch(url: str, headers: Mapping[str, str]) -> Response:
        if url.endswith("/meeting-guide.json") and headers.get("If-None-Match") == '"abc"':
            return site.get("304", Response(304))
        if url not in site:
            raise ConnectionRefusedError(111, "Connection refused")
        return site[url]

    return fetch


def test_a_healthy_fake_site_passes():
    assert check_url("https://groups.example.org/", fetch=fake(healthy_site())) == []


@pytest.mark.parametrize(("url", "answer", "code", "words"), [
    ("http://groups.example.org/", Response(200, SECURE_HEADERS), "GF-E104", "should redirect"),
    ("http://groups.example.org/", Response(301, (("Location", "https://evil.example/"),)),
     "GF-E104", "evil.example"),
    ("https://groups.example.org/", Response(200, SECURE_HEADERS[:1] + SECURE_HEADERS[2:]),
     "GF-E105", "missing"),
    ("https://groups.example.org/", Response(200, (("Strict-Transport-Security", "max-age=300"),)
                                            + SECURE_HEADERS[2:]), "GF-E105", "max-age=300"),
    ("https://groups.example.org/", Response(200, SECURE_HEADERS[:2] + SECURE_HEADERS[3:]),
     "GF-E106", "missing"),
    ("https://groups.example.org/", Response(200, SECURE_HEADERS[:3] + SECURE_HEADERS[4:]),
     "GF-E107", "nosniff"),
    ("https://groups.example.org/", Response(200, SECURE_HEADERS[:4] + (("Server", "nginx"),)),
     "GF-E108", "missing"),
    ("https://groups.example.org/", Response(200, SECURE_HEADERS[:5] + (("Server", "nginx/1.22.1"),)),
     "GF-W109", "server_tokens off"),
    ("https://groups.example.org/search?where=M1+1AE",
     Response(200, SECURE_HEADERS + (("Set-Cookie", "session=x; Secure"),)), "GF-E110", "session"),
    ("https://groups.example.org/accounts/login",
     Response(200, (("Set-Cookie", "session=x; Path=/"),)), "GF-E112",
     "lacks Secure, HttpOnly, SameSite=Lax, the __Host- prefix"),
    ("https://groups.example.org/healthz", Response(200, (("Content-Type", "text/html"),), b"ok"),
     "GF-E113", "text/html"),
    ("https://groups.example.org/readyz",
     Response(503, JSON, b'{"status":"unavailable","checks":{"database":"unavailable"}}'),
     "GF-E114", "failing: database: unavailable"),
    ("https://groups.example.org/api/meeting-guide.json",
     Response(200, (("Content-Type", "application/json"),), b"[]"), "GF-E115", "ETag missing"),
    ("304", Response(200, JSON, b"[]"), "GF-E116", "not 304"),
    ("https://groups.example.org/search/calendar.ics?where=M1+1AE",
     Response(200, (("Content-Type", "text/calendar"),)), "GF-E117", "text/calendar"),
    ("https://groups.example.org/api/v1/groups?where=M1+1AE",
     Response(500, (("Content-Type", "text/html"),)), "GF-E118", "answered 500"),
    ("https://groups.example.org/api/v1/groups?lat=abc&lng=0",
     Response(400, (("Content-Type", "text/html"),)), "GF-E119", "text/html"),
    ("https://groups.example.org/.git/HEAD", Response(200, (), b"ref: refs/heads/main\n"),
     "GF-E120", "exposed"),
])
def test_each_problem_is_reported_with_its_code(url, answer, code, words):
    site = healthy_site()
    site[url] = answer
    findings = check_url("https://groups.example.org", fetch=fake(site))
    assert [f.id for f in findings] == [code], findings
    assert words in findings[0].message


def test_a_site_that_does_not_answer_is_one_error():
    findings = check_url("https://groups.example.org", fetch=fake({}))
    assert [(f.id, f.level) for f in findings] == [("GF-E101", "error")]
    assert "Connection refused" in findings[0].message


def test_plain_http_is_an_error_except_on_this_machine():
    local = {u.replace("https://groups.example.org", "http://localhost:8000"): r
             for u, r in healthy_site().items() if u.startswith("https://")}
    local["http://localhost:8000/accounts/login"] = Response(
        200, (("Set-Cookie", "session=x; HttpOnly; Path=/; SameSite=Lax"),))
    findings = check_url("http://localhost:8000", fetch=fake(local))
    assert [(f.id, f.level) for f in findings] == [("GF-I102", "info")]  # HSTS, Secure: skipped

    remote = {u.replace("https://", "http://"): r for u, r in healthy_site().items()
              if u.startswith("https://")}
    assert "GF-E102" in ids(check_url("http://groups.example.org", fetch=fake(remote)))


def test_a_closed_port_80_is_a_warning_and_a_bad_url_an_error():
    site = healthy_site()
    del site["http://groups.example.org/"]
    findings = check_url("https://groups.example.org", fetch=fake(site))
    assert [(f.id, f.level) for f in findings] == [("GF-W104", "warning")]
    assert [f.id for f in check_url("groups.example.org", fetch=fake(site))] == ["GF-E100"]
