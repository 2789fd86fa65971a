"""Every audit action has words for admins, and every action written in the code is one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import groupfinder
from groupfinder.audit import AuditAction, audit, label_of
from groupfinder.audit.actions import LABELS

SRC = Path(groupfinder.__file__).parent


def test_every_action_has_a_label():
    assert set(LABELS) == set(AuditAction)
    assert all(label and not label.startswith(("group.", "review.")) for label in LABELS.values())


def _written_actions() -> set[str]:
    found = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "audit" \
                    and node.args and isinstance(node.args[0], ast.Constant):
                found.add(node.args[0].value)
    return found


def test_every_action_written_in_the_code_is_known():
    written = _written_actions()
    assert len(written) >= 15  # the scan really found the calls
    assert written <= {a.value for a in AuditAction}


def test_an_unknown_action_is_refused_and_an_old_one_still_reads():
    with pytest.raises(ValueError):
        audit("group.vanished", by=None)
    assert label_of("group.created") == "Created a listing"
    assert label_of("legacy.thing") == "legacy.thing"
