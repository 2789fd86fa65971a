"""``{% cached 'name', key… %}…{% endcached %}``: a piece of a page rendered once per data version
and language, then reused by every request that asks for the same key. ``{% keep … %}…{% endkeep %}``
is the same for a piece that shows no data at all (the menu, the footer): kept whatever the data
version (until the cache needs the room), and never a query, so error pages (even with the
database down) can use it.

Most of a results card, the group page's fixed sections and the search form are the same for
every visitor until the data changes, yet rendering them was most of those pages' time
(``bench/page_profile.py``). The block's output is kept in the read cache (``readcache``), so a
commit that changes public data drops it in every worker and its memory counts against
``READ_CACHE_MB``; the key adds the page's language and the URL prefix its links carry.

The key must name everything the block reads that isn't public data of the current version:
what is per request (a distance, a "today" label, a link back to the results, a signed-in
account) stays outside the block. A key part that is ``None`` renders the block uncached: that is
how a template says "not this time" (a form with errors, a page built from something other than
the public read model).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import has_request_context, request
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup

from .localization import current_language
from .readcache import cache, current_token

_WHERE = "groupfinder.fragments"
# The "data version" of a piece that shows none: never a token (``readcache`` makes them of hex
# digits, or "-" before the first commit).
_NO_DATA = "(no data)"


def cached_fragment(parts: tuple[Any, ...], render: Callable[[], str], *, data: bool = True) -> str:
    """``render()``'s output for ``parts`` and this request's language and prefix, from the read
    cache when it holds one for the current data version (``data``) or at all (not ``data``)."""
    if not has_request_context() or any(part is None for part in parts):
        return render()
    environ = request.environ
    where = environ.get(_WHERE)
    if where is None:  # what every fragment of this request shares, found once
        where = environ[_WHERE] = (cache(), current_language(), request.script_root)
    store, language, prefix = where
    return store.get_or_build(("fragment", language, prefix, *_frozen(parts)),
                              current_token() if data else _NO_DATA, lambda: Markup(render()))


def _frozen(value: Any) -> Any:
    """A template's lists as tuples, so that a key built in Jinja can be hashed."""
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    return value


class FragmentCache(Extension):
    """The ``cached`` and ``keep`` tags (Django's ``{% cache %}`` and Flask-Caching's, keyed by
    data version, or by nothing but the key)."""

    tags = {"cached", "keep"}

    def parse(self, parser: Parser) -> nodes.Node:
        tag = next(parser.stream)
        parts = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            parts.append(parser.parse_expression())
        body = parser.parse_statements((f"name:end{tag.value}",), drop_needle=True)
        call = self.call_method("_render", [nodes.Tuple(parts, "load"),
                                            nodes.Const(tag.value == "cached")])
        return nodes.CallBlock(call, [], [], body).set_lineno(tag.lineno)

    @staticmethod
    def _render(parts: tuple[Any, ...], data: bool, caller: Callable[[], str]) -> str:
        return cached_fragment(parts, caller, data=data)
