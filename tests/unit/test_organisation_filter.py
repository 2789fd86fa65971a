"""Search's ``organisation`` filter, without an app: parsed like the other slug filters (only the
public organisations' slugs), a removable chip of its own, and words in a search feed's name."""

from __future__ import annotations

import pytest

from groupfinder.exceptions import InvalidInput
from groupfinder.feeds.series import search_feed_name
from groupfinder.groups.criteria import parse_search_args
from groupfinder.groups.summary import chips, clear_all

VOCAB = {"condition": {"anxiety"}, "organisation": {"peachtree-peer-alliance", "salford-wellbeing-network"}}
NAMES = {"condition": {"anxiety": "Anxiety"},
         "organisation": {"peachtree-peer-alliance": "Peachtree Peer Alliance",
                          "salford-wellbeing-network": "Salford Wellbeing Network"}}


def test_organisations_are_parsed_as_any_of_known_slugs():
    req = parse_search_args({"where": ["M1 1AE"], "organisation": [
        "salford-wellbeing-network,peachtree-peer-alliance", "salford-wellbeing-network"]}, vocab=VOCAB)
    assert req.organisations == ("salford-wellbeing-network", "peachtree-peer-alliance")
    assert ("organisations", ("peachtree-peer-alliance", "salford-wellbeing-network")) in req.cache_key()


def test_an_unknown_or_unpublished_organisation_is_a_field_error():
    with pytest.raises(InvalidInput) as caught:
        parse_search_args({"where": ["M1 1AE"], "organisation": ["drafts-only-team"]}, vocab=VOCAB)
    assert list(caught.value.field_errors) == ["organisation"]


def test_the_chip_says_who_runs_the_groups_and_removes_only_itself():
    pairs = (("where", "M1 1AE"), ("condition", "anxiety"), ("organisation", "salford-wellbeing-network"),
             ("page", "2"))
    found = chips(pairs, conditions=("anxiety",), days=(), when=None, starts_after=None,
                  starts_before=None, audiences=(), languages=(), access=(), names=NAMES,
                  organisations=("salford-wellbeing-network",))
    chip = found[-1]
    assert (chip.kind, chip.label) == ("organisation", "Run by Salford Wellbeing Network")
    assert chip.remove == (("where", "M1 1AE"), ("condition", "anxiety"))
    assert clear_all(pairs) == (("where", "M1 1AE"),)


def test_a_search_feed_is_named_for_the_organisation():
    assert search_feed_name(place="M1 1AE", organisations=["Salford Wellbeing Network"]) == \
        "Support groups run by Salford Wellbeing Network near M1 1AE"
