"""Home, about, privacy, and the health endpoints."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template

from ..extensions import db
from ..groups.queries import search_form_context
from ..permissions import public_blueprint

bp = public_blueprint(Blueprint("pages", __name__))

# The largest id a database integer column holds (PostgreSQL ``integer``). A larger id in a path
# names nothing: 404, not a driver's OverflowError or "integer out of range" (a 500).


@bp.get("/")
def home() -> Any:
    return render_template("pages/home.html", **search_form_context())


@bp.get("/about")
def about() -> Any:
    return render_template("pages/about.html")


@bp.get("/privacy")
def privacy_notice() -> Any:
    return render_template("pages/privacy.html")


@bp.get("/healthz")
def healthz() -> Any:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Any:
    try:
        db.session.execute(sa.text("SELECT 1"))
        status, code = "ok", 200
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        status, code = "unavailable", 503
    response = jsonify({"status": status, "checks": {"database": status}})
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    if code == 503:
        response.headers["Retry-After"] = "5"
    return response
