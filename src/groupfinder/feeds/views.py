"""The .ics endpoints: fetch what is public, build, and answer conditional GETs with 304.

Last-Modified. The series' own stamps can't say when something *left* a feed (a schedule
deleted, a group unpublished, archived or no longer matching a search): what is left may be
older than what the last answer said, and a client that only sends If-Modified-Since would be
told 304 and keep the deleted series. Every such change is a public change, so it replaces the
data token (``readcache``) in the same commit. A feed's Last-Modified is therefore

    max(the series' stamps, when this process first read the current token, [search feeds] the
        start of the UTC day, or hour, the answer is for)

The token's first-read time is at least its commit time (no process reads a token before it is
committed; it is read from the database for this, never from the 1 s memo), so the answer after a
removal is dated no earlier than the removal, and later than any answer built on the old token
(those are dated by earlier reads). Within a process it never goes backwards, and it is never
after now. Like the ETag (also from the token), it moves on any public change, not just this
feed's: a spare 200 with the same bytes is cheap, a wrong 304 keeps deleted meetings in calendars.
Limits, both of HTTP dates' whole seconds: two changes within the same second (or about a second,
across workers) can share a date, and workers (or a restarted process) may date the same body a
second or so apart. The ETag, which changes with every token, covers clients that send
If-None-Match; a date-only client catches up at the next change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import zlib
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, request
from flask_babel import gettext as _

from ..compression import ALGORITHMS
from ..exceptions import GroupfinderError, NotFound
from ..extensions import db
from ..facilitators.models import Facilitator
from ..geo.distance import to_unit
from ..geo.locale import place_locale, radius_words
from ..groups.criteria import SEARCH_PARAMS, SearchRequest, parse_search_args
from ..groups.models import Audience, Condition, Language
from ..groups.organisation_queries import get_public_organisation, list_organisation_groups
from ..groups.queries import get_public_group, list_facilitator_groups, vocabulary_slugs
from ..groups.search import run_search
from ..i18n import term_text
from ..localization import current_language
from ..organisations.models import Organisation
from ..permissions import public_blueprint
from ..readcache import DataGeneration, cache, current_token
from ..schedules.recurrence import Frequency, RecurrenceSpec, meetings
from ..security import SEARCH_FEED_BUILD_LIMIT, charge_costly_build
from ..urls import absolute_url
from ..venues.models import AccessFeature
from .ical import FeedInfo, Series, build_calendar
from .series import group_series, last_modified, schedule_filter, search_feed_name, uid_host

bp = public_blueprint(Blueprint("feeds", __name__))

SEARCH_FEED_LIMIT = 200
# What a search feed's URL may say (the search page's feed link says no more). Anything else is
# refused (400, naming it) rather than ignored: a misspelt filter would otherwise give a calendar
# of every group, and a calendar keeps what it was given. The search page itself takes extras
# (utm_*, a referring site's additions) and ignores them; the fixed feeds ignore the query
# string, which never reaches their cache key.
SEARCH_FEED_PARAMS = SEARCH_PARAMS | {"radius_km", "lang"}  # lang: the feed's words (``i18n``)
# Campaign tags a link may pick up on its way (and the search page passes on): ignored.
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "msclkid", "mc_cid", "mc_eid"})


def _calendar_response(body: bytes, modified: dt.datetime, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "public, max-age=900"
    response.last_modified = modified
    return response


_SINCE_LOCK = threading.Lock()
_SINCE_KEPT = 16  # tokens remembered; older ones are never served again by this process


def _token_and_since() -> tuple[str, dt.datetime]:
    """The data token and when this process first read it from the database (whole seconds):
    the lower bound of every feed's Last-Modified."""
    token = current_token(stale_ok=True)
    seen: dict[str, dt.datetime] = current_app.extensions.setdefault("groupfinder.feed_token_since", {})
    since = seen.get(token)
    if since is not None:
        return token, since
    # A token not seen yet (or one remembered by the 1 s memo): read the current one.
    token = db.session.scalar(sa.select(DataGeneration.token).where(DataGeneration.id == 1)) or "-"
    now = _now().replace(microsecond=0)
    with _SINCE_LOCK:
        since = seen.get(token)
        if since is None:
            since = seen[token] = now
            for old in sorted(seen, key=seen.__getitem__)[:-_SINCE_KEPT]:
                del seen[old]
    return token, since


