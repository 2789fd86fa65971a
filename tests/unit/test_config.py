import pytest

from groupfinder.config import ConfigError, load


def test_defaults_give_a_working_sqlite_configuration(tmp_path):
    cfg = load(str(tmp_path), {"TESTING": True}, environ={})
    assert cfg["DATABASE_URL"] == f"sqlite:///{tmp_path}/groupfinder.sqlite3"
    assert cfg["GEOCODER_COUNTRIES"] == ("GB", "US")
    assert cfg["DISTANCE_UNIT"] == "auto"  # miles for a UK or US place, km elsewhere


def test_environment_variables_are_read_with_the_prefix(tmp_path):
    env = {"GROUPFINDER_SECRET_KEY": "k" * 40, "GROUPFINDER_DISTANCE_UNIT": "mi",
           "GROUPFINDER_DEFAULT_RADIUS_KM": "40", "GROUPFINDER_DEBUG": "no"}
    cfg = load(str(tmp_path), environ=env)
    assert cfg["DISTANCE_UNIT"] == "mi"
    assert cfg["DEFAULT_RADIUS_KM"] == 40.0
    assert cfg["DEBUG"] is False


def test_missing_secret_key_outside_debug_stops_start_up_with_a_clear_message(tmp_path):
    with pytest.raises(ConfigError, match="GROUPFINDER_SECRET_KEY is required"):
        load(str(tmp_path), environ={})


def test_every_problem_is_listed_at_once(tmp_path):
    env = {"GROUPFINDER_SECRET_KEY": "x" * 40, "GROUPFINDER_DISTANCE_UNIT": "furlongs",
           "GROUPFINDER_GEOCODER": "nominatim", "GROUPFINDER_BASE_URL": "groups.example.org",
           "GROUPFINDER_DEFAULT_RADIUS_KM": "lots", "GROUPFINDER_GEOCODER_COUNTRIES": "FR"}
    with pytest.raises(ConfigError) as info:
        load(str(tmp_path), environ=env)
    message = str(info.value)
    for fragment in ("DISTANCE_UNIT", "GEOCODER_USER_AGENT", "BASE_URL", "DEFAULT_RADIUS_KM",
                     "GEOCODER_COUNTRIES"):
        assert fragment in message


def test_create_app_refuses_an_invalid_setting(tmp_path):
    from groupfinder import create_app

    with pytest.raises(ConfigError, match="CLOCK"):
        create_app({"TESTING": True, "CLOCK": "36h",
                    "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
