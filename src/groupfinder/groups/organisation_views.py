"""An organisation's public page (the groups it runs). Thin: load (404 unless it runs a
published group) → render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, render_template

from ..permissions import public_blueprint
from ..urls import absolute_url
from .organisation_queries import get_public_organisation, organisation_page_groups
from .structured_data import organisation_json_ld

bp = public_blueprint(Blueprint("organisations", __name__))


@bp.get("/organisations/<slug>")
def page(slug: str) -> Any:
    org = get_public_organisation(slug)
    now = dt.datetime.now(dt.UTC)
    groups = organisation_page_groups(org, now)
    json_ld = organisation_json_ld(
        org, url=absolute_url("organisations.page", slug=org.slug),
        groups=[(item.group, item.next_meeting) for item in groups], now=now,
        group_url=lambda g: absolute_url("groups.detail", group_id=g.id, slug=g.slug))
    return render_template("organisations/page.html", organisation=org, groups=groups,
                           json_ld=json_ld)
