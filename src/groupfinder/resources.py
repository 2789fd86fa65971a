"""Where the shipped files are: inside an installed wheel, else at the repo root. Pure."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """``templates``/``static``/``data`` inside an installed wheel, else at the repo root."""
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent.parent / name
