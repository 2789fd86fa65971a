"""groupfinder: find in-person mental-health support groups near you."""

__version__ = "0.1.0"


def create_app(overrides=None):  # type: ignore[no-untyped-def]
    """Build the Flask app (see ``groupfinder.app.create_app``); imported lazily."""
    from .app import create_app as _create_app

    return _create_app(overrides)


__all__ = ["__version__", "create_app"]
