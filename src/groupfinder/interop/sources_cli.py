"""``groupfinder sources add|refresh|list``: thin commands over ``interop.sources``."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask.cli import with_appcontext


@click.group("sources")
def sources_command() -> None:
    """Listing sources: Meeting Guide JSON feeds kept here as listings (README, "Sources")."""


@sources_command.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--organisation", "organisation", metavar="SLUG",
              help="The organisation whose listings these are (its slug).")
@click.option("--default-condition", metavar="SLUG",
              help="The condition for entries whose types name none (e.g. addiction-recovery).")
@with_appcontext
def add_command(name: str, url: str, organisation: str | None, default_condition: str | None) -> None:
    """Add a source: NAME (unique) and the feed's http(s) URL or a file path. Nothing is
    fetched until `groupfinder sources refresh NAME`."""
    from ..exceptions import InvalidInput
    from .sources import add_source

    if "://" not in url:
        import os

        url = os.path.abspath(url)
    try:
        source = add_source(name, url, organisation=organisation,
                            default_condition=default_condition)
    except InvalidInput as exc:
        for field, messages in exc.field_errors.items():
            for message in messages:
                click.echo(f"{field}: {message}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Added source {source.name!r} ({source.url}). "
               f"Run: groupfinder sources refresh {_quoted(source.name)}")


def _quoted(name: str) -> str:
    return f'"{name}"' if any(ch.isspace() for ch in name) else name


class _Bar:
    """A progress bar per stage, on a terminal only (a pipe or a log gets the report alone)."""

    def __init__(self) -> None:
        self.enabled = sys.stdout.isatty()
        self.stage: str | None = None
        self.bar: Any = None
        self.done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = click.progressbar(length=total, label=f"{stage:<9}", show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@sources_command.command("refresh")
@click.argument("name", required=False)
@click.option("--quiet", is_flag=True, help="Only the one-line summary per source.")
@with_appcontext
def refresh_command(name: str | None, quiet: bool) -> None:
    """Refresh one source (NAME) or all: apply what changed in its feed, and say what was added,
    changed, removed (archived), kept (edited here since) and skipped, with reasons."""
    from .sources import find_source, list_sources, refresh_source

    if name is not None:
        source = find_source(name)
        if source is None:
            click.echo(f"No source is named {name!r} (see: groupfinder sources list).", err=True)
            raise SystemExit(1)
        sources = [source]
    else:
        sources = list_sources()
        if not sources:
            click.echo("No sources yet (add one: groupfinder sources add NAME URL).")
            return
    failed = False
    for source in sources:
        bar = _Bar()
        try:
            report = refresh_source(source, progress=bar)
        finally:
            bar.close()
        click.echo(report.summary(details=not quiet))
        failed = failed or report.error is not None
    if failed:
        raise SystemExit(1)


@sources_command.command("list")
@with_appcontext
def list_command() -> None:
    """Every source, with its organisation and its last refresh's counts."""
    from .sources import list_sources

    sources = list_sources()
    if not sources:
        click.echo("No sources yet (add one: groupfinder sources add NAME URL).")
        return
    for source in sources:
        when = f"{source.last_refreshed_at:%Y-%m-%d %H:%M} UTC" if source.last_refreshed_at \
            else "never refreshed"
        org = source.organisation.slug if source.organisation is not None else "-"
        counts = (source.last_result or {}).get("counts") or {}
        error = (source.last_result or {}).get("error")
        line = f"{source.name}\t{source.url}\torganisation: {org}\t" \
               f"condition: {source.default_condition or '-'}\t{when}"
        if counts:
            line += "\t" + ", ".join(f"{k} {v}" for k, v in counts.items())
        if error:
            line += f"\tlast error: {error}"
        click.echo(line)
