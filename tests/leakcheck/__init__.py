"""Helpers for the leak crawler and the trilateration attack (tests/web/test_leaks.py,
tests/web/test_trilateration.py): seeded marker data, a same-site crawler, body normalisation
and scanners that *report* what they find, so the tests can also prove they fail when the
privacy rule is broken (docs/security-privacy.md §2)."""
