"""A bounded same-site crawler over the Flask test client.

Seeds come from every GET route in ``app.url_map`` of the wanted access levels, built with every
real id of the scenario (and ids that do not exist), plus searches, feeds, API queries with each
filter, error pages (404, 405, 422) and the report form. From each response it follows every
same-site link: HTML ``href``/``src``/``action`` (a GET form is submitted with its default
values), absolute site URLs inside JSON and iCalendar, and redirect targets. Only GET (and the
explicit seeds' other methods) are sent; the crawler never changes data.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from groupfinder.permissions import access_of

from .scan import Hit, scan_response, unfold_ics

GET = "GET"


@dataclass(frozen=True)
class Visit:
    method: str
    url: str
    status: int
    content_type: str
    hits: tuple[Hit, ...]
    body: str = field(repr=False, default="")
    cache_control: str = ""


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for name in ("href", "src"):
            if a.get(name):
                self.links.append(a[name])
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                          "fields": []}
        elif self._form is not None and tag in ("input", "button") and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "file"):
                self._form["fields"].append((a["name"], a.get("value", "")))
        elif self._form is not None and tag == "select":
            self._select = a.get("name")
        elif self._form is not None and tag == "option" and self._select and "selected" in a:
            self._form["fields"].append((self._select, a.get("value", "")))
        for name, value in a.items():  # data-* attributes that carry URLs (maps, feeds)
            if name.startswith("data-") and value.startswith(("/", "http")):
                self.links.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            form, self._form = self._form, None
            if form["method"] == "get":
                action = form["action"] or ""
                self.links.append(action)
                filled = [(k, v) for k, v in form["fields"] if v]
                if filled:
                    self.links.append(action + ("&" if "?" in action else "?") + urlencode(filled))


_URL_IN_TEXT = re.compile(r"https?://[^\s\"'<>\\]+[^\s\"'<>\\).,;]")


class Crawler:
    def __init__(self, client: Any, markers: Sequence[str], *, base_url: str, persona: str,
                 limit: int = 400, stop_when_all_found: bool = False) -> None:
        self.client = client
        self.markers = list(markers)
        self.persona = persona
        self.limit = limit
        self.stop_when_all_found = stop_when_all_found
        parts = urlsplit(base_url)
        self.site = (parts.scheme, parts.netloc)
        self.visits: dict[tuple[str, str], Visit] = {}
        self._queue: deque[tuple[str, str]] = deque()

    # -- public

    def run(self, seeds: Iterable[tuple[str, str]]) -> list[Visit]:
        for method, url in seeds:
            self._enqueue(method, url)
        while self._queue and len(self.visits) < self.limit:
            method, url = self._queue.popleft()
            if (method, url) in self.visits:
                continue
            visit, links = self._fetch(method, url)
            self.visits[(method, url)] = visit
            if self.stop_when_all_found and {h.marker for h in self.hits} >= set(self.markers):
                break
            for link in links:
                self._enqueue(GET, link)
        return list(self.visits.values())

    @property
    def hits(self) -> list[Hit]:
        return [h for v in self.visits.values() for h in v.hits]

    @property
    def exhausted(self) -> bool:
        """True when every link found was visited (the limit was not what stopped it)."""
        return not any(item not in self.visits for item in self._queue)

    # -- internals

    def _same_site(self, link: str, base: str) -> str | None:
        if link.startswith(("mailto:", "tel:", "webcal:", "javascript:", "#", "data:")):
            return None
        absolute = urljoin("http://placeholder" + base, link)
        parts = urlsplit(absolute)
        if (parts.scheme, parts.netloc) not in (("http", "placeholder"), self.site):
            return None
        if "{" in parts.path:  # an OpenAPI path template
            return None
        return parts.path + (("?" + parts.query) if parts.query else "")

    def _enqueue(self, method: str, url: str) -> None:
        if (method, url) not in self.visits:
            self._queue.append((method, url))

    def _fetch(self, method: str, url: str) -> tuple[Visit, list[str]]:
        response = self.client.open(url, method=method, follow_redirects=False)
        try:
            # Binary files (the icons every page links to) are scanned as replaced text.
            body = response.get_data().decode("utf-8", "replace")
            ctype = response.content_type or ""
            hits = tuple(scan_response(response, self.markers, where=f"{method} {url} as {self.persona}"))
            found: list[str] = []
            if "html" in ctype:
                parser = _Links()
                parser.feed(body)
                found += parser.links
            elif "json" in ctype:
                found += _json_urls(body)
            elif "calendar" in ctype:
                found += _URL_IN_TEXT.findall(unfold_ics(body))
            if response.headers.get("Location"):
                found.append(response.headers["Location"])
            base = urlsplit(url).path
            links = [u for u in (self._same_site(link, base) for link in found) if u]
            visit = Visit(method, url, response.status_code, ctype, hits, body,
                          response.headers.get("Cache-Control", ""))
        finally:
            response.close()
        return visit, links


def _json_urls(body: str) -> list[str]:
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and value.startswith(("http://", "https://", "/")):
            out.append(value)

    try:
        walk(json.loads(body))
    except ValueError:
        pass
    return out


# --- seeds -----------------------------------------------------------------------------------


def route_seeds(app: Any, levels: Sequence[str], values: dict[str, list[Any]]) -> list[str]:
    """A URL for every GET rule of the given access levels and every combination of the
    candidate ``values`` for its arguments (a rule with an argument nobody provided values for
    fails here, so a new route can't silently escape the crawl)."""
    urls: list[str] = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or access_of(app, rule.endpoint) not in levels:
            continue
        combos: list[dict[str, Any]] = [{}]
        for arg in sorted(rule.arguments):
            if arg not in values:
                raise AssertionError(f"no crawl values for <{arg}> in {rule.rule}: add them")
            combos = [{**c, arg: v} for c in combos for v in values[arg]]
        for combo in combos:
            urls.append(rule.build(combo, append_unknown=False)[1].lstrip("|"))
    return list(dict.fromkeys(urls))
