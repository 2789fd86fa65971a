"""orjson writes the JSON the standard library wrote for this app (keys as given, UTF-8)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import uuid

import pytest
from flask import Flask
from markupsafe import Markup

from groupfinder.jsonout import FastJSONProvider


class Colour(enum.StrEnum):
    teal = "teal"


@dataclasses.dataclass
class Point:
    lat: float
    lng: float


VALUES = [
    {"name": "Grŵp Cymorth Caerdydd", "z": 1, "a": [1.5, 53.4794, -2.2453, 0.1 + 0.2]},
    {"when": dt.datetime(2026, 12, 4, 19, 30, tzinfo=dt.UTC), "day": dt.date(2026, 12, 4)},
    {"point": Point(53.48, -2.24), "colour": Colour.teal, "markup": Markup("<b>hi</b>")},
    {1: "int key", "id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "none": None},
    ["“quotes”", "emoji 🙂", "line\nbreak", "tab\t", "\u2028", True, False, 2**53 + 1],
]


@pytest.fixture
def provider() -> FastJSONProvider:
    app = Flask(__name__)
    app.json_provider_class = FastJSONProvider
    return FastJSONProvider(app)


@pytest.mark.parametrize("value", VALUES)
def test_the_same_text_as_the_standard_library(provider: FastJSONProvider, value: object) -> None:
    expected = json.dumps(value, default=provider.default, ensure_ascii=False, sort_keys=False,
                          separators=(",", ":"))
    assert provider.dumps(value, separators=(",", ":")) == expected


def test_an_indented_dump_is_the_standard_librarys(provider: FastJSONProvider) -> None:
    value = {"b": 1, "a": [1, 2]}
    assert provider.dumps(value, indent=2) == json.dumps(value, indent=2, ensure_ascii=False)


def test_what_orjson_refuses_is_written_as_before(provider: FastJSONProvider) -> None:
    big = {"n": 2**70}
    assert provider.dumps(big, separators=(",", ":")) == '{"n":1180591620717411303424}'
