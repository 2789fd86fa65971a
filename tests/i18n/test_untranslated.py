"""No English left in Spanish or Welsh: every public page, mail and feed, rendered in ``es`` and
``cy``, shows no word of the interface's English outside proper names and organizers' own text.

The English words are those of the catalogue's msgids (plus weekday and month names, and
"1st"-style ordinals), less every word the translation itself uses ("no", "a", "CC BY"…). The
listings here are written in invented words, so whatever English remains came from us. Pages are
found by crawling from the home page in the language, following its own links.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask
from icalendar import Calendar

from groupfinder import i18n
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import Audience, Condition, Language
from groupfinder.organisations.models import Organisation
from groupfinder.schedules.models import Cancellation
from groupfinder.schedules.recurrence import Frequency
from groupfinder.venues.models import AccessFeature

from .. import factories

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("es", "cy")
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

_WORD = re.compile(r"(?<![\w'])[A-Za-z][A-Za-z']*[A-Za-z]|(?<![\w'])[A-Za-z](?![\w'])")
_ORDINAL = re.compile(r"\b\d+(?:st|nd|rd|th)\b")
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[^}]*\}|<[^>]+>|&[a-z]+;")
# Names, brands and formats that read the same in every language.
PROPER = {"groupfinder", "geonames", "openstreetmap", "google", "apple", "outlook", "thunderbird",
          "icalendar", "ical", "webcal", "json", "csv", "hsds", "api", "url", "https", "http", "www",
          "english", "nhs", "samaritans", "ok"}
ENGLISH_EXTRA = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                 "january", "february", "march", "april", "may", "june", "july", "august",
                 "september", "october", "november", "december", "am", "pm", "every", "other",
                 "last", "until", "month", "week", "cancelled", "moved"}
# What organizers typed: invented words, so no interface word is hidden among them.
DATA = dict(group="Qorvel Zintar", description="Plimbo vastu quendri.", expect="Zorvat plimbo.",
            venue="Vexhall Dorn", address="12 Quill Vantor", facilitator="Ysolde Narqet",
            bio="Plimbo.", organisation="Tarnvex Kollective", reason="Quendri zumba.")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(_PLACEHOLDER.sub(" ", text))}


def _catalogue(code: str):  # type: ignore[no-untyped-def]
    with (i18n.TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=code)


def _strings(message_field: object) -> list[str]:
    if isinstance(message_field, tuple | list):
        return [s for s in message_field if s]
    return [message_field] if message_field else []  # type: ignore[list-item]


def english_words(code: str) -> set[str]:
    """Words only the English interface uses: msgid words less the translation's own words."""
    catalog = _catalogue(code)
    source: set[str] = set(ENGLISH_EXTRA)
    target: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        for text in _strings(message.id):
            source |= _words(text)
        for text in _strings(message.string):
            target |= _words(text)
    return source - target - PROPER - {n.lower() for n in i18n.NATIVE_NAMES.values()}


