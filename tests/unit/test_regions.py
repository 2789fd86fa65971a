"""States and nations as people type them, and as the gazetteer names them."""

import pytest

from groupfinder.geo import regions


@pytest.mark.parametrize("typed", ["TX", "tx", "Texas", " texas ", "US-TX", "us-tx"])
def test_a_state_is_read_as_code_name_or_iso_code(typed):
    assert regions.parse_region(typed, "US").code == "US-TX"


@pytest.mark.parametrize("typed, code", [("Wales", "GB-WLS"), ("WLS", "GB-WLS"), ("gb-sct", "GB-SCT"),
                                         ("Northern Ireland", "GB-NIR"), ("NI", "GB-NIR"),
                                         ("england", "GB-ENG")])
def test_a_uk_nation_is_read_as_code_or_name(typed, code):
    assert regions.parse_region(typed, "GB").code == code


def test_blank_is_no_region():
    assert regions.parse_region("  ", "US") is None


def test_another_countrys_region_or_an_unknown_one_is_an_error():
    with pytest.raises(regions.RegionError, match=r"Texas \(US-TX\) is not in the UK"):
        regions.parse_region("US-TX", "GB")
    with pytest.raises(regions.RegionError, match="'Texsa' is not a state of the US"):
        regions.parse_region("Texsa", "US")


def test_gazetteer_admin1_names_the_region_and_crown_dependencies_have_none():
    assert regions.region_of_admin1("US", "District of Columbia").code == "US-DC"
    assert regions.region_of_admin1("GB", "Scotland").label == "Scotland (GB-SCT)"
    assert regions.region_of_admin1("GB", "Guernsey") is None
    assert regions.region_of_admin1("GB", None) is None


def test_every_country_lists_its_regions_by_name():
    assert len(regions.regions_of("US")) == 51
    assert [r.short for r in regions.regions_of("GB")] == ["ENG", "NIR", "SCT", "WLS"]
    assert regions.from_code("US-GA").short == "GA" and regions.from_code("") is None