def _cached_feed(build: Callable[[], tuple[bytes, dt.datetime, str]], what: tuple = (),
                 not_before: dt.datetime | None = None) -> Response:
    """Serve a feed through the data-version cache.

    The ETag comes from the data token (which changes when public data changes) and the key: the
    route and its path arguments (never the query string, which these feeds ignore: junk
    parameters would each cost a build and an entry), the language of its words (``?lang=``, a
    ``/es/`` prefix or Accept-Language: each language its own entry and ETag, so a 304 only
    answers the language asked for), ``what`` (a search feed's parsed question and day) and the
    year of the VTIMEZONE rules. So a conditional GET is answered with 304
    before anything is loaded or built, and an unchanged feed's bytes are built once per
    process. ``build`` returns the body, its last-modified instant and a file name; the answer's
    Last-Modified is never before the token's first reading, nor ``not_before`` (see above).
    """
    (token, since), year = _token_and_since(), _year()
    route = (request.endpoint, tuple(sorted((request.view_args or {}).items())))
    # The script root too: behind a /es/ prefix the feed's links keep it (``url_for``).
    key = ("feed", route, current_language(), request.script_root, what, year,
           current_app.config["BASE_URL"], current_app.config["CLOCK"])
    etag = hashlib.sha256(repr((token, key)).encode()).hexdigest()[:32]
    matched = _matching_etag(etag)
    if matched:
        response = Response(status=304)
        response.set_etag(matched)
        response.headers["Cache-Control"] = "public, max-age=900"
        return response
    kept, modified, filename = cache().get_or_build(key, token, lambda: _deflated(build()))
    body = zlib.decompress(kept) if isinstance(kept, Deflated) else kept
    modified = max(modified, since, not_before or since)
    response = _calendar_response(body, modified, filename)
    response.set_etag(etag)
    return response.make_conditional(request)


# A search feed of 200 groups is 100–200 KB of text that deflates to a tenth: kept deflated, a
# worker's cache holds ten times as many (and its memory stays level sooner) for about 0.2 ms
# of inflating per answer, against ~0.4 s to build one again. Small feeds (a group's) are
# kept as they are: inflating would cost more than it saves.
DEFLATE_OVER = 32 * 1024


class Deflated(bytes):
    """A feed body as ``zlib.compress`` left it."""


def _deflated(built: tuple[bytes, dt.datetime, str]) -> tuple[bytes, dt.datetime, str]:
    body, modified, filename = built
    if len(body) > DEFLATE_OVER:
        body = Deflated(zlib.compress(body, 1))
    return body, modified, filename


def _matching_etag(etag: str) -> str | None:
    """The validator an If-None-Match names for this body: its own ETag, or a compressed
    representation's (``compression``: ``"<etag>:br"``, ``"<etag>:gzip"``), so a client that
    takes gzip gets its 304 before anything is built, as others do."""
    asked = request.if_none_match
    if not asked:
        return None
    for candidate in (etag, *(f"{etag}:{coding}" for coding in ALGORITHMS)):
        if asked.contains(candidate):
            return candidate
    return etag if asked.star_tag else None


def _year() -> int:
    return dt.datetime.now(dt.UTC).year


@bp.get("/groups/<int:group_id>/calendar.ics")
def group(group_id: int) -> Any:
    def build() -> tuple[bytes, dt.datetime, str]:
        grp = get_public_group(group_id)
        series = group_series(grp)
        info = FeedInfo(name=grp.name,
                        description=_("Meetings of %(name)s, from groupfinder.", name=grp.name),
                        uid=f"feed-group-{grp.id}@{uid_host()}",
                        timezone=grp.venue.timezone if grp.venue else None,
                        empty_reason=_("No meetings are listed for %(name)s at the moment.",
                                       name=grp.name),
                        language=current_language())
        return build_calendar(info, series, year=_year()), last_modified(series), f"group-{grp.id}.ics"

    return _cached_feed(build)


@bp.get("/facilitators/<int:facilitator_id>/calendar.ics")
def facilitator(facilitator_id: int) -> Any:
    def build() -> tuple[bytes, dt.datetime, str]:
        person = db.session.get(Facilitator, facilitator_id)
        groups = list_facilitator_groups(person) if person else []
        if not groups:
            abort(404)
        series = [s for g in groups for s in group_series(g)]
        zones = sorted({s.spec.timezone for s in series})
        info = FeedInfo(name=_("Meetings led by %(name)s", name=person.name),
                        description=_("Support group meetings %(name)s facilitates, from groupfinder.",
                                      name=person.name),
                        uid=f"feed-facilitator-{person.id}@{uid_host()}",
                        timezone=zones[0] if len(zones) == 1 else None,
                        empty_reason=_("No meetings led by %(name)s are listed at the moment.",
                                       name=person.name),
                        language=current_language())
        body = build_calendar(info, series, year=_year())
        return body, last_modified(series), f"facilitator-{person.id}.ics"

    return _cached_feed(build)


