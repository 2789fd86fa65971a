"""The README documents every setting config.py reads, and every command the CLI offers."""

import re
from pathlib import Path

from groupfinder.config import PREFIX, SETTINGS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_in_the_readme_table():
    documented = set(re.findall(r"^\| `(GROUPFINDER_[A-Z_]+)` \|", README, re.M))
    assert documented == {f"{PREFIX}_{s.name}" for s in SETTINGS}


def test_every_command_is_in_the_readme(app):
    ours = {name for name in app.cli.commands}
    for name in ours:
        assert f"groupfinder {name}" in README, name
