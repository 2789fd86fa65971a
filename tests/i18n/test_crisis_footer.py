"""The footer's urgent-help line follows the page's place and language."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _footer(client, url: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(url).get_data(as_text=True)
    return page[page.index('class="crisis"'):page.index("</aside>", page.index('class="crisis"'))]


def test_a_us_search_names_988_and_a_uk_one_the_samaritans(client) -> None:  # type: ignore[no-untyped-def]
    us = _footer(client, "/search?where=10001")
    assert 'href="tel:988"' in us and "116 123" not in us
    uk = _footer(client, "/search?where=M1+1AE")
    assert "116 123" in uk and 'href="tel:988"' not in uk


def test_988s_spanish_line_in_spanish_and_the_welsh_line_in_welsh(client) -> None:  # type: ignore[no-untyped-def]
    assert "AYUDA" in _footer(client, "/es/search?where=10001")
    assert "AYUDA" not in _footer(client, "/search?where=10001")
    assert "0808 164 0123" in _footer(client, "/cy/search?where=CF10+1AA")
    assert "0808 164 0123" not in _footer(client, "/es/search?where=CF10+1AA")