class _Text(HTMLParser):
    """What a person reads or hears: text outside scripts and styles, and the attributes a
    screen reader or browser shows (title, alt, aria-label, placeholder, button values)."""

    SKIP = {"script", "style", "template"}
    SHOWN = {"title", "alt", "aria-label", "placeholder", "aria-description"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self.SKIP:
            self._skip += 1
        for name in self.SHOWN:
            if values.get(name):
                self.parts.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"] or "")
        if tag == "meta" and values.get("name") == "description":
            self.parts.append(values.get("content") or "")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _leftovers(text: str, english: set[str], data_words: set[str]) -> list[str]:
    text = re.sub(r"(?:https?|webcal|mailto|tel):\S+", " ", text)  # addresses aren't words
    found = [w for w in _WORD.findall(text) if w.lower() in english and w.lower() not in data_words
             and not (w.isupper() and len(w) <= 3)]  # codes: "OR" (Oregon), "ID", "GMT"
    return found + _ORDINAL.findall(text)


@pytest.fixture
def listings(app: Flask) -> dict[str, str]:
    """Listings of every kind a page can show: each schedule kind, a pause, a cancellation, a
    moved meeting, a private place, a facilitator who shares contact details, an organisation."""
    terms = dict(conditions=list(db.session.scalars(db.select(Condition)).all()[:3]),
                 audiences=list(db.session.scalars(db.select(Audience)).all()[:2]),
                 languages=list(db.session.scalars(db.select(Language)).all()[:3]),
                 access_features=list(db.session.scalars(db.select(AccessFeature)).all()[:3]))
    organisation = Organisation(slug="tarnvex", name=DATA["organisation"], description=DATA["bio"])
    db.session.add(organisation)
    venue = factories.make_venue(name=DATA["venue"], address=DATA["address"])
    venue.access_features = terms["access_features"][:2]
    facilitator = Facilitator(name=DATA["facilitator"], bio=DATA["bio"], email="ysolde@example.org",
                              phone="0161 496 0000", show_email=True, show_phone=True)
    today = dt.date.today()
    kinds = [
        dict(kind=Frequency.weekly, weekdays="1"),
        dict(kind=Frequency.weekly, interval=2, weekdays="3"),
        dict(kind=Frequency.weekly, interval=3, weekdays="0,4"),
        dict(kind=Frequency.monthly_weekday, weekdays="1", positions="2"),
        dict(kind=Frequency.monthly_weekday, weekdays="5", positions="1,3,-1"),
        dict(kind=Frequency.monthly_weekday, interval=2, weekdays="6", positions="-1"),
        dict(kind=Frequency.monthly_date, weekdays="", month_day=15),
        dict(kind=Frequency.monthly_date, weekdays="", interval=3, month_day=-1),
        dict(kind=Frequency.once, weekdays="", first_date=today + dt.timedelta(days=9)),
        dict(kind=Frequency.weekly, weekdays="2", paused_until=today + dt.timedelta(days=20),
             last_date=today + dt.timedelta(days=300), start_time=dt.time(11, 30),
             duration_minutes=120),
    ]
    groups = []
    for n, kind in enumerate(kinds):
        group = factories.make_group(
            name=f"{DATA['group']} {n}", description=DATA["description"],
            what_to_expect=DATA["expect"], cost="Zint", venue=venue,
            schedules=[factories.make_schedule(**kind)], **terms)
        group.organisation = organisation
        group.facilitators = [facilitator]
        groups.append(group)
    weekly = groups[0].schedules[0]
    from groupfinder.schedules.recurrence import next_meetings

    first = next_meetings(weekly.spec("Europe/London"), dt.datetime.now(dt.UTC), 1)[0]
    weekly.cancellations.append(Cancellation(original_start=first.original_start, reason=DATA["reason"]))
    factories.move_second_meeting(groups[0], DATA["reason"])
    private = factories.make_venue(name="Zelk Dorn", address="3 Quill Vantor")
    factories.make_group(name=f"{DATA['group']} Vex", description=DATA["description"],
                         what_to_expect=DATA["expect"], cost="Zint", venue=private,
                         is_sensitive=True, **terms)
    db.session.commit()
    return DATA


def _data_words() -> set[str]:
    words = set()
    for value in DATA.values():
        words |= _words(value)
    words |= {"zelk", "vex", "zint", "manchester", "ysolde", "example", "org"}
    # Place names the gazetteer gives (areas of private places, search origins).
    from groupfinder.groups.models import Group
    from groupfinder.venues.models import Venue

    for (area,) in db.session.execute(db.select(Group.area_name)).all():
        words |= _words(area or "")
    for (town,) in db.session.execute(db.select(Venue.town)).all():
        words |= _words(town or "")
    return words


def _local(href: str, base: str) -> str | None:
    if href.startswith("webcal://"):
        href = "https://" + href[len("webcal://"):]
    if href.startswith(base):
        href = href[len(base):]
    if not href.startswith("/") or href.startswith("//"):
        return None
    return href.split("#", 1)[0]


def _crawl(client, code: str, budget: int = 160, start: list[str] | None = None,  # type: ignore[no-untyped-def]
           signed_in: bool = False) -> Iterator[tuple[str, str, bytes]]:
    base = client.application.config["BASE_URL"]
    queue = start or [
        f"/{code}/", f"/{code}/search?where=M1+1AE", f"/{code}/search?where=Qzxqvw+Plin",
        f"/{code}/search?where=M1+1AE&condition=eating-disorders", f"/{code}/about",
        f"/{code}/privacy", f"/{code}/accounts/login", f"/{code}/accounts/register",
        f"/{code}/accounts/reset", f"/{code}/no-such-page", f"/{code}/groups/999999"]
    seen: set[str] = set()
    per_path: dict[str, int] = {}
    while queue and len(seen) < budget:
        url = queue.pop(0)
        path = url.split("?", 1)[0]
        if "/meetings/" in path:  # one meeting's calendar file: a few of them say it all
            path = "meeting.ics"
        if url in seen or per_path.get(path, 0) >= (4 if path == "meeting.ics" else 2):
            continue
        seen.add(url)
        per_path[path] = per_path.get(path, 0) + 1
        response = client.get(url)
        if response.status_code in (301, 302, 303):
            continue
        kind = response.mimetype
        yield url, kind, response.data
        if kind == "text/html":
            parser = _Text()
            parser.feed(response.get_data(as_text=True))
            for href in parser.links:
                local = _local(href, base)
                if not local or "/static/" in local or local.endswith((".csv", ".json")):
                    continue
                private = "/manage" in local or "/review" in local
                if private != signed_in or "logout" in local:
                    continue
                if local.startswith(f"/{code}/") or (local.endswith(".ics") and not signed_in):
                    queue.append(local)


def _feed_text(body: bytes) -> str:
    calendar = Calendar.from_ical(body)
    parts = []
    for component in calendar.walk():
        for name in ("X-WR-CALNAME", "X-WR-CALDESC", "NAME", "DESCRIPTION", "SUMMARY", "LOCATION",
                     "COMMENT"):
            value = component.get(name)
            if value is not None:
                parts.append(str(value))
    return "\n".join(parts)


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_english_on_public_pages_and_feeds(app: Flask, client, listings, code: str) -> None:  # type: ignore[no-untyped-def]
    english = english_words(code)
    data_words = _data_words()
    problems: list[str] = []
    pages = feeds = 0
    for url, kind, body in _crawl(client, code):
        if kind == "text/html":
            pages += 1
            parser = _Text()
            parser.feed(body.decode("utf-8"))
            text = "\n".join(parser.parts)
        elif kind == "text/calendar":
            feeds += 1
            text = _feed_text(body)
        else:
            continue
        left = _leftovers(text, english, data_words)
        if left:
            problems.append(f"{url}: {sorted(set(left))[:25]}")
    assert pages >= 20 and feeds >= 2, (pages, feeds)
    assert not problems, "English words in " + code + ":\n" + "\n".join(problems[:40])


def _form_token(client, url: str) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True))
    assert match, url
    return match.group(1)


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_english_in_mail_or_form_errors(app: Flask, client, code: str) -> None:  # type: ignore[no-untyped-def]
    """The mails a visitor's own actions send (confirm an address, reset a password), and the
    errors a form shows, in the language the visitor used."""
    english = english_words(code)
    data = {"qorvel", "zintar", "example", "org", "groups", "test"}
    problems: list[str] = []
    register = f"/{code}/accounts/register"
    errors = client.post(register, data={"csrf_token": _form_token(client, register), "email": "nope",
                                         "password": "x"})
    parser = _Text()
    parser.feed(errors.get_data(as_text=True))
    left = _leftovers("\n".join(parser.parts), english, data)
    if left:
        problems.append(f"register errors: {sorted(set(left))}")
    client.post(register, data={"csrf_token": _form_token(client, register),
                                "email": "qorvel@example.org", "password": "Zintar-Plimbo-Quendri-77"})
    factories.make_user("zintar@example.org")
    db.session.commit()
    reset = f"/{code}/accounts/reset"
    client.post(reset, data={"csrf_token": _form_token(client, reset), "email": "zintar@example.org"})
    outbox = app.extensions["groupfinder.outbox"]
    assert len(outbox) >= 2, outbox
    for message in outbox:
        text = f"{message.subject}\n{message.body}"
        text = re.sub(r"https?://\S+", " ", text)
        left = _leftovers(text, english, data)
        if left:
            problems.append(f"mail {text.splitlines()[0]!r}: {sorted(set(left))}")
    assert not problems, "\n".join(problems)


