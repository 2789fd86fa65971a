"""The HSDS read model: every published, not hidden group mapped once (``hsds.build_dataset``)
and kept as JSON bytes per entity, so a page is a slice and a join, never a rebuild.

Built once per data change and per day (statuses, pauses and the schedules' next-meeting
offsets look ahead from today) through the read cache, as the Meeting Guide export is. The
groups are those the Meeting Guide export and search show: published and not hidden for going
unconfirmed; drafts, pending and archived listings are never loaded.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..groups.models import Group, ListingStatus
from ..groups.queries import load_groups
from ..organisations.models import Organisation
from ..readcache import cache
from ..urls import absolute_url
from .hsds import Dataset, HsdsContext, Record, build_dataset

BATCH = 500
COLLECTIONS = ("services", "organizations", "locations", "service_at_locations", "taxonomies",
               "taxonomy_terms")
VOCABULARY_ENDPOINTS = {"condition": "api.conditions", "audience": "api.audiences",
                        "access": "api.access_features"}


def _bytes(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Entry:
    """One entity as served: its full object and list item as JSON, and what filters read."""

    id: str
    full: bytes
    item: bytes
    organization_id: str | None
    modified: dt.datetime | None
    tags: frozenset[str]
    text: str


@dataclass(frozen=True)
class Collection:
    entries: tuple[Entry, ...]
    by_id: dict[str, int]

    def get(self, hsds_id: str) -> Entry | None:
        i = self.by_id.get(hsds_id)
        return None if i is None else self.entries[i]


def _collection(records: list[Record]) -> Collection:
    entries = tuple(Entry(r.id, _bytes(r.full), _bytes(r.item), r.organization_id, r.modified,
                          r.tags, r.text) for r in records)
    return Collection(entries, {e.id: i for i, e in enumerate(entries)})


def public_groups() -> list[Group]:
    """Published, not hidden groups by id, loaded with everything the mapping reads in a fixed
    number of statements per batch (their organisations in one more)."""
    ids = list(db.session.scalars(
        sa.select(Group.id).where(Group.status == ListingStatus.published,
                                  Group.hidden_since.is_(None)).order_by(Group.id)))
    out: list[Group] = []
    for i in range(0, len(ids), BATCH):
        chunk = ids[i:i + BATCH]
        groups = load_groups(chunk)
        org_ids = {g.organisation_id for g in groups.values() if g.organisation_id is not None}
        if org_ids:  # in the identity map: each group's organisation loads without a statement
            list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(org_ids))))
        out.extend(groups[gid] for gid in chunk
                   if gid in groups and groups[gid].status == ListingStatus.published)
    return out


def hsds_dataset(today: dt.date) -> Dataset:
    """The pure mapping over the public groups (needs an app and a request context for links)."""
    ctx = HsdsContext(
        today=today,
        group_url=lambda g: absolute_url("groups.detail", group_id=g.id, slug=g.slug),
        vocabulary_url=lambda kind: absolute_url(VOCABULARY_ENDPOINTS[kind]),
        clock=current_app.config.get("CLOCK", "12h"),
    )
    return build_dataset(public_groups(), ctx)


def hsds_index(version: str, today: dt.date) -> dict[str, Collection]:
    """Every collection as served, cached for ``version`` (the data token and the day)."""
    key = ("hsds", current_app.config["BASE_URL"], current_app.config.get("CLOCK", "12h"))

    def build() -> dict[str, Collection]:
        data = hsds_dataset(today)
        return {name: _collection(getattr(data, name)) for name in COLLECTIONS}

    return cache().get_or_build(key, version, build)
