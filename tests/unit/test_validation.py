"""The checks every text field shares (``validation``), and their WTForms validators."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from wtforms import Form, StringField, TextAreaField
from wtforms.validators import Optional

from groupfinder import validation
from groupfinder.formfields import MultiLine, SingleLine, ValidEmail
from groupfinder.validation import (
    EMAIL_MESSAGE,
    MULTI_LINE_MESSAGE,
    SINGLE_LINE_MESSAGE,
    InvalidEmail,
    email_problem,
    multi_line_problem,
    normalize_email,
    single_line_problem,
)

REFUSED_ON_ONE_LINE = ["Name\r\nX-Injected: 1", "Name\rX", "Name\nX", "Na\x00me", "Name\u2028X",
                       "Name\u2029X", "Name\x85X", "Name\tX", "Name\x1bX", "Name\x7fX"]


@pytest.mark.parametrize("value", REFUSED_ON_ONE_LINE)
def test_one_line_refuses_every_control_character(value):
    assert single_line_problem(value) == SINGLE_LINE_MESSAGE


@pytest.mark.parametrize("value", ["", None, "St Mary's Hall", "Café Zoë — 12 Oak St.", "日本語",
                                   "a  b", "🙂 group"])
def test_one_line_accepts_ordinary_text(value):
    assert single_line_problem(value) is None


@pytest.mark.parametrize("value", ["First line\nsecond line", "Windows\r\nbreaks", "A\ttab",
                                   "", None, "Plain."])
def test_several_lines_accept_line_breaks_and_tabs(value):
    assert multi_line_problem(value) is None


@pytest.mark.parametrize("value", ["Bad\x00byte", "Escape\x1b[31m", "Bell\x07", "Sep\u2028arator",
                                   "Para\u2029graph", "Del\x7f"])
def test_several_lines_refuse_other_control_characters(value):
    assert multi_line_problem(value) == MULTI_LINE_MESSAGE


@pytest.mark.parametrize(("value", "stored"), [
    ("ann@example.org", "ann@example.org"),
    ("  Ann.Smith@Example.ORG ", "ann.smith@example.org"),
    ("ann+groups@sub.example.co.uk", "ann+groups@sub.example.co.uk"),
    ("zoë@exämple.org", "zoë@exämple.org"),
])
def test_valid_addresses_are_normalized(value, stored):
    assert normalize_email(value) == stored
    assert email_problem(value) is None


@pytest.mark.parametrize("value", [
    "nope", "ann@", "@example.org", "ann@@example.org", "ann@example", "ann example@example.org",
    "ann@example.org\r\nBcc: all@example.org", "ann@exa\x00mple.org", "ann@example..org", " ",
    "ann@exa\u2028mple.org",
])
def test_invalid_addresses_are_refused_with_one_message(value):
    with pytest.raises(InvalidEmail) as caught:
        normalize_email(value)
    assert str(caught.value) == EMAIL_MESSAGE
    assert email_problem(value) == EMAIL_MESSAGE


def test_an_overlong_address_says_so():
    value = "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".org"
    assert email_problem(value) in (EMAIL_MESSAGE, "That email address is too long.")


def test_an_empty_address_is_left_to_required_checks():
    assert email_problem("") is None and email_problem(None) is None
    with pytest.raises(InvalidEmail):
        normalize_email("")


def test_validation_imports_neither_flask_nor_wtforms():
    """Services, the CSV importer and the CLI use it outside any request."""
    tree = ast.parse(Path(validation.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if m.split(".")[0] in ("flask", "flask_wtf", "wtforms")}


# --- the WTForms validators ---------------------------------------------------------------------

class _Data(dict):
    """A minimal multidict for WTForms."""

    def getlist(self, key):  # type: ignore[no-untyped-def]
        return [self[key]] if key in self else []


class _Form(Form):
    name = StringField(validators=[SingleLine()])
    bio = TextAreaField(validators=[MultiLine()])
    email = StringField(validators=[Optional(), ValidEmail()])
    own_words = StringField(validators=[Optional(), ValidEmail("Enter an email address, please.")])


def _errors(**data: str) -> dict[str, list[str]]:
    form = _Form(_Data(data))
    form.validate()
    return form.errors


def test_form_validators_refuse_with_the_shared_messages():
    errors = _errors(name="Name\r\nX-Injected: 1", bio="ok\x00", email="nope", own_words="nope")
    assert errors == {"name": [SINGLE_LINE_MESSAGE], "bio": [MULTI_LINE_MESSAGE],
                      "email": [EMAIL_MESSAGE], "own_words": ["Enter an email address, please."]}


def test_form_validators_accept_good_and_empty_input():
    assert _errors(name="St Mary's", bio="Line one\r\nLine two", email="ann@example.org") == {}
    assert _errors() == {}