@bp.get("/organisations/<slug>.ics")
def organisation(slug: str) -> Any:
    def build() -> tuple[bytes, dt.datetime, str]:
        org = get_public_organisation(slug)
        groups = list_organisation_groups(org, listed_only=False)
        series = [s for g in groups for s in group_series(g)]
        zones = sorted({s.spec.timezone for s in series})
        info = FeedInfo(name=_("Meetings run by %(name)s", name=org.name),
                        description=_("Support group meetings %(name)s runs, from groupfinder "
                                      "(%(url)s).", name=org.name,
                                      url=absolute_url('organisations.page', slug=org.slug)),
                        uid=f"feed-organisation-{org.id}@{uid_host()}",
                        timezone=zones[0] if len(zones) == 1 else None,
                        empty_reason=_("No meetings of groups run by %(name)s are listed at "
                                       "the moment.", name=org.name),
                        language=current_language())
        modified = max(last_modified(series), org.updated_at.astimezone(dt.UTC).replace(microsecond=0))
        return build_calendar(info, series, year=_year()), modified, f"organisation-{org.slug}.ics"

    return _cached_feed(build)


@bp.get("/search/calendar.ics")
def search() -> Any:
    unknown = sorted(name for name in set(request.args) - SEARCH_FEED_PARAMS - TRACKING_PARAMS
                     if not name.startswith("utm_"))
    if unknown:
        raise GroupfinderError(
            _("This calendar feed doesn't take %(names)s.",
              names=", ".join(repr(u) for u in unknown[:5])),
            field_errors={name: [_("Unknown parameter.")] for name in unknown[:5]})
    parsed = _search_request()  # a bad parameter is a 422 here, as it would be in the build
    # The cache key is the parsed question (sorted, defaults filled in): URLs that ask the same
    # thing share one entry and one build.
    question = parsed.cache_key()
    day = _search_day(this_week=parsed.this_week)
    start = dt.datetime.fromisoformat(day[0]).replace(hour=day[1] if len(day) > 1 else 0, tzinfo=dt.UTC)

    def build() -> tuple[bytes, dt.datetime, str]:
        # Only a miss is counted: subscribers refetching a cached feed cost nothing.
        charge_costly_build("search-feed", SEARCH_FEED_BUILD_LIMIT)
        return _build_search_feed(question)

    return _cached_feed(build, ("search", question, day), not_before=start)


def _search_request() -> SearchRequest:
    """The feed's parameters parsed as ``run_search`` parses them for it (same options)."""
    return parse_search_args(
        request.args.to_dict(flat=False), vocab=vocabulary_slugs(), radius_param="radius_km",
        default_radius_km=float(current_app.config["DEFAULT_RADIUS_KM"]),
        default_limit=SEARCH_FEED_LIMIT)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _search_day(*, this_week: bool) -> tuple[Any, ...]:
    """When a search feed's answer stops being true. Search drops schedules that ended before
    today's UTC date (``search_groups``), so every answer is for one UTC day; "this week" is the
    7 days from now, so that answer is for one UTC hour (one day would let a meeting that has
    passed keep a group in, and one 7 days + 23 h away stay out)."""
    now = _now()
    return (now.date().isoformat(),) + ((now.hour,) if this_week else ())


def _build_search_feed(question: tuple) -> tuple[bytes, dt.datetime, str]:
    outcome = run_search(request.args.to_dict(flat=False), radius_param="radius_km",
                         default_limit=SEARCH_FEED_LIMIT, max_limit=SEARCH_FEED_LIMIT)
    req = outcome.request
    # Only the schedules that meet the day and time asked for: a group that meets on Monday and
    # Thursday is in a Monday search, but its Thursday meetings are not what was asked for.
    keep = schedule_filter(req.days, req.starts_after, req.starts_before)
    series: list[Series] = [s for hit in outcome.page.hits for s in group_series(hit.group, keep)]
    # The searched place's country chooses the unit, as on the results page (DISTANCE_UNIT may
    # force one).
    unit = place_locale(outcome.origin.country, current_app.config["DISTANCE_UNIT"]).unit
    language = current_language()
    if language == "en":  # as it always read ("1 miles" too)
        radius = f"{round(to_unit(req.radius_km, unit), 1):g} {'miles' if unit == 'mi' else 'km'}"
    else:
        radius = radius_words(req.radius_km, unit, language=language)
    name = search_feed_title(req, outcome.origin.label)
    zones = sorted({s.spec.timezone for s in series})
    # From the parsed question, not the URL: URLs that share a cached body share its calendar id.
    digest = hashlib.sha256(repr(question).encode()).hexdigest()[:16]
    info = FeedInfo(name=name, description=_("%(name)s (within %(radius)s), from groupfinder "
                                             "(%(url)s).", name=name, radius=radius,
                                             url=absolute_url('pages.home')),
                    uid=f"feed-search-{digest}@{uid_host()}",
                    timezone=zones[0] if len(zones) == 1 else None,
                    empty_reason=_("No meetings match this search right now."),
                    language=language)
    return build_calendar(info, series, year=_year()), last_modified(series), "search.ics"


