"""Public "report a problem with this listing" form: anyone, signed in or not, published
listings only (404 otherwise, so the form can't probe for unpublished ones).

Review's public door. No identity of the reporter is asked for or stored; ``report_problem`` tells
the group's organizers and the admins, one message each. Rate limiting is added separately.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from ..exceptions import InvalidInput
from ..formfields import add_service_errors
from ..groups.queries import get_public_group, recent_meetings
from ..permissions import public
from .forms import ReportProblemForm
from .services import REPORT_KINDS, meeting_key, report_problem

bp = Blueprint("reports", __name__)


@bp.after_request
def _no_store(response: Any) -> Any:
    # The form carries this visitor's CSRF token; no shared cache may keep it.
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.route("/groups/<int:group_id>/report", methods=["GET", "POST"])
@public
def report(group_id: int) -> Any:
    group = get_public_group(group_id)
    form = ReportProblemForm()
    recent = [(meeting_key(m), m) for m in recent_meetings(group, dt.datetime.now(dt.UTC))]
    if request.method == "GET" and request.args.get("kind") in REPORT_KINDS:
        form.kind.data = request.args["kind"]  # "nobody was there" from the group's page
    if form.validate_on_submit():
        try:
            report_problem(group, form.kind.data or "", form.message.data or "",
                           form.meeting.data or "")
        except InvalidInput as exc:
            add_service_errors(form, exc.field_errors)
        else:
            return redirect(url_for("reports.thanks", group_id=group.id), 303)
    status = 422 if form.errors else 200
    return render_template("groups/report.html", group=group, form=form, kinds=REPORT_KINDS,
                           recent=recent, sent=False), status


@bp.get("/groups/<int:group_id>/report/thanks")
@public
def thanks(group_id: int) -> Any:
    group = get_public_group(group_id)
    return render_template("groups/report.html", group=group, form=None, kinds=REPORT_KINDS,
                           sent=True)
