from dataclasses import dataclass

import h3
import pytest

from groupfinder import privacy


@dataclass
class V:
    name: str = "St Anne's Hall"
    address: str = "14 Albion Street"
    postcode: str = "M1 1AE"
    town: str = "Manchester"
    country: str = "GB"
    latitude: float = 53.47712
    longitude: float = -2.23461


@dataclass
class G:
    is_sensitive: bool
    venue: V
    public_lat: float | None = None
    public_lng: float | None = None
    area_name: str | None = None


def test_sensitive_public_point_is_the_centre_of_the_h3_cell():
    v = V()
    point = privacy.compute_public_point(is_sensitive=True, venue=v)
    cell = h3.latlng_to_cell(v.latitude, v.longitude, 7)
    lat, lng = h3.cell_to_latlng(cell)
    assert point.cell == cell
    assert (point.latitude, point.longitude) == (round(lat, 4), round(lng, 4))
    assert (point.latitude, point.longitude) != (v.latitude, v.longitude)


def test_every_venue_in_one_cell_gets_the_same_public_point():
    a = privacy.compute_public_point(is_sensitive=True, venue=V())
    b = privacy.compute_public_point(is_sensitive=True, venue=V(latitude=53.47715, longitude=-2.23465))
    assert a == b


def test_public_point_is_deterministic():
    assert privacy.compute_public_point(is_sensitive=True, venue=V()) == \
        privacy.compute_public_point(is_sensitive=True, venue=V())


def test_sensitive_location_carries_only_the_area():
    v = V()
    point = privacy.compute_public_point(is_sensitive=True, venue=v)
    g = G(True, v, point.latitude, point.longitude, point.area_name)
    loc = privacy.public_location(g)
    assert loc.approximate
    assert loc.venue_name is None and loc.address is None and loc.postcode is None
    text = repr(loc) + loc.one_line
    for secret in (v.name, v.address, v.postcode, str(v.latitude), str(v.longitude)):
        assert secret not in text
    assert loc.area == "Manchester (M1)"


def test_ordinary_location_shows_the_venue():
    v = V()
    point = privacy.compute_public_point(is_sensitive=False, venue=v)
    loc = privacy.public_location(G(False, v, point.latitude, point.longitude, point.area_name))
    assert not loc.approximate
    assert loc.venue_name == v.name and loc.address == v.address
    assert (loc.latitude, loc.longitude) == (v.latitude, v.longitude)


@pytest.mark.parametrize("area,ok", [
    ("Ancoats", True), ("St Anne's Hall area", False), ("Albion Street", False),
    ("M1 1AE", False), ("M1", True), ("", False),
])
def test_area_name_must_not_locate_the_venue(area, ok):
    assert (privacy.validate_area_name(area, V()) == []) is ok


def test_private_contact_is_hidden_unless_opted_in():
    @dataclass
    class F:
        email: str = "sam@example.org"
        phone: str = "0161 496 0123"
        show_email: bool = False
        show_phone: bool = True

    contact = privacy.public_contact(F())
    assert contact.email is None and contact.phone == "0161 496 0123"


def test_redacted_query_strings_keep_names_and_drop_every_value():
    q = "where=M1+1AE&condition=ptsd&audience=lgbtq&lat=53.48&lng=-2.24&cursor=abc"
    out = privacy.redact_query_string(q)
    for value in ("M1", "53.48", "-2.24", "ptsd", "lgbtq", "abc"):
        assert value not in out
    assert out == "where=…&condition=…&audience=…&lat=…&lng=…&cursor=…"