def search_feed_title(req: SearchRequest, origin_label: str) -> str:
    """The search feed's name (X-WR-CALNAME) for a parsed search: also the name the search page
    gives Outlook.com (template global ``search_feed_title(outcome.request, outcome.origin.label)``)."""
    return search_feed_name(
        place=_place_words(req.where) if req.where else origin_label,
        conditions=_names(Condition, req.conditions, "condition"), days=req.days,
        starts_after=req.starts_after, starts_before=req.starts_before,
        audiences=_names(Audience, req.audiences, "audience"),
        languages=_names(Language, req.languages, "language"),
        access=_names(AccessFeature, req.access, "access"), clock=current_app.config["CLOCK"],
        organisations=_names(Organisation, req.organisations))


def _names(model: Any, slugs: tuple[str, ...], kind: str | None = None) -> list[str]:
    """Vocabulary names for ``slugs``, in the vocabulary's order (slugs already validated), in
    the request's language (``kind``: the vocabulary; organisations' names stay as typed)."""
    if not slugs:
        return []
    rows = db.session.execute(sa.select(model.slug, model.name).where(model.slug.in_(slugs))
                              .order_by(model.slug))
    if kind is None:
        return [name for _slug, name in rows]
    language = current_language()
    return [term_text(language, kind, slug, name) for slug, name in rows]


def _place_words(where: str) -> str:
    """The place as the person typed it, tidied: "m1  1ae" -> "M1 1AE"; "leeds" stays."""
    words = " ".join(where.split())
    return words.upper() if any(c.isdigit() for c in words) and len(words) <= 10 else words


@bp.get("/groups/<int:group_id>/meetings/<stamp>.ics")
def meeting(group_id: int, stamp: str) -> Any:
    return _cached_feed(lambda: _build_meeting(group_id, stamp))


def _build_meeting(group_id: int, stamp: str) -> tuple[bytes, dt.datetime, str]:
    """One meeting, for "add to my calendar": where it really happens (moves applied); 404 for a
    cancelled meeting or a time that is not on the schedule."""
    grp = get_public_group(group_id)
    try:
        original = dt.datetime.strptime(stamp, "%Y-%m-%dT%H%M")
        if not dt.MINYEAR + 1 < original.year < dt.MAXYEAR - 1:  # ± the 400-day span below
            raise ValueError(stamp)
    except ValueError:
        raise NotFound(_("That meeting time is not valid.")) from None
    for s in group_series(grp):
        at = original.replace(tzinfo=ZoneInfo(s.spec.timezone))
        span = dt.timedelta(days=400)  # a move may go far from the original slot
        found = [m for m in meetings(s.spec, at - span, at + span, s.exceptions)
                 if m.original_start == original]
        if not found or found[0].status == "cancelled":
            continue
        m = found[0]
        one = Series(
            uid=f"{s.uid.split('@')[0]}-{stamp.replace('-', '')}@{uid_host()}",
            summary=s.summary, description=s.description, location=m.location or s.location,
            geo=s.geo, url=s.url, sequence=s.sequence, stamp=s.stamp,
            spec=RecurrenceSpec(kind=Frequency.once, start_time=m.starts_at.timetz().replace(tzinfo=None),
                              duration_minutes=int((m.ends_at.astimezone(dt.UTC)
                                                    - m.starts_at.astimezone(dt.UTC)).total_seconds() // 60),
                              first_date=m.starts_at.date(), timezone=str(m.starts_at.tzinfo)),
            language=s.language,
        )
        body = build_calendar(FeedInfo(name=grp.name, description=grp.name,
                                       uid=f"feed-meeting-{grp.id}-{stamp}@{uid_host()}",
                                       language=s.language),
                              [one], year=m.starts_at.year)
        return body, s.stamp, f"meeting-{grp.id}-{stamp}.ics"
    raise NotFound(_("That meeting is not on this group's schedule, or it was cancelled."))

