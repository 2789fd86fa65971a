"""Security headers scored by the MDN HTTP Observatory's rules; cookie flags.

The scorer reimplements the Observatory's tests that apply to a response (CSP, cookies,
Referrer-Policy, HSTS, SRI, X-Content-Type-Options, X-Frame-Options, CORS, CORP): a baseline of
100 plus each test's modifier. Target: 100 or more with no negative modifier.
"""

from __future__ import annotations

import re

import pytest

from groupfinder.accounts.models import Role, User
from groupfinder.db import now_utc
from groupfinder.extensions import db

UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "data:", "http:", "https:", "*")


def parse_csp(value: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


def observatory_score(response, *, html: bool) -> dict[str, int]:
    """Modifiers per Observatory test (0 = pass without bonus)."""
    h = response.headers
    scores: dict[str, int] = {}
    csp = parse_csp(h.get("Content-Security-Policy", ""))
    if not csp:
        scores["csp"] = -25
    else:
        scripts = csp.get("script-src", csp.get("default-src", []))
        styles = csp.get("style-src", csp.get("default-src", []))
        if any(v in UNSAFE for v in scripts):
            scores["csp"] = -20
        elif any(v in UNSAFE for v in styles):
            scores["csp"] = -5
        elif csp.get("default-src") == ["'none'"]:
            scores["csp"] = 10
        else:
            scores["csp"] = 0
        # "csp-implemented-with-no-unsafe" also needs these to be explicit, not default-src
        for directive in ("base-uri", "form-action", "frame-ancestors", "object-src"):
            if directive not in csp:
                scores[f"csp-{directive}"] = -5
    cookies = response.headers.getlist("Set-Cookie")
    if cookies:
        session = [c for c in cookies if "session" in c.lower() or "remember" in c.lower()]
        if any("secure" not in c.lower() for c in cookies):
            scores["cookies"] = -20
        elif any("httponly" not in c.lower() for c in session):
            scores["cookies"] = -30
        elif all("samesite" in c.lower() for c in cookies):
            scores["cookies"] = 5
        else:
            scores["cookies"] = 0
    referrer = h.get("Referrer-Policy", "").split(",")[-1].strip().lower()
    if referrer in ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"):
        scores["referrer-policy"] = 5
    elif referrer in ("origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"):
        scores["referrer-policy"] = -5
    hsts = h.get("Strict-Transport-Security", "")
    m = re.search(r"max-age=(\d+)", hsts)
    scores["hsts"] = 0 if m and int(m.group(1)) >= 15768000 else -20
    scores["x-content-type-options"] = 0 if h.get("X-Content-Type-Options") == "nosniff" else -5
    if html:
        if csp.get("frame-ancestors") == ["'none'"] or csp.get("frame-ancestors") == ["'self'"]:
            scores["x-frame-options"] = 5
        elif h.get("X-Frame-Options", "").upper() in ("DENY", "SAMEORIGIN"):
            scores["x-frame-options"] = 0
        else:
            scores["x-frame-options"] = -20
        body = response.get_data(as_text=True)
        external = re.findall(r'<script[^>]+src="(https?:)?//', body)
        scores["sri"] = -5 if external else 0
    if h.get("Access-Control-Allow-Origin") == "*" and h.get("Access-Control-Allow-Credentials"):
        scores["cors"] = -50
    return scores


def get(client, path, **kw):
    return client.get(path, **kw)  # the test client speaks https (conftest)


@pytest.mark.parametrize("path,html", [
    ("/", True), ("/search?where=Leeds", True), ("/about", True), ("/no-such-page", True),
    ("/accounts/login", True), ("/api/v1/groups?where=Leeds", False), ("/api/v1/openapi.json", False),
])
def test_headers_score_100_or_more_with_no_penalty(demo_client, path, html):
    r = get(demo_client, path)
    scores = observatory_score(r, html=html)
    assert all(v >= 0 for v in scores.values()), scores
    assert 100 + sum(scores.values()) >= 100


def test_html_pages_get_the_bonuses(demo_client):
    scores = observatory_score(get(demo_client, "/"), html=True)
    assert scores["csp"] == 10 and scores["referrer-policy"] == 5 and scores["x-frame-options"] == 5
    assert 100 + sum(scores.values()) >= 120


def test_csp_allows_nothing_inline_and_names_every_directive(demo_client):
    csp = parse_csp(get(demo_client, "/").headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["base-uri"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"] and csp["object-src"] == ["'none'"]


def test_other_isolation_headers(demo_client):
    h = get(demo_client, "/").headers
    assert h["Cross-Origin-Opener-Policy"] == "same-origin"
    assert h["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "geolocation=(self)" in h["Permissions-Policy"]
    assert "camera=()" in h["Permissions-Policy"]
    api = get(demo_client, "/api/v1/conditions").headers
    assert api["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert api["Access-Control-Allow-Origin"] == "*" and "Access-Control-Allow-Credentials" not in api


def test_public_pages_set_no_cookie(demo_client):
    for path in ("/", "/search?where=Leeds", "/api/v1/groups?where=Leeds", "/about"):
        assert not get(demo_client, path).headers.getlist("Set-Cookie"), path


def test_session_cookie_is_host_prefixed_secure_httponly_and_samesite(app, client):
    r = get(client, "/accounts/login")
    cookies = r.headers.getlist("Set-Cookie")
    assert cookies, "the sign-in form sets the CSRF session"
    session = next(c for c in cookies if c.startswith("__Host-session="))
    lowered = session.lower()
    assert "secure" in lowered and "httponly" in lowered and "samesite=lax" in lowered
    assert "domain=" not in lowered and "path=/" in lowered
    assert observatory_score(r, html=True)["cookies"] == 5


def test_signed_in_pages_are_not_cached(app, client):
    user = User(email="org@example.org", role=Role.organizer, email_confirmed_at=now_utc())
    db.session.add(user)
    db.session.commit()
    with client.session_transaction() as s:
        s["_user_id"] = user.get_id()
    for path in ("/manage/", "/"):
        assert "no-store" in get(client, path).headers.get("Cache-Control", ""), path


def test_hsts_is_a_year_with_subdomains_over_https(demo_client):
    hsts = get(demo_client, "/").headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
