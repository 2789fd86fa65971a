"""Public data exports: ``GET /api/meeting-guide.json`` (the Meeting Guide JSON format).

The spec says a feed "should not accept any parameters": the document is every published group,
the same for everyone. It is built once per data change (and per day, since the cancellations
and pauses written into ``notes`` look ahead from today) through the read cache; a conditional
GET whose ETag still matches is answered 304 before anything is loaded.

``export_command`` is the CLI side: ``groupfinder export meeting-guide [--output FILE]`` writes
the same bytes (registered in ``cli.register_commands``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import Any

import click
from flask import Blueprint, Response, current_app, request
from flask.cli import with_appcontext

from ..permissions import public_blueprint
from ..readcache import cache, current_token
from .meeting_guide import export_meeting_guide, meeting_guide_json

bp = public_blueprint(Blueprint("exports", __name__))

CACHE_CONTROL = "public, max-age=900"


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _headers(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/api/meeting-guide.json")
def meeting_guide() -> Any:
    today = _today()
    # The day is part of the version, not of the key: one cached body per process, replaced when
    # the data or the date changes (a ~1 MB body per day would otherwise pile up in the LRU).
    version = f"{current_token(stale_ok=True)}/{today.isoformat()}"  # as feeds: ≤ 1 s stale
    config = current_app.config
    key = ("meeting-guide", config["BASE_URL"], config.get("CLOCK", "12h"))
    etag = hashlib.sha256(repr((version, key)).encode()).hexdigest()[:32]
    if request.if_none_match.contains_weak(etag):
        return _headers(Response(status=304), etag)
    body = cache().get_or_build(key, version,
                                lambda: meeting_guide_json(export_meeting_guide(today=today)))
    response = Response(body, status=200)
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    return _headers(response, etag).make_conditional(request)


# --- CLI: groupfinder export meeting-guide [--output FILE] -------------------------------------


@click.group("export")
def export_command() -> None:
    """Write every published group in an interchange format."""


@export_command.command("meeting-guide")
@click.option("--output", "-o", default="-", show_default=True,
              type=click.Path(dir_okay=False, allow_dash=True),
              help="File to write (replaced atomically); '-' writes to standard output.")
@with_appcontext
def export_meeting_guide_command(output: str) -> None:
    """The Meeting Guide JSON of every published group (what /api/meeting-guide.json serves)."""
    entries = export_meeting_guide()
    body = meeting_guide_json(entries)
    if output == "-":
        click.echo(body)  # bytes go to the binary stream as they are, then a newline
        return
    target = Path(output)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")  # same folder: os.replace is atomic
    try:
        tmp.write_bytes(body)  # the umask's usual mode: the export is public data
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    groups = len({e["url"] for e in entries})
    click.echo(f"{len(entries)} meetings of {groups} groups written to {output}", err=True)


def _write_atomically(output: str, body: bytes) -> None:
    target = Path(output)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")  # same folder: os.replace is atomic
    try:
        tmp.write_bytes(body)
        os.chmod(tmp, 0o600)  # exact addresses and private contacts: the operator's eyes only
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@export_command.command("csv")
@click.option("--output", "-o", default="-", show_default=True,
              type=click.Path(dir_okay=False, allow_dash=True),
              help="File to write (replaced atomically, readable by you only); '-' writes to "
                   "standard output.")
@click.option("--organizer", metavar="EMAIL", default=None,
              help="Only what this organizer may export (their groups, venues and facilitators; "
                   "other owners' private contacts left out), as /manage/export.csv gives it.")
@with_appcontext
def export_csv_command(output: str, organizer: str | None) -> None:
    """Listings as the CSV that import-listings reads back to the same data (every listing,
    whatever its status; README "Exporting listings")."""
    from ..accounts.services import find_user_by_email
    from .csv_export import export_csv

    user = None
    if organizer is not None:
        user = find_user_by_email(organizer)
        if user is None:
            raise click.ClickException(f"No account has the email {organizer}.")
    result = export_csv(user)
    if output == "-":
        click.echo(result.body, nl=False)
    else:
        _write_atomically(output, result.body)
    click.echo(f"{result.rows} rows for {result.groups} groups written to {output}", err=True)
    if result.skipped:
        click.echo(f"Left out {len(result.skipped)} group(s) without a venue (an import can't "
                   f"create them): {', '.join(result.skipped)}", err=True)
