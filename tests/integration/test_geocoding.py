"""geo.geocoding: the offline gazetteer path, the cache, and the online path with fake adapters."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import sqlalchemy as sa
from geopy.adapters import AdapterHTTPError, BaseSyncAdapter
from geopy.exc import GeocoderTimedOut, GeocoderUnavailable
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from sqlalchemy.orm import Session, sessionmaker

from groupfinder.errors import AmbiguousPlace, GeocodingUnavailable, InvalidInput, PlaceNotFound
from groupfinder.geo.geocoding import (
    CachedGeocoder,
    GazetteerGeocoder,
    GeocodingService,
    NoNetworkAdapter,
    make_online_geocoder,
)
from groupfinder.geo.models import GeocodeCache

LONDON = [{"lat": "51.5073219", "lon": "-0.1276474",
           "display_name": "10 Downing Street, Westminster, London, Greater London, England, United Kingdom"}]


@pytest.fixture()
def factory(engine):
    with Session(engine) as session:
        session.execute(sa.delete(GeocodeCache))
        session.commit()
    return sessionmaker(bind=engine)


@pytest.fixture()
def service(factory):
    return GeocodingService(factory, ["GB", "US"])


class CannedAdapter(BaseSyncAdapter):
    is_available = True
    answer: object = LONDON
    urls: list[str] = []

    def __init__(self, *, proxies, ssl_context):
        super().__init__(proxies=proxies, ssl_context=ssl_context)

    def get_text(self, url, *, timeout, headers):
        raise NotImplementedError

    def get_json(self, url, *, timeout, headers):
        type(self).urls.append(url)
        return self.answer


class EmptyAdapter(CannedAdapter):
    answer: object = []


class TimeoutAdapter(CannedAdapter):
    def get_json(self, url, *, timeout, headers):
        raise GeocoderTimedOut("timed out")


class DownAdapter(CannedAdapter):
    def get_json(self, url, *, timeout, headers):
        raise GeocoderUnavailable("unreachable")


class RateLimitedAdapter(CannedAdapter):
    def get_json(self, url, *, timeout, headers):
        raise AdapterHTTPError("429", status_code=429, headers={"retry-after": "120"}, text="slow down")


def online_service(factory, adapter, **kw):
    CannedAdapter.urls = []
    nominatim = Nominatim(user_agent="groupfinder-tests", adapter_factory=adapter, timeout=5)
    return GeocodingService(factory, ["GB", "US"], nominatim, provider="nominatim", **kw)


# --- offline resolution -----------------------------------------------------------------------


def test_full_postcode_resolves_to_its_sector(service):
    origin = service.resolve("M1 1AE")
    assert (origin.label, origin.precision, origin.country) == ("M1 1, Manchester", "postcode_sector", "GB")


def test_sector_and_district_with_similar_spelling_resolve_to_different_places(service):
    sector, district = service.resolve("EH1 1"), service.resolve("EH11")
    assert sector.precision == "postcode_sector" and district.precision == "postcode_district"
    assert (sector.latitude, sector.longitude) != (district.latitude, district.longitude)


def test_full_postcode_without_a_sector_falls_back_to_its_district(service):
    origin = service.resolve("BT1 1AA")
    assert (origin.label, origin.precision) == ("BT1, Belfast", "postcode_district")


def test_unknown_postcode_is_place_not_found_with_a_field_message(service):
    with pytest.raises(PlaceNotFound) as info:
        service.resolve("ZZ9 9ZZ")
    assert info.value.field_errors == {
        "where": ["We couldn't find the postcode ZZ9 9ZZ. Check it, or try your town."]}


def test_malformed_postcode_is_invalid_input_with_the_friendly_message(service):
    with pytest.raises(InvalidInput) as info:
        service.resolve("SW1A 1A")
    assert info.value.field_errors["where"][0].startswith("'SW1A 1A' isn't a complete UK postcode.")


def test_zip_resolves(service):
    origin = service.resolve("10001")
    assert (origin.label, origin.precision, origin.country) == ("10001, New York", "zip", "US")


def test_town_resolves(service):
    assert service.resolve("Cardiff").label == "Cardiff"
    leeds = service.resolve("leeds")
    assert leeds.country == "GB" and leeds.label == "Leeds, England"


def test_state_abbreviation_picks_the_right_brooklyn(service):
    origin = service.resolve("Brooklyn, NY")
    assert origin.country == "US" and 40.6 < origin.latitude < 40.7


def test_dominant_place_wins_and_lists_the_others_as_alternatives(service):
    origin = service.resolve("Newport")
    assert origin.label == "Newport, Wales"
    labels = [a.label for a in origin.alternatives]
    assert "Newport, Isle of Wight" in labels and "Newport, Telford and Wrekin" in labels


def test_every_alternative_where_resolves_to_that_alternative(service):
    for alternative in service.resolve("Newport").alternatives:
        again = service.resolve(alternative.where)
        expected = (alternative.latitude, alternative.longitude)
        assert (again.latitude, again.longitude) == pytest.approx(expected, abs=0.001)


def test_qualifier_after_a_comma_picks_one_newport(service):
    origin = service.resolve("Newport, Isle of Wight")
    assert 50.6 < origin.latitude < 50.8 and origin.alternatives == ()


def test_several_similar_places_ask_which_one(service):
    with pytest.raises(AmbiguousPlace) as info:
        service.resolve("Springfield")
    candidates = info.value.candidates
    assert len(candidates) > 3
    assert set(candidates[0]) == {"label", "latitude", "longitude", "where"}
    assert info.value.extra["candidates"] == candidates
    assert info.value.field_errors["where"]
    for candidate in candidates[:4]:
        origin = service.resolve(candidate["where"])
        assert origin.latitude == pytest.approx(candidate["latitude"], abs=0.001)


def test_unmatched_qualifier_asks_rather_than_guesses(service):
    with pytest.raises(AmbiguousPlace):
        service.resolve("Newport, Shropshire")


def test_address_offline_uses_the_town_in_its_last_part(service):
    origin = service.resolve("14 High Street, Cardiff")
    assert origin.label == "Cardiff" and origin.precision == "place"


def test_misspelt_town_suggests_the_right_one(service):
    with pytest.raises(PlaceNotFound) as info:
        service.resolve("Nwport")
    assert info.value.extra["suggestions"][0] == "Newport"
    assert info.value.field_errors["where"] == ["We couldn't find 'Nwport'. Did you mean: Newport?"]


def test_misspelt_city_suggests_it_first_in_the_message(service):
    with pytest.raises(PlaceNotFound) as info:
        service.resolve("Edinbrugh")
    suggestions = info.value.extra["suggestions"]
    assert suggestions[0] == "Edinburgh" and len(suggestions) <= 3
    assert info.value.field_errors["where"] == [
        f"We couldn't find 'Edinbrugh'. Did you mean: {', '.join(suggestions)}?"]


def test_nothing_typed_asks_for_a_place(service):
    with pytest.raises(InvalidInput) as info:
        service.resolve("   ")
    assert info.value.field_errors == {"where": ["Enter a postcode, town or address — or use your location."]}


def test_coordinates_are_labelled_by_the_nearest_sector(service):
    origin = service.resolve(lat="53.4801", lng="-2.2402")
    assert origin.precision == "coordinates"
    assert (origin.latitude, origin.longitude) == (53.48, -2.24)
    assert origin.label.endswith(", Manchester")


def test_bad_coordinates_name_the_field(service):
    with pytest.raises(InvalidInput) as info:
        service.resolve(lat="91", lng="0")
    assert list(info.value.field_errors) == ["lat"]
    with pytest.raises(InvalidInput) as info:
        service.resolve(lat="51", lng="x")
    assert list(info.value.field_errors) == ["lng"]


def test_point_outside_coverage_says_what_is_covered(service):
    with pytest.raises(InvalidInput) as info:
        service.resolve("48.857, 2.352")
    assert info.value.detail == "We only list groups in the UK and the US at the moment."


def test_only_uk_configured_refuses_a_zip(factory):
    with pytest.raises(InvalidInput) as info:
        GeocodingService(factory, ["GB"]).resolve("10001")
    assert info.value.detail == "We only list groups in the UK at the moment."


# --- the geopy face of the gazetteer ----------------------------------------------------------


def test_gazetteer_geocoder_is_a_geopy_geocoder_returning_locations(factory):
    geocoder = GazetteerGeocoder(factory, countries=["GB"])
    assert isinstance(geocoder, Geocoder)
    location = geocoder.geocode("sw1a 1aa")
    assert location.address == "SW1A 1, London"
    assert location.raw["kind"] == "postcode_sector" and location.raw["admin2"] == "City of Westminster"
    assert geocoder.geocode("Qqqqzz") is None
    several = geocoder.geocode("Newport", exactly_one=False)
    assert len(several) > 3 and several[0].raw["admin1"] == "Wales"


def test_gazetteer_geocoder_reverse_names_a_point(factory):
    location = GazetteerGeocoder(factory, countries=["GB"]).reverse((53.48, -2.24))
    assert location.raw["kind"] == "postcode_sector"


def test_offline_adapter_refuses_the_network():
    adapter = NoNetworkAdapter(proxies=None, ssl_context=None)
    with pytest.raises(GeocoderUnavailable):
        adapter.get_json("https://example.invalid/", timeout=1, headers={})


# --- the online path, with fake adapters ------------------------------------------------------


def test_free_text_goes_online_with_the_configured_countries(factory):
    service = online_service(factory, CannedAdapter)
    origin = service.resolve("10 Downing Street Westminster")
    assert origin.precision == "address"
    assert origin.label == "10 Downing Street, Westminster, London"
    assert "countrycodes=gb%2Cus" in CannedAdapter.urls[0] or "countrycodes=gb,us" in CannedAdapter.urls[0]


def test_postcodes_and_towns_never_go_online(factory):
    service = online_service(factory, CannedAdapter)
    service.resolve("M1 1AE")
    service.resolve("Leeds")
    assert CannedAdapter.urls == []


def test_online_answer_is_cached_and_counted(factory):
    service = online_service(factory, CannedAdapter)
    service.resolve("10 Downing Street Westminster")
    service.resolve("  10 downing street   WESTMINSTER ")
    assert len(CannedAdapter.urls) == 1
    with factory() as session:
        entry = session.scalars(sa.select(GeocodeCache)).one()
    assert entry.found and entry.hits == 1 and entry.provider == "nominatim"
    assert "Downing" not in entry.key  # only a hash of the query is the key


def test_not_found_online_is_cached_for_a_shorter_time(factory):
    now = [dt.datetime(2025, 1, 1, tzinfo=dt.UTC)]
    CannedAdapter.urls = []
    nominatim = Nominatim(user_agent="groupfinder-tests", adapter_factory=EmptyAdapter)
    cached = CachedGeocoder(nominatim, factory, provider="nominatim", clock=lambda: now[0])
    assert cached.geocode("nowhere at all") is None
    assert cached.geocode("nowhere at all") is None
    assert len(CannedAdapter.urls) == 1
    now[0] += dt.timedelta(days=2)
    assert cached.geocode("nowhere at all") is None
    assert len(CannedAdapter.urls) == 2


def test_unknown_free_text_online_is_place_not_found(factory):
    with pytest.raises(PlaceNotFound):
        online_service(factory, EmptyAdapter).resolve("Qqqqzz Street")


@pytest.mark.parametrize("adapter", [TimeoutAdapter, DownAdapter, RateLimitedAdapter])
def test_online_failure_is_geocoding_unavailable(factory, adapter):
    with pytest.raises(GeocodingUnavailable) as info:
        online_service(factory, adapter).resolve("10 Downing Street Westminster")
    assert info.value.field_errors == {
        "where": ["Address search is unavailable right now. A postcode or town name still works."]}


def test_online_failure_falls_back_to_the_town_with_a_notice(factory):
    origin = online_service(factory, TimeoutAdapter).resolve("14 High Street, Cardiff")
    assert origin.label == "Cardiff"
    assert origin.notice == "Address search is unavailable right now. A postcode or town name still works."


def test_rate_limit_opens_the_breaker_for_retry_after(factory):
    service = online_service(factory, RateLimitedAdapter)
    with pytest.raises(GeocodingUnavailable) as info:
        service.resolve("10 Downing Street Westminster")
    assert info.value.retry_after == 120
    CannedAdapter.urls = []
    with pytest.raises(GeocodingUnavailable):
        service.resolve("1 Other Street Westminster")
    assert CannedAdapter.urls == []  # no second request while the breaker is open


def test_online_result_outside_coverage_is_refused(factory):
    class ParisAdapter(CannedAdapter):
        answer = [{"lat": "48.8566", "lon": "2.3522", "display_name": "Paris, France"}]

    with pytest.raises(InvalidInput) as info:
        online_service(factory, ParisAdapter).resolve("Rue de Rivoli")
    assert info.value.detail == "We only list groups in the UK and the US at the moment."


def test_offline_name_builds_no_online_geocoder():
    assert make_online_geocoder("offline") is None
    built = make_online_geocoder("nominatim", user_agent="groupfinder-tests", domain="nominatim.example.org",
                                 timeout=3, adapter_factory=CannedAdapter)
    assert isinstance(built, Nominatim) and built.domain == "nominatim.example.org"


def test_query_text_never_reaches_the_logs(factory, caplog):
    caplog.set_level(logging.DEBUG)
    service = online_service(factory, TimeoutAdapter)
    with pytest.raises(GeocodingUnavailable):
        service.resolve("42 Secret Lane Westminster")
    service.resolve("EH1 1")
    assert "Secret" not in caplog.text and "EH1" not in caplog.text
    assert logging.getLogger("geopy").getEffectiveLevel() >= logging.INFO


def test_point_labels_follow_a_gazetteer_reload(service, monkeypatch):
    """A reload (another process's load-reference-data) changes the gazetteer's data version;
    the per-process cache of point labels is dropped at the next check, not kept forever."""
    from types import SimpleNamespace

    from groupfinder.geo import gazetteer

    service.LABELS_CHECK_SECONDS = 0.0
    first = service.resolve(lat="53.4801", lng="-2.2402")
    key = (53.48, -2.24)
    stale = service._labels[key]
    assert stale and first.label
    service._labels[key] = SimpleNamespace(row=stale.row, label="Stale Label")
    assert service.resolve(lat="53.4801", lng="-2.2402").label == "Stale Label"  # (control)
    monkeypatch.setattr(gazetteer, "data_version", lambda session: ("reloaded",))
    again = service.resolve(lat="53.4801", lng="-2.2402")
    assert again.label == first.label and service._labels_version == ("reloaded",)