def _extracted() -> set[tuple[str | None, str]]:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
                "npgettext": ((1, "c"), 2, 3), "_l": None, "lazy_gettext": None,
                "lazy_pgettext": ((1, "c"), 2), "lazy_ngettext": (1, 2), "N_": None}
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


@pytest.mark.parametrize("code", LANGUAGES)
def test_catalogue_is_complete(code: str, backend: str) -> None:
    """What ``pybabel compile --statistics`` would call 100 %: every marked string of the
    sources is in the catalogue, translated (every plural form), and none is fuzzy."""
    catalog = _catalogue(code)
    have = {(m.context, m.id[0] if isinstance(m.id, tuple | list) else m.id): m for m in catalog if m.id}
    missing = sorted(k[1] for k in _extracted() - set(have))
    assert not missing, f"{len(missing)} strings not in the {code} catalogue (make messages): {missing[:10]}"
    untranslated = [key[1] for key, m in have.items() if not all(_strings(m.string)) or not _strings(m.string)]
    fuzzy = [key[1] for key, m in have.items() if m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated in {code}: {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {code}: {fuzzy[:10]}"


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_english_on_organizer_and_admin_pages(app: Flask, client, listings, code: str) -> None:  # type: ignore[no-untyped-def]
    """The organizer's and the admin's pages too: every page reachable from their dashboards."""
    from groupfinder.accounts.models import Role
    from groupfinder.groups.models import Group

    admin = factories.make_user("zintar@example.org", role=Role.admin)
    organizer = factories.make_user("qorvel@example.org")
    for group in db.session.scalars(db.select(Group)):
        group.organizers.append(organizer)
    db.session.commit()
    english = english_words(code)
    data_words = _data_words() | {"zintar", "qorvel"}
    problems: list[str] = []
    pages = 0
    for user, start in ((organizer, f"/{code}/manage/"), (admin, f"/{code}/review/")):
        factories.sign_in(client, user)
        for url, kind, body in _crawl(client, code, budget=60, start=[start], signed_in=True):
            if kind != "text/html":
                continue
            pages += 1
            parser = _Text()
            parser.feed(body.decode("utf-8"))
            left = _leftovers("\n".join(parser.parts), english, data_words)
            if left:
                problems.append(f"{url}: {sorted(set(left))[:25]}")
    assert pages >= 15, pages
    assert not problems, "English words in " + code + ":\n" + "\n".join(problems[:40])
