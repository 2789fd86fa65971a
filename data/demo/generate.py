#!/usr/bin/env python3
"""Generate the fictional demo listings in ``data/demo/listings.json``.

Run from anywhere: ``python data/demo/generate.py``. Standard library only, deterministic
(one ``random.Random`` with a fixed seed, every list sorted by key), so running it twice writes
byte-identical output. The format is described in ``data/demo/README.md``.

Everything written here is invented: groups, venues, street addresses, people, emails (only
``example.org/.com/.net``) and phone numbers (only Ofcom's drama ranges and US 555-01xx).
Postcode districts/sectors and ZIP codes are real so that search and the gazetteer work;
the unit part of a UK postcode and every house number are made up.

After writing, a self-check re-reads the file and asserts the coverage rules (vocabulary,
schedule kinds, cities, sensitive groups, reserved contact ranges, privacy of sensitive text);
it exits non-zero when a rule fails.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import json
import math
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from random import Random

SEED = 20250914
HERE = Path(__file__).resolve().parent
OUT = HERE / "listings.json"
VOCAB_DIR = HERE.parent / "vocabularies"
FORMAT = 1

# --------------------------------------------------------------------------- cities
# code, display name, country, IANA zone, centre (lat, lng), target number of groups
CITIES = [
    ("ldn", "London", "GB", "Europe/London", (51.507, -0.128), 130),
    ("man", "Manchester", "GB", "Europe/London", (53.480, -2.242), 46),
    ("bhm", "Birmingham", "GB", "Europe/London", (52.480, -1.900), 40),
    ("lds", "Leeds", "GB", "Europe/London", (53.797, -1.546), 34),
    ("gla", "Glasgow", "GB", "Europe/London", (55.861, -4.251), 36),
    ("edi", "Edinburgh", "GB", "Europe/London", (55.953, -3.189), 30),
    ("bri", "Bristol", "GB", "Europe/London", (51.455, -2.590), 30),
    ("cdf", "Cardiff", "GB", "Europe/London", (51.481, -3.179), 26),
    ("bfs", "Belfast", "GB", "Europe/London", (54.597, -5.930), 24),
    ("nyc", "New York", "US", "America/New_York", (40.730, -73.990), 122),
    ("chi", "Chicago", "US", "America/Chicago", (41.882, -87.628), 56),
    ("sea", "Seattle", "US", "America/Los_Angeles", (47.609, -122.333), 36),
    ("atl", "Atlanta", "US", "America/New_York", (33.755, -84.390), 34),
    ("aus", "Austin", "US", "America/Chicago", (30.268, -97.743), 30),
    ("bos", "Boston", "US", "America/New_York", (42.358, -71.060), 32),
]
CITY = {c[0]: c for c in CITIES}

# Districts: (postcode district or ZIP, neighbourhood, lat, lng, weight, sectors, town override)
# Centroids are approximate (3 decimals) and chosen a little inland of rivers and shores, so the
# small jitter added per venue stays on land. UK sectors are real sector digits of the district.
D = tuple
DISTRICTS: dict[str, list[tuple]] = {
    "ldn": [
        D(("E1", "Whitechapel", 51.517, -0.062, 4, "12345")),
        D(("E2", "Bethnal Green", 51.529, -0.058, 3, "06789")),
        D(("E8", "Hackney", 51.543, -0.066, 4, "1234")),
        D(("E9", "Homerton", 51.546, -0.043, 2, "567")),
        D(("E15", "Stratford", 51.541, -0.002, 2, "1234")),
        D(("N1", "Islington", 51.537, -0.102, 4, "0123456789")),
        D(("N4", "Finsbury Park", 51.566, -0.106, 2, "1234")),
        D(("N7", "Holloway", 51.553, -0.118, 2, "06789")),
        D(("N16", "Stoke Newington", 51.562, -0.076, 3, "05678")),
        D(("NW1", "Camden Town", 51.537, -0.142, 4, "0123456789")),
        D(("NW5", "Kentish Town", 51.551, -0.141, 2, "1234")),
        D(("EC1V", "Clerkenwell", 51.527, -0.100, 2, "0123456789")),
        D(("WC1H", "Bloomsbury", 51.525, -0.127, 2, "089")),
        D(("SE1", "Southwark", 51.499, -0.094, 4, "0123456789")),
        D(("SE5", "Camberwell", 51.474, -0.092, 3, "0789")),
        D(("SE10", "Greenwich", 51.478, -0.010, 2, "089")),
        D(("SE13", "Lewisham", 51.461, -0.011, 2, "567")),
        D(("SE15", "Peckham", 51.470, -0.068, 3, "123456")),
        D(("SW2", "Brixton Hill", 51.451, -0.118, 2, "12345")),
        D(("SW9", "Brixton", 51.465, -0.114, 3, "06789")),
        D(("SW11", "Battersea", 51.465, -0.163, 2, "123456")),
        D(("W2", "Paddington", 51.516, -0.180, 2, "123456")),
        D(("W6", "Hammersmith", 51.494, -0.226, 2, "0789")),
        D(("W10", "North Kensington", 51.522, -0.211, 2, "456")),
    ],
    "man": [
        D(("M1", "City Centre", 53.478, -2.236, 3, "1234567")),
        D(("M4", "Ancoats", 53.485, -2.227, 3, "1234567")),
        D(("M8", "Cheetham Hill", 53.508, -2.238, 2, "04589")),
        D(("M9", "Harpurhey", 53.515, -2.215, 1, "045678")),
        D(("M11", "Openshaw", 53.477, -2.185, 1, "1234")),
        D(("M12", "Longsight", 53.462, -2.200, 2, "456")),
        D(("M13", "Ardwick", 53.463, -2.222, 2, "09")),
        D(("M14", "Rusholme", 53.449, -2.221, 3, "4567")),
        D(("M15", "Hulme", 53.467, -2.250, 2, "456")),
        D(("M16", "Whalley Range", 53.453, -2.266, 2, "0789")),
        D(("M19", "Levenshulme", 53.443, -2.193, 2, "123")),
        D(("M20", "Didsbury", 53.417, -2.231, 2, "123456")),
        D(("M5", "Salford", 53.478, -2.289, 2, "345", "Salford")),
        D(("M6", "Pendleton", 53.491, -2.287, 2, "5678", "Salford")),
    ],
    "bhm": [
        D(("B1", "City Centre", 52.478, -1.910, 3, "123")),
        D(("B2", "New Street", 52.479, -1.898, 1, "45")),
        D(("B5", "Digbeth", 52.472, -1.890, 2, "567")),
        D(("B6", "Aston", 52.500, -1.885, 2, "4567")),
        D(("B10", "Small Heath", 52.470, -1.856, 2, "09")),
        D(("B11", "Sparkhill", 52.455, -1.862, 2, "1234")),
        D(("B12", "Balsall Heath", 52.459, -1.882, 2, "089")),
        D(("B13", "Moseley", 52.445, -1.887, 2, "89")),
        D(("B15", "Edgbaston", 52.465, -1.921, 2, "123")),
        D(("B18", "Jewellery Quarter", 52.489, -1.914, 2, "4567")),
        D(("B19", "Lozells", 52.499, -1.903, 1, "123")),
        D(("B29", "Selly Oak", 52.440, -1.940, 2, "4567")),
    ],
    "lds": [
        D(("LS1", "City Centre", 53.797, -1.548, 3, "123456")),
        D(("LS2", "Woodhouse", 53.805, -1.550, 2, "3789")),
        D(("LS4", "Burley", 53.811, -1.589, 1, "2")),
        D(("LS6", "Headingley", 53.820, -1.577, 3, "1234")),
        D(("LS7", "Chapeltown", 53.823, -1.531, 2, "1234")),
        D(("LS8", "Harehills", 53.816, -1.510, 2, "12345")),
        D(("LS9", "Burmantofts", 53.801, -1.515, 2, "06789")),
        D(("LS11", "Beeston", 53.780, -1.556, 2, "056789")),
        D(("LS12", "Armley", 53.797, -1.590, 2, "123456")),
    ],
    "gla": [
        D(("G1", "Merchant City", 55.860, -4.247, 3, "12345")),
        D(("G2", "City Centre", 55.863, -4.258, 2, "12345678")),
        D(("G3", "Finnieston", 55.866, -4.280, 2, "678")),
        D(("G4", "Townhead", 55.867, -4.243, 2, "09")),
        D(("G11", "Partick", 55.871, -4.305, 2, "567")),
        D(("G12", "Hillhead", 55.877, -4.292, 2, "089")),
        D(("G20", "Maryhill", 55.888, -4.285, 2, "06789")),
        D(("G31", "Dennistoun", 55.858, -4.212, 2, "12345")),
        D(("G40", "Bridgeton", 55.849, -4.224, 1, "1234")),
        D(("G41", "Pollokshields", 55.839, -4.275, 2, "12345")),
        D(("G42", "Govanhill", 55.836, -4.258, 2, "789")),
        D(("G51", "Govan", 55.854, -4.312, 1, "1234")),
    ],
    "edi": [
        D(("EH1", "Old Town", 55.950, -3.190, 3, "123")),
        D(("EH2", "New Town", 55.954, -3.197, 2, "1234")),
        D(("EH3", "Tollcross", 55.946, -3.205, 2, "56789")),
        D(("EH6", "Leith", 55.969, -3.172, 3, "45678")),
        D(("EH7", "Abbeyhill", 55.958, -3.170, 2, "456")),
        D(("EH8", "Southside", 55.946, -3.178, 2, "789")),
        D(("EH9", "Marchmont", 55.936, -3.185, 2, "123")),
        D(("EH10", "Morningside", 55.928, -3.210, 2, "456")),
        D(("EH11", "Gorgie", 55.937, -3.230, 2, "1234")),
    ],
    "bri": [
        D(("BS1", "Broadmead", 51.458, -2.589, 3, "123456")),
        D(("BS2", "St Pauls", 51.463, -2.582, 2, "089")),
        D(("BS3", "Bedminster", 51.438, -2.600, 2, "12345")),
        D(("BS4", "Knowle", 51.435, -2.565, 1, "12345")),
        D(("BS5", "Easton", 51.463, -2.562, 3, "06789")),
        D(("BS6", "Redland", 51.470, -2.600, 2, "567")),
        D(("BS7", "Bishopston", 51.482, -2.590, 2, "089")),
        D(("BS8", "Clifton", 51.458, -2.614, 2, "1234")),
    ],
    "cdf": [
        D(("CF10", "City Centre", 51.480, -3.177, 3, "12345")),
        D(("CF11", "Canton", 51.481, -3.203, 3, "6789")),
        D(("CF14", "Whitchurch", 51.513, -3.219, 2, "123456789")),
        D(("CF23", "Penylan", 51.502, -3.160, 2, "56789")),
        D(("CF24", "Roath", 51.490, -3.164, 3, "012345")),
        D(("CF5", "Ely", 51.483, -3.240, 1, "123456")),
    ],
    "bfs": [
        D(("BT1", "City Centre", 54.600, -5.932, 3, "123456")),
        D(("BT2", "Shaftesbury Square", 54.593, -5.933, 1, "78")),
        D(("BT4", "Ballyhackamore", 54.600, -5.870, 2, "123")),
        D(("BT5", "Castlereagh", 54.588, -5.882, 1, "4567")),
        D(("BT6", "Ravenhill", 54.579, -5.905, 1, "089")),
        D(("BT7", "Ormeau", 54.584, -5.929, 2, "123")),
        D(("BT9", "Malone", 54.573, -5.950, 2, "567")),
        D(("BT11", "Andersonstown", 54.580, -5.990, 1, "89")),
        D(("BT12", "Falls", 54.593, -5.957, 2, "4567")),
        D(("BT13", "Shankill", 54.605, -5.955, 1, "123")),
        D(("BT15", "North Belfast", 54.622, -5.937, 1, "12345")),
    ],
    "nyc": [
        D(("10001", "Chelsea", 40.750, -73.997, 3, "", "New York")),
        D(("10002", "Lower East Side", 40.716, -73.986, 3, "", "New York")),
        D(("10003", "East Village", 40.732, -73.989, 3, "", "New York")),
        D(("10009", "Alphabet City", 40.726, -73.980, 2, "", "New York")),
        D(("10011", "West Chelsea", 40.741, -74.000, 2, "", "New York")),
        D(("10012", "SoHo", 40.725, -73.998, 1, "", "New York")),
        D(("10014", "West Village", 40.734, -74.003, 2, "", "New York")),
        D(("10016", "Murray Hill", 40.745, -73.979, 2, "", "New York")),
        D(("10019", "Hell's Kitchen", 40.765, -73.987, 2, "", "New York")),
        D(("10024", "Upper West Side", 40.797, -73.972, 2, "", "New York")),
        D(("10026", "Central Harlem", 40.802, -73.953, 2, "", "New York")),
        D(("10027", "Harlem", 40.811, -73.951, 2, "", "New York")),
        D(("10029", "East Harlem", 40.792, -73.944, 2, "", "New York")),
        D(("10031", "Hamilton Heights", 40.825, -73.948, 1, "", "New York")),
        D(("10032", "Washington Heights", 40.839, -73.941, 2, "", "New York")),
        D(("10040", "Inwood", 40.858, -73.930, 1, "", "New York")),
        D(("11201", "Brooklyn Heights", 40.693, -73.989, 2, "", "Brooklyn")),
        D(("11205", "Fort Greene", 40.693, -73.967, 2, "", "Brooklyn")),
        D(("11211", "Williamsburg", 40.711, -73.954, 2, "", "Brooklyn")),
        D(("11215", "Park Slope", 40.668, -73.984, 3, "", "Brooklyn")),
        D(("11216", "Bedford-Stuyvesant", 40.681, -73.949, 2, "", "Brooklyn")),
        D(("11217", "Boerum Hill", 40.682, -73.979, 1, "", "Brooklyn")),
        D(("11220", "Sunset Park", 40.641, -74.009, 2, "", "Brooklyn")),
        D(("11221", "Bushwick", 40.691, -73.928, 2, "", "Brooklyn")),
        D(("11225", "Crown Heights", 40.663, -73.954, 2, "", "Brooklyn")),
        D(("11226", "Flatbush", 40.646, -73.957, 2, "", "Brooklyn")),
    ],
    "chi": [
        D(("60601", "The Loop", 41.886, -87.626, 2, "")),
        D(("60605", "South Loop", 41.867, -87.626, 2, "")),
        D(("60607", "West Loop", 41.875, -87.651, 2, "")),
        D(("60608", "Pilsen", 41.850, -87.668, 3, "")),
        D(("60610", "Old Town", 41.904, -87.636, 1, "")),
        D(("60614", "Lincoln Park", 41.922, -87.652, 2, "")),
        D(("60615", "Hyde Park", 41.802, -87.600, 2, "")),
        D(("60616", "Bronzeville", 41.843, -87.627, 2, "")),
        D(("60618", "Avondale", 41.946, -87.704, 1, "")),
        D(("60622", "Wicker Park", 41.902, -87.677, 2, "")),
        D(("60625", "Albany Park", 41.970, -87.704, 2, "")),
        D(("60640", "Uptown", 41.972, -87.663, 2, "")),
        D(("60647", "Logan Square", 41.921, -87.701, 2, "")),
        D(("60657", "Lakeview", 41.940, -87.655, 2, "")),
    ],
    "sea": [
        D(("98101", "Downtown", 47.612, -122.333, 2, "")),
        D(("98102", "Eastlake", 47.638, -122.321, 1, "")),
        D(("98103", "Wallingford", 47.661, -122.335, 2, "")),
        D(("98104", "Pioneer Square", 47.602, -122.328, 2, "")),
        D(("98105", "University District", 47.661, -122.313, 2, "")),
        D(("98107", "Ballard", 47.669, -122.380, 2, "")),
        D(("98109", "South Lake Union", 47.628, -122.342, 1, "")),
        D(("98112", "Madison Valley", 47.628, -122.296, 1, "")),
        D(("98115", "Ravenna", 47.684, -122.300, 1, "")),
        D(("98118", "Columbia City", 47.559, -122.285, 2, "")),
        D(("98122", "Capitol Hill", 47.614, -122.310, 3, "")),
        D(("98144", "Beacon Hill", 47.580, -122.308, 2, "")),
    ],
    "atl": [
        D(("30303", "Downtown", 33.753, -84.390, 2, "")),
        D(("30306", "Virginia-Highland", 33.785, -84.352, 2, "")),
        D(("30307", "Inman Park", 33.763, -84.345, 2, "")),
        D(("30308", "Midtown", 33.773, -84.380, 3, "")),
        D(("30309", "Ansley Park", 33.793, -84.386, 1, "")),
        D(("30310", "West End", 33.729, -84.418, 2, "")),
        D(("30312", "Grant Park", 33.738, -84.374, 2, "")),
        D(("30314", "Vine City", 33.757, -84.422, 1, "")),
        D(("30316", "East Atlanta", 33.727, -84.337, 2, "")),
        D(("30317", "Kirkwood", 33.750, -84.320, 1, "")),
        D(("30318", "West Midtown", 33.788, -84.425, 2, "")),
    ],
    "aus": [
        D(("78701", "Downtown", 30.271, -97.742, 2, "")),
        D(("78702", "East Austin", 30.263, -97.717, 3, "")),
        D(("78703", "Clarksville", 30.290, -97.764, 1, "")),
        D(("78704", "South Congress", 30.243, -97.760, 3, "")),
        D(("78705", "West Campus", 30.292, -97.743, 2, "")),
        D(("78722", "Cherrywood", 30.289, -97.716, 1, "")),
        D(("78741", "Riverside", 30.230, -97.721, 2, "")),
        D(("78751", "Hyde Park", 30.311, -97.724, 2, "")),
        D(("78756", "Brentwood", 30.322, -97.739, 1, "")),
    ],
    "bos": [
        D(("02108", "Beacon Hill", 42.357, -71.064, 1, "")),
        D(("02114", "West End", 42.363, -71.064, 1, "")),
        D(("02115", "Fenway", 42.343, -71.093, 2, "")),
        D(("02116", "Back Bay", 42.349, -71.077, 2, "")),
        D(("02118", "South End", 42.339, -71.072, 3, "")),
        D(("02119", "Roxbury", 42.324, -71.085, 2, "")),
        D(("02120", "Mission Hill", 42.332, -71.100, 1, "")),
        D(("02125", "Dorchester", 42.316, -71.060, 2, "")),
        D(("02127", "South Boston", 42.334, -71.043, 2, "")),
        D(("02128", "East Boston", 42.374, -71.036, 2, "")),
        D(("02129", "Charlestown", 42.377, -71.061, 1, "")),
        D(("02130", "Jamaica Plain", 42.309, -71.112, 3, "")),
    ],
}

# Welsh names of Cardiff districts, used in Welsh-language group names.
WELSH_AREA = {"City Centre": "Canol y Ddinas", "Canton": "Treganna", "Whitchurch": "Yr Eglwys Newydd",
              "Penylan": "Pen-y-lan", "Roath": "Y Rhath", "Ely": "Trelái"}

# --------------------------------------------------------------------------- contact ranges
UK_PHONE = {  # city -> (prefix as written, range start); 1000 numbers each (Ofcom drama ranges)
    "ldn": ("020 7946 ", 0), "man": ("0161 496 ", 0), "lds": ("0113 496 ", 0),
    "bri": ("0117 496 ", 0), "bhm": ("0121 496 ", 0), "edi": ("0131 496 ", 0),
    "gla": ("0141 496 ", 0), "cdf": ("029 2018 ", 0), "bfs": ("028 9018 ", 0),
}
UK_MOBILE = "07700 900"
US_AREA_CODES = {"nyc": ["212", "718", "646", "347"], "chi": ["312", "773"], "sea": ["206"],
                 "atl": ["404", "678"], "aus": ["512", "737"], "bos": ["617", "857"]}
EMAIL_DOMAINS = ("example.org", "example.com", "example.net")

PHONE_PATTERNS = [
    r"020 7946 0\d{3}", r"0161 496 0\d{3}", r"0113 496 0\d{3}", r"0117 496 0\d{3}",
    r"0121 496 0\d{3}", r"0131 496 0\d{3}", r"0141 496 0\d{3}", r"029 2018 0\d{3}",
    r"028 9018 0\d{3}", r"07700 900\d{3}", r"\((?:212|718|646|347|312|773|206|404|678|512|737|617|857)\) 555-01\d\d",
]

# --------------------------------------------------------------------------- vocabulary
CONDITION_WEIGHTS = {
    "anxiety": 12, "depression": 12, "general-wellbeing": 12, "addiction-recovery": 9,
    "grief-and-loss": 8, "carers": 6, "bipolar": 5, "ptsd": 5, "perinatal": 5,
    "eating-disorders": 4, "hearing-voices": 4, "ocd": 4, "suicide-bereavement": 4,
    "psychosis": 3, "self-harm": 3, "abuse-survivors": 2,
}
RELATED = {
    "anxiety": ["depression", "ocd", "general-wellbeing", "ptsd"],
    "depression": ["anxiety", "general-wellbeing", "bipolar", "grief-and-loss"],
    "general-wellbeing": ["anxiety", "depression"],
    "grief-and-loss": ["suicide-bereavement", "depression"],
    "addiction-recovery": ["depression", "anxiety", "ptsd"],
    "bipolar": ["depression", "psychosis"],
    "carers": ["general-wellbeing", "depression"],
    "ptsd": ["anxiety", "abuse-survivors", "depression"],
    "eating-disorders": ["anxiety", "self-harm", "depression"],
    "hearing-voices": ["psychosis"],
    "ocd": ["anxiety"],
    "perinatal": ["anxiety", "depression"],
    "psychosis": ["hearing-voices", "bipolar"],
    "self-harm": ["depression", "anxiety"],
    "suicide-bereavement": ["grief-and-loss"],
    "abuse-survivors": ["ptsd", "depression"],
}
AUDIENCE_BY_CONDITION = {
    None: {"adults": 40, "everyone": 30, "men": 6, "women": 5, "lgbtq": 5, "young-people": 5,
           "older-adults": 4, "students": 3, "parents": 1},
    "perinatal": {"parents": 5, "women": 3},
    "carers": {"family-and-friends": 6, "adults": 2, "older-adults": 2},
    "ptsd": {"veterans": 4, "adults": 4, "everyone": 2, "women": 1},
    "abuse-survivors": {"women": 4, "adults": 2, "men": 1, "lgbtq": 1},
    "grief-and-loss": {"adults": 4, "everyone": 3, "older-adults": 3, "parents": 1, "young-people": 1},
    "suicide-bereavement": {"adults": 4, "everyone": 2, "family-and-friends": 2},
    "eating-disorders": {"adults": 3, "young-people": 2, "family-and-friends": 2, "students": 1},
    "self-harm": {"young-people": 3, "adults": 3, "students": 1},
    "psychosis": {"adults": 3, "everyone": 2, "family-and-friends": 2},
    "hearing-voices": {"adults": 3, "everyone": 3},
    "addiction-recovery": {"adults": 6, "everyone": 3, "men": 1, "women": 1, "lgbtq": 1,
                           "family-and-friends": 1},
}
AUDIENCE_PAIRS = {  # second audience that combines naturally with the first
    "men": ["parents"], "women": ["parents", "lgbtq"], "young-people": ["students", "lgbtq"],
    "lgbtq": ["young-people", "adults"], "family-and-friends": ["parents"],
    "veterans": ["family-and-friends"], "older-adults": ["family-and-friends"],
    "students": ["young-people"], "parents": ["family-and-friends"],
}

# Community languages: city -> [(language, number of groups)]
LANGUAGE_QUOTAS = {
    "ldn": [("bn", 4), ("pl", 3), ("so", 2), ("ar", 2), ("fr", 2), ("zh", 2), ("ur", 2), ("pa", 2),
            ("es", 1), ("ga", 1)],
    "man": [("ur", 3), ("pl", 2), ("ar", 1), ("zh", 1), ("bn", 1)],
    "bhm": [("ur", 4), ("pa", 3), ("bn", 1), ("so", 1), ("pl", 1)],
    "lds": [("ur", 2), ("pa", 1), ("pl", 1)],
    "gla": [("gd", 2), ("pl", 1), ("ur", 1), ("ar", 1)],
    "edi": [("pl", 2), ("gd", 1), ("zh", 1)],
    "bri": [("so", 2), ("pl", 1)],
    "cdf": [("cy", 9), ("so", 1), ("ar", 1)],
    "bfs": [("ga", 3), ("pl", 1), ("zh", 1)],
    "nyc": [("es", 12), ("zh", 2), ("fr", 2), ("ar", 2), ("bn", 1)],
    "chi": [("es", 7), ("pl", 2), ("ar", 1)],
    "sea": [("so", 2), ("zh", 1), ("es", 1)],
    "atl": [("es", 2), ("fr", 1), ("so", 1)],
    "aus": [("es", 7)],
    "bos": [("es", 3), ("zh", 1), ("fr", 1)],
}
LANG_NAME = {"ar": "Arabic", "bn": "Bengali", "cy": "Welsh", "en": "English", "es": "Spanish",
             "fr": "French", "ga": "Irish", "gd": "Gaelic", "pa": "Punjabi", "pl": "Polish",
             "so": "Somali", "ur": "Urdu", "zh": "Chinese"}

SENSITIVE_QUOTAS = {"ldn": 4, "man": 2, "bhm": 1, "lds": 1, "gla": 1, "edi": 1, "bri": 1,
                    "cdf": 1, "bfs": 1, "nyc": 4, "chi": 2, "sea": 1, "atl": 1, "aus": 1, "bos": 1}
# (conditions, audiences, name patterns) of sensitive groups, in rotation
SENSITIVE_KINDS = [
    (["abuse-survivors"], ["women"], ["{area} Women's Survivors Group", "Rebuilding Together ({area})",
                                      "Women Moving On – {area}"]),
    (["abuse-survivors", "ptsd"], ["adults"], ["Survivors of Sexual Violence Peer Group ({area})",
                                               "After Assault: {area} Peer Support"]),
    (["ptsd"], ["veterans"], ["{area} Veterans' Trauma Peer Group", "Veterans Helping Veterans – {area}"]),
    (["abuse-survivors"], ["lgbtq"], ["LGBTQ+ Survivors' Circle ({area})", "Out of the Shadows – {area}"]),
    (["abuse-survivors", "depression"], ["men"], ["Men Surviving Abuse – {area}", "{area} Men's Survivors Circle"]),
]

COND_LABEL = {  # for group names
    "anxiety": ["Anxiety", "Anxiety and Panic", "Social Anxiety"],
    "depression": ["Depression", "Low Mood", "Depression and Low Mood"],
    "general-wellbeing": ["Wellbeing", "Mental Wellbeing", "Talking"],
    "addiction-recovery": ["Recovery", "Addiction Recovery", "Sober Support"],
    "grief-and-loss": ["Bereavement", "Grief", "Loss and Bereavement"],
    "carers": ["Carers", "Carers' Support", "Carers' Wellbeing"],
    "bipolar": ["Bipolar", "Bipolar Peer Support", "Mood"],
    "ptsd": ["Trauma", "PTSD", "Trauma Recovery"],
    "perinatal": ["Perinatal Wellbeing", "New Parents' Wellbeing", "Bumps and Babies Wellbeing"],
    "eating-disorders": ["Eating Disorder", "Eating Disorder Recovery"],
    "hearing-voices": ["Hearing Voices"],
    "ocd": ["OCD", "OCD Peer Support"],
    "suicide-bereavement": ["Suicide Bereavement", "Bereaved by Suicide"],
    "psychosis": ["Psychosis", "Early Psychosis", "Psychosis Recovery"],
    "self-harm": ["Self-Harm", "Self-Harm Peer Support"],
    "abuse-survivors": ["Survivors", "Adult Survivors"],
}
COND_PHRASE = {  # for descriptions: "living with / affected by {phrase}"
    "anxiety": ["anxiety, panic or social anxiety", "anxiety and worry", "anxiety or panic attacks"],
    "depression": ["depression or persistent low mood", "depression", "low mood"],
    "general-wellbeing": ["the ups and downs of everyday life", "stress, loneliness or low mood",
                          "stress and everyday worries"],
    "addiction-recovery": ["addiction, whether alcohol, drugs, gambling or something else",
                           "addiction and recovery", "problems with alcohol or drugs"],
    "grief-and-loss": ["the death of someone close", "grief and loss", "bereavement"],
    "carers": ["caring for someone with a mental-health condition",
               "looking after a loved one who is unwell"],
    "bipolar": ["bipolar disorder", "bipolar and big mood swings"],
    "ptsd": ["trauma and PTSD", "post-traumatic stress", "the after-effects of trauma"],
    "perinatal": ["anxiety or depression during pregnancy or after birth",
                  "low mood or anxiety around pregnancy and the first year"],
    "eating-disorders": ["an eating disorder", "anorexia, bulimia, binge eating or ARFID"],
    "hearing-voices": ["hearing voices, seeing visions or other unusual experiences",
                       "voices and unusual experiences"],
    "ocd": ["OCD", "obsessive-compulsive disorder and intrusive thoughts"],
    "suicide-bereavement": ["losing someone to suicide", "bereavement by suicide"],
    "psychosis": ["psychosis", "psychosis or a diagnosis of schizophrenia"],
    "self-harm": ["self-harm", "self-harm, past or present"],
    "abuse-survivors": ["abuse in childhood or adulthood", "past abuse"],
}
COND_SENTENCE = {
    "anxiety": ["If you feel anxious about coming, that is completely normal – most of us did too.",
                "We share practical tools for panic and worry, and it is fine to step out for a breather."],
    "depression": ["On a low day, just turning up counts.",
                   "We talk honestly about the hard days and celebrate the small wins."],
    "general-wellbeing": ["Topics range widely: stress, sleep, loneliness, work and relationships.",
                          "There is no diagnosis needed and no topic too small."],
    "addiction-recovery": ["You are welcome at any stage, whether you are still using, newly sober or years into recovery.",
                           "We are not tied to any one programme; people share whatever is helping them."],
    "grief-and-loss": ["However long ago your loss was, you are welcome here.",
                       "Some people come for a few months, others for years; there is no right way to grieve."],
    "carers": ["We know how hard it is to find time for yourself, so come when you can.",
               "Members swap tips on services, benefits and looking after yourself as well as the person you care for."],
    "bipolar": ["We talk about managing highs and lows, sleep, routines and medication.",
                "Members share what helps them spot the early signs of a high or a low."],
    "ptsd": ["We focus on the present and on coping; nobody is asked to describe what happened.",
             "Grounding techniques are shared at the start of every session."],
    "perinatal": ["Babies in arms are very welcome.", "Partners are welcome at the last session of each month."],
    "eating-disorders": ["We avoid talking about numbers – weights, calories or sizes – to keep the space safe for everyone.",
                         "You do not need a diagnosis or to be underweight to come along."],
    "hearing-voices": ["We follow the hearing voices approach: every experience is accepted as real to the person having it.",
                       "You do not need a diagnosis, and nobody will try to tell you what your voices mean."],
    "ocd": ["Members share practical tips on exposure work and living alongside intrusive thoughts.",
            "It helps to be with people who understand why a ritual can feel impossible to skip."],
    "suicide-bereavement": ["Everyone here has lost someone to suicide, so you will not have to explain.",
                            "You are welcome however recent or long ago your loss was."],
    "psychosis": ["We talk about recovery, relationships, work and living well after psychosis.",
                  "Family members are welcome at the open session held every few months."],
    "self-harm": ["We talk about self-harm openly and without judgement, and never share graphic details.",
                  "The focus is on what helps, not on stopping overnight."],
    "abuse-survivors": ["You will be believed, and you never have to share more than you want to.",
                        "The group is about moving forward, at your own pace."],
}
WHO_PHRASE = {
    "everyone": "anyone", "adults": "adults", "young-people": "young people aged 16 to 25",
    "older-adults": "people over 60", "women": "women", "men": "men", "lgbtq": "LGBTQ+ people",
    "veterans": "veterans and service leavers", "parents": "parents",
    "family-and-friends": "family and friends", "students": "students",
}
NOUNS = ["Group", "Circle", "Peer Support Group", "Support Group", "Café", "Drop-in", "Meet-up",
         "Network", "Space", "Peer Group"]
FANCY = ["Lighthouse", "Open Door", "Stepping Stones", "Safe Harbour", "Common Ground", "Blue Skies",
         "Kindred", "Sunflower", "Anchor", "Compass", "Horizons", "New Leaf", "Still Here",
         "Breathing Space", "Open Table", "Bridges", "Evergreen", "Firefly", "Shoreline", "Willow",
         "Second Wind", "Lantern", "Harbour Lights", "Small Steps"]
DAY_NAMES = {"mo": "Monday", "tu": "Tuesday", "we": "Wednesday", "th": "Thursday", "fr": "Friday",
             "sa": "Saturday", "su": "Sunday"}
WEEKDAY_CODES = ["mo", "tu", "we", "th", "fr", "sa", "su"]
ORDINAL = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", -1: "Last"}

# --------------------------------------------------------------------------- venues
UK_STREETS = [
    "Albion Street", "Victoria Road", "Church Lane", "Station Road", "Mill Lane", "Park Road",
    "Queen Street", "King Street", "High Street", "Chapel Street", "Castle Street", "Bridge Street",
    "Market Street", "Grove Road", "Orchard Close", "Elm Grove", "Willow Walk", "Priory Road",
    "Cross Street", "Union Street", "Wellington Road", "Nelson Street", "Regent Street",
    "Cemetery Road", "Oxford Road", "Charlotte Street", "Gladstone Street", "Brunswick Street",
    "Hope Street", "Dale Street", "Falcon Road", "Lime Street", "Coronation Road", "Rosebery Avenue",
    "Clarence Road", "Alexandra Road", "Beech Avenue", "Ash Grove", "Hawthorn Terrace",
    "Meadow Lane", "Paradise Street", "Abbey Road", "St Anne's Road", "Crown Street",
    "Copperfield Street", "Waterloo Road", "Temple Street", "Quarry Lane", "Ropewalk",
    "Foundry Lane", "Tannery Street", "Weaver Street", "Canal Street", "Belle Vue Road",
]
US_STREETS = [
    "Maple Avenue", "Oak Street", "Cedar Street", "Elm Street", "Washington Avenue", "Lincoln Street",
    "Franklin Street", "Highland Avenue", "Grove Street", "Chestnut Street", "Walnut Street",
    "Pine Street", "Lake Street", "Hill Street", "Church Street", "Union Street", "Prospect Avenue",
    "Central Avenue", "Market Street", "Mill Street", "Bridge Street", "Magnolia Avenue",
    "Willow Street", "Sycamore Street", "Linden Avenue", "Hawthorne Street", "Jefferson Avenue",
    "Madison Street", "Monroe Street", "Adams Street", "Spring Street", "Water Street",
    "Orchard Street", "Harbor Street", "Summit Avenue", "Liberty Street", "Garden Street",
    "Pleasant Street", "Fairview Avenue", "Riverside Avenue",
]
SAINTS_UK = ["Mary", "John", "Luke", "Mark", "Andrew", "Peter", "Paul", "Michael", "James", "George",
             "Anne", "Margaret", "Stephen", "Barnabas", "Aidan", "Thomas", "Jude", "Matthew", "Hilda",
             "Chad", "Cuthbert", "Bride", "Columba", "David", "Patrick", "Brigid", "Alban", "Clement"]
SAINTS_US = ["Mary", "John", "Luke", "Mark", "Andrew", "Peter", "Paul", "Michael", "James", "Anne",
             "Stephen", "Thomas", "Jude", "Matthew", "Bartholomew", "Francis", "Brigid", "Monica",
             "Augustine", "Clement", "Philip", "Ignatius"]
UK_VENUE_TEMPLATES = [
    ("St {saint}'s Church Hall", 8), ("{area} Community Centre", 10), ("{area} Library, Meeting Room {n}", 5),
    ("Central Library, Room {n}", 1), ("YMCA {town}", 1), ("Friends Meeting House", 1),
    ("{prefix} Community Centre", 6), ("{area} Methodist Church, Side Room", 3),
    ("{area} Baptist Church Hall", 2), ("{area} Health and Wellbeing Centre", 3),
    ("{area} Neighbourhood Centre", 3), ("The {building}", 3), ("{area} Wellbeing Hub", 3),
    ("{area} Leisure Centre, Studio {n}", 2), ("{area} Arts Centre", 2), ("{cafe}", 3),
    ("{area} Carers' Centre", 1), ("{area} Parish Hall", 2), ("Students' Union, Room {n}", 1),
    ("{area} Sports and Social Club", 1), ("{area} Islamic Centre, Community Room", 1),
    ("{area} United Reformed Church Hall", 1),
]
US_VENUE_TEMPLATES = [
    ("First {denom} Church, Fellowship Hall", 4), ("St. {saint}'s Episcopal Church, Parish Hall", 4),
    ("St. {saint} Catholic Church, Parish Center", 3), ("{area} Public Library, Community Room", 5),
    ("{area} Branch Library, Meeting Room {letter}", 3), ("{area} YMCA", 2),
    ("{area} Community Center", 8), ("{area} Recreation Center", 4), ("{area} Senior Center", 2),
    ("{area} Neighborhood House", 2), ("{area} Family Resource Center", 2),
    ("{area} Wellness Collective", 2), ("{area} Community Health Center, Conference Room", 2),
    ("{area} Unitarian Universalist Church", 2), ("Friends Meeting House", 1),
    ("{area} Arts Center, Studio {n}", 2), ("{cafe}", 2), ("Veterans Community Hall", 1),
    ("{area} Pride Center", 1), ("Student Center, Room {room}", 1), ("{prefix} Community Center", 3),
]
PREFIXES = ["Riverside", "Parkside", "Hillside", "Northside", "Brookside", "Greenway", "Meadowbank",
            "Oakfield", "Westgate", "Eastside", "Millbrook", "Kingsway", "Fairfield", "Southbank"]
BUILDINGS = ["Old Fire Station", "Old Library", "Corn Exchange", "Old Schoolhouse", "Mission Hall",
             "Coach House", "Old Print Works", "Tin Tabernacle", "Drill Hall"]
CAFES = ["The Kindness Café", "The Green Room Café", "The Open Kettle Café", "The Good Cup Community Café",
         "Common Table Café", "The Hive Community Café", "Second Chance Café", "The Warm Welcome Café"]
DENOMS = ["Presbyterian", "Methodist", "Baptist", "Congregational", "Lutheran"]
VENUE_ACCESS_P = {"public-transport": 0.85, "step-free": 0.70, "accessible-toilet": 0.58,
                  "hearing-loop": 0.22, "parking": 0.35, "quiet-room": 0.25}
VENUE_ACCESS_P_US = dict(VENUE_ACCESS_P, parking=0.5, **{"public-transport": 0.75})

# --------------------------------------------------------------------------- people
FIRST_NAMES = {
    "GB": ["Sarah", "James", "Emma", "David", "Laura", "Michael", "Rachel", "Chris", "Sam", "Alex",
           "Helen", "Mark", "Claire", "Paul", "Gemma", "Tom", "Jo", "Becky", "Dan", "Lucy", "Ben",
           "Hannah", "Kate", "Steve", "Nicola", "Andy", "Zoe", "Rob", "Jess", "Pete", "Amy", "Karen",
           "Dave", "Sophie", "Jonny", "Maggie", "Lee", "Bev", "Kieran", "Ellie", "Nathan", "Joanne",
           "Priya", "Aisha", "Imran", "Harpreet", "Sunita", "Farhana", "Tariq", "Nadia", "Rahul",
           "Yasmin", "Kwame", "Abena", "Chidi", "Funmi", "Tunde", "Grace", "Hodan", "Abdi",
           "Agnieszka", "Tomasz", "Kasia", "Marek", "Wei", "Mei", "Jun", "Malik", "Shazia"],
    "SCO": ["Fiona", "Callum", "Iain", "Morag", "Alasdair", "Eilidh", "Kirsty", "Ross", "Catriona",
            "Euan", "Mhairi", "Fraser", "Isla", "Hamish", "Shona", "Duncan"],
    "WAL": ["Rhys", "Siân", "Cerys", "Gareth", "Bethan", "Dafydd", "Ffion", "Owain", "Gwen", "Huw",
            "Nia", "Iwan", "Elin", "Llinos", "Aled", "Carys"],
    "NI": ["Aoife", "Ciarán", "Niamh", "Seán", "Orla", "Declan", "Róisín", "Conor", "Gráinne",
           "Paddy", "Siobhán", "Colm", "Ruth", "Gary", "Lorraine", "Brendan"],
    "US": ["Jessica", "Ashley", "Tyler", "Brandon", "Megan", "Kevin", "Jennifer", "Ryan", "Nicole",
           "Justin", "Heather", "Eric", "Amanda", "Josh", "Lauren", "Matt", "Rebecca", "Brian",
           "Kayla", "Derek", "Jordan", "Taylor", "Casey", "Morgan", "Shawna", "Trevor", "Dana",
           "María", "José", "Lucía", "Carlos", "Gabriela", "Diego", "Rosa", "Alejandro", "Marisol",
           "Luis", "Ana", "DeShawn", "Keisha", "Jamal", "Tanya", "Marcus", "Latoya", "Andre",
           "Imani", "Terrence", "Jasmine", "Wei", "Mei", "Kenji", "Linh", "Minh", "Priya", "Raj",
           "Fatima", "Omar", "Hodan", "Abdi", "Deb", "Frank", "Carol", "Walt", "Gloria", "Ray"],
}
LAST_NAMES = {
    "GB": ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Johnson", "Roberts",
           "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall",
           "Wood", "Harris", "Lewis", "Martin", "Jackson", "Clarke", "Turner", "Hill", "Cooper",
           "Ward", "Morris", "Moore", "Parker", "Bennett", "Kaur", "Singh", "Begum", "Khan",
           "Ahmed", "Hussain", "Patel", "Shah", "Ali", "Okafor", "Mensah", "Adeyemi", "Osei",
           "Nowak", "Kowalski", "Wiśniewska", "Chen", "Wong", "Farah", "Abdullahi", "Fletcher",
           "Pearson", "Holloway", "Marsh", "Atkinson", "Booth", "Whitaker", "Dunn"],
    "SCO": ["MacDonald", "Campbell", "Stewart", "Robertson", "MacLeod", "Murray", "Fraser", "Reid",
            "Ross", "Henderson", "Paterson", "Morrison", "Sinclair", "McKenzie", "Mackay", "Gillies"],
    "WAL": ["Davies", "Williams", "Jones", "Evans", "Griffiths", "Price", "Morgan", "Rees", "Jenkins",
            "Pritchard", "Lloyd", "Powell", "Howells", "Bowen", "Llewellyn", "Prosser"],
    "NI": ["O'Neill", "Murphy", "Kelly", "McCann", "Doherty", "Quinn", "Campbell", "Gallagher",
           "McLaughlin", "Devlin", "Boyle", "Hamilton", "Magee", "McAllister", "Lennon", "Gribben"],
    "US": ["Johnson", "Williams", "Miller", "Davis", "Garcia", "Rodriguez", "Martinez", "Hernandez",
           "Lopez", "Gonzalez", "Anderson", "Thomas", "Jackson", "Moore", "Martin", "Lee", "Thompson",
           "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
           "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
           "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Washington", "Brooks", "Chen",
           "Kim", "Patel", "Nowak", "Kowalczyk", "Ali", "Hassan", "Warsame", "Okafor", "Sullivan",
           "O'Brien", "Murphy", "Schultz", "Becker", "Castillo", "Ortiz", "Morales", "Reyes"],
}
NAME_REGION = {"gla": "SCO", "edi": "SCO", "cdf": "WAL", "bfs": "NI"}
JOBS = ["nurse", "teacher", "bus driver", "chef", "librarian", "accountant", "postal worker",
        "engineer", "hairdresser", "electrician", "musician", "firefighter", "software tester",
        "shop manager", "care worker", "joiner", "journalist", "lab technician"]
HOBBIES = ["gardening", "long walks", "wild swimming", "crochet", "birdwatching", "cooking for a crowd",
           "football", "choir singing", "parkrun", "allotment life", "baking", "sea fishing",
           "board games", "pottery", "cycling", "dog walking", "crosswords", "photography"]
COND_SHORT = {
    "anxiety": "anxiety", "depression": "depression", "general-wellbeing": "low mood and burnout",
    "addiction-recovery": "addiction", "grief-and-loss": "bereavement", "carers": "caring",
    "bipolar": "bipolar", "ptsd": "trauma", "perinatal": "postnatal depression",
    "eating-disorders": "an eating disorder", "hearing-voices": "hearing voices", "ocd": "OCD",
    "suicide-bereavement": "suicide bereavement", "psychosis": "psychosis", "self-harm": "self-harm",
    "abuse-survivors": "abuse",
}

CANCEL_REASONS = ["Venue closed for a private event", "Public holiday", "Facilitator unwell",
                  "Room being redecorated", "Summer break", "The hall is a polling station that day",
                  "Heating repairs at the venue", "Facilitators at a training day",
                  "Venue closed for maintenance", "Winter break"]

MOVE_REASONS = ["The room is booked until our usual start", "The room is needed later that day",
                "The hall is booked for a wedding on the usual day",
                "Our usual room is being decorated", "The venue has a community event that day",
                "Facilitators are away on the usual day"]


# =========================================================================== helpers
def weighted(rng: Random, table: dict) -> str:
    keys = list(table)
    return rng.choices(keys, weights=[table[k] for k in keys], k=1)[0]


def ascii_slug(text: str) -> str:
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-")


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def date_in(rng: Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def next_weekday(d: dt.date, code: str) -> dt.date:
    return d + dt.timedelta(days=(WEEKDAY_CODES.index(code) - d.weekday()) % 7)


def nth_weekday(year: int, month: int, code: str, pos: int) -> dt.date:
    wd = WEEKDAY_CODES.index(code)
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1)
            if dt.date(year, month, d).weekday() == wd]
    return dt.date(year, month, days[pos - 1] if pos > 0 else days[-1])


def time_of_day(hhmm: str) -> str:
    h = int(hhmm[:2])
    return "Morning" if h < 12 else "Lunchtime" if h < 14 else "Afternoon" if h < 17 else "Evening"


UK_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# Rooms a sensitive group has to itself (names that say nothing of the group).
# (None is part of another demo venue's name, so a name is never mistaken for another place.)
OWN_PLACE_NAMES = ["The Lantern Room", "The Courtyard Room", "The Upper Room", "The Linden Room",
                   "The Skylight Room", "The Orchard Room", "The Willow Room", "The Cedar Room"]

# first dates of ongoing schedules: mostly already running, a few starting in December 2026
FIRST_DATE_RANGE = (dt.date(2025, 1, 6), dt.date(2026, 9, 30))
LATE_FIRST_RANGE = (dt.date(2026, 12, 1), dt.date(2026, 12, 20))
LAST_DATES = ["2027-03-31", "2027-06-30", "2027-07-22", "2027-01-28", "2027-12-16", "2027-05-27",
              "2027-04-29", "2027-02-25", "2027-10-28", "2027-09-30"]


# =========================================================================== generator
class Generator:
    def __init__(self, seed: int = SEED) -> None:
        self.rng = Random(seed)
        self.venues: list[dict] = []
        self.facilitators: list[dict] = []
        self.groups: list[dict] = []
        self.group_city: dict[str, str] = {}
        self.venue_city: dict[str, str] = {}
        self.venue_district: dict[str, tuple] = {}
        self.names_used: set[str] = set()
        self.emails_used: set[str] = set()
        self.descriptions_used: set[str] = set()
        self.sched_counter: Counter = Counter()

    # ------------------------------------------------------------------ venues
    def make_venues(self, code: str, n_groups: int) -> list[tuple[dict, int]]:
        """Venues for a city with how many groups each hosts (mean ~1.75)."""
        rng = self.rng
        _, cname, country, tz, _, _ = CITY[code]
        districts = DISTRICTS[code]
        out: list[tuple[dict, int]] = []
        used_names: set[str] = set()
        used_addr: set[str] = set()
        used_units: set[str] = set()
        templates = UK_VENUE_TEMPLATES if country == "GB" else US_VENUE_TEMPLATES
        streets = UK_STREETS if country == "GB" else US_STREETS
        saints = SAINTS_UK if country == "GB" else SAINTS_US
        remaining = n_groups
        i = 0
        while remaining > 0:
            i += 1
            slots = min(remaining, rng.choices([1, 2, 3, 4], weights=[50, 30, 14, 6])[0])
            remaining -= slots
            dist = rng.choices(districts, weights=[d[4] for d in districts])[0]
            pc, area, lat, lng = dist[0], dist[1], dist[2], dist[3]
            town = dist[6] if len(dist) > 6 else cname
            for _attempt in range(200):
                tpl = weighted(rng, dict(templates))
                name = tpl.format(
                    saint=rng.choice(saints), area=area if area != "City Centre" else cname,
                    n=rng.randint(1, 6), town=cname, prefix=rng.choice(PREFIXES),
                    building=rng.choice(BUILDINGS), cafe=rng.choice(CAFES), denom=rng.choice(DENOMS),
                    letter=rng.choice("ABC"), room=rng.randint(101, 340))
                if name not in used_names:
                    break
            used_names.add(name)
            while True:
                street = rng.choice(streets)
                num = rng.randint(1, 240) if country == "GB" else rng.randint(100, 2999)
                address = f"{num} {street}"
                if address not in used_addr and street not in name:
                    break
            used_addr.add(address)
            if country == "GB":
                while True:
                    unit = f"{pc} {rng.choice(dist[5])}{rng.choice(UK_UNIT_LETTERS)}{rng.choice(UK_UNIT_LETTERS)}"
                    if unit not in used_units:
                        break
                used_units.add(unit)
                postcode = unit
            else:
                postcode = pc
            access_p = VENUE_ACCESS_P if country == "GB" else VENUE_ACCESS_P_US
            access = sorted(f for f, p in access_p.items() if rng.random() < p)
            venue = {
                "key": f"ven-{code}-{i:03d}", "name": name, "address": address, "postcode": postcode,
                "town": town, "country": country,
                "latitude": round(lat + rng.uniform(-0.0025, 0.0025), 5),
                "longitude": round(lng + rng.uniform(-0.0035, 0.0035), 5),
                "timezone": tz, "access": access,
            }
            self.venues.append(venue)
            self.venue_city[venue["key"]] = code
            self.venue_district[venue["key"]] = dist
            out.append((venue, slots))
        return out

    # ------------------------------------------------------------------ schedules
    def start_time(self, evening_bias: float = 0.5) -> str:
        rng = self.rng
        if rng.random() < evening_bias:
            return rng.choice(["18:00", "18:30", "18:30", "19:00", "19:00", "19:00", "19:30", "17:30", "20:00"])
        return rng.choice(["10:00", "10:00", "10:30", "11:00", "12:30", "13:00", "14:00", "14:00",
                           "14:30", "15:00", "16:00"])

    def duration(self) -> int:
        return self.rng.choice([60, 60, 75, 90, 90, 90, 90, 120, 120])

    def first_date(self) -> dt.date:
        if self.rng.random() < 0.05:
            return date_in(self.rng, *LATE_FIRST_RANGE)
        return date_in(self.rng, *FIRST_DATE_RANGE)

    def schedule(self, kind: str) -> dict:
        """kind is a generator variant; returns the schedule JSON."""
        rng = self.rng
        days_w = {"mo": 14, "tu": 16, "we": 16, "th": 15, "fr": 8, "sa": 10, "su": 5}
        s: dict = {"kind": None, "interval": 1, "weekdays": None, "positions": None, "month_day": None,
                   "start_time": None, "duration_minutes": self.duration(), "first_date": None,
                   "last_date": None, "paused_until": None}
        if kind.startswith("weekly"):
            s["kind"] = "weekly"
            if kind == "weekly2d":
                pair = rng.choice([("mo", "th"), ("tu", "th"), ("mo", "we"), ("tu", "fr"), ("we", "sa"),
                                   ("mo", "fr"), ("th", "sa")])
                s["weekdays"] = list(pair)
            else:
                s["weekdays"] = [weighted(rng, days_w)]
            s["interval"] = {"weekly_i2": 2, "weekly_i3": 3}.get(kind, 1)
            weekend = s["weekdays"][0] in ("sa", "su")
            s["start_time"] = self.start_time(0.15 if weekend else 0.6)
            s["first_date"] = next_weekday(self.first_date(), s["weekdays"][0]).isoformat()
        elif kind.startswith("mw"):
            s["kind"] = "monthly_weekday"
            day = weighted(rng, days_w)
            s["weekdays"] = [day]
            s["positions"] = {"mw_n": [rng.choice([1, 2, 2, 3, 4])], "mw_two": rng.choice([[1, 3], [2, 4]]),
                              "mw_last": [-1]}[kind]
            s["start_time"] = self.start_time(0.15 if day in ("sa", "su") else 0.55)
            d = self.first_date()
            y, m = d.year, d.month
            s["first_date"] = nth_weekday(y, m, day, s["positions"][0]).isoformat()
        elif kind.startswith("md"):
            s["kind"] = "monthly_date"
            s["month_day"] = {"md_n": rng.choice([1, 3, 5, 7, 10, 12, 14, 15, 15, 18, 20, 21, 25, 28]),
                              "md_31": 31, "md_last": -1}[kind]
            s["start_time"] = self.start_time(0.55)
            d = self.first_date()
            y, m = d.year, d.month
            if s["month_day"] == 31:
                while calendar.monthrange(y, m)[1] != 31:
                    m += 1
                s["first_date"] = dt.date(y, m, 31).isoformat()
            elif s["month_day"] == -1:
                s["first_date"] = dt.date(y, m, calendar.monthrange(y, m)[1]).isoformat()
            else:
                s["first_date"] = dt.date(y, m, s["month_day"]).isoformat()
        elif kind == "once":
            s["kind"] = "once"
            s["start_time"] = self.start_time(0.45)
            s["first_date"] = f"+{rng.randint(4, 75)}"
            s["duration_minutes"] = rng.choice([90, 120, 120])
        else:  # pragma: no cover
            raise ValueError(kind)
        self.sched_counter[kind] += 1
        return s

    # ------------------------------------------------------------------ text
    def group_name(self, g: dict, area: str, town: str, s0: dict) -> str:
        rng = self.rng
        c = g["conditions"][0]
        label = rng.choice(COND_LABEL[c])
        auds = g["audiences"]
        langs = [x for x in g["languages"] if x != "en"]
        noun = rng.choice(NOUNS)
        candidates: list[str] = []
        if s0["kind"] == "once":
            candidates += [f"{area} {label} Open Evening" if time_of_day(s0["start_time"]) == "Evening"
                           else f"{area} {label} Open Day",
                           f"Introduction to Peer Support: {label}", f"{label} Information Session ({area})",
                           f"{rng.choice(FANCY)} Pop-up {noun}"]
        else:
            tod = time_of_day(s0["start_time"])
            if s0["kind"] == "weekly" and len(s0["weekdays"]) == 1 and s0["interval"] == 1:
                day = DAY_NAMES[s0["weekdays"][0]]
                candidates += [f"{day} {tod} {label} {noun}", f"{day} {label} {noun}"]
            if s0["kind"] == "monthly_weekday" and len(s0["positions"]) == 1:
                candidates.append(f"{ORDINAL[s0['positions'][0]]} {DAY_NAMES[s0['weekdays'][0]]} {label} {noun}")
            candidates += [f"{area} {label} {noun}", f"{label} {noun} {town}", f"{area} {label} {noun}",
                           f"{rng.choice(FANCY)} {label} Group", f"{rng.choice(FANCY)}: {area} {label} {noun}"]
            if tod == "Morning" and c in ("general-wellbeing", "carers", "grief-and-loss", "perinatal"):
                candidates.append(f"{area} {label} Coffee Morning")
            if "men" in auds:
                candidates += ([f"Dads Matter {town}"] if "parents" in auds else []) + [
                    f"{area} Men's Talking Group", f"Men's {label} Circle – {area}",
                    f"{'Blokes Who Talk' if g['_country'] == 'GB' else 'Guys Who Talk'} {area}"]
            if "women" in auds:
                candidates += [f"{area} Women's {label} Circle", f"Women Together – {label} ({area})"]
                if "parents" in auds:
                    candidates.append(f"Mums' {label} Group {area}")
            if "lgbtq" in auds:
                candidates += [f"Rainbow {label} Group {area}", f"Out and About {area}: {label}",
                               f"LGBTQ+ {label} {noun} ({town})"]
            if "young-people" in auds or "students" in auds:
                candidates += [f"Young Minds {area}", f"Student {label} Peer Group", f"Under-25s {label} {noun}"]
            if "older-adults" in auds:
                candidates += [f"Over-60s {label} Group ({area})", f"Silver Threads {label} {noun}"]
            if "veterans" in auds:
                candidates += [f"{area} Veterans' {label} Circle",
                               f"{'Forces Friends' if g['_country'] == 'GB' else 'Vets Together'} {town}"]
            if "family-and-friends" in auds:
                candidates.append(f"Family and Friends Support Group ({label}, {area})")
            if "sign-language" in g["access"]:
                sl = "BSL" if g["_country"] == "GB" else "ASL"
                candidates = [f"Deaf {label} Group ({sl}) – {area}", f"{sl} {label} Peer Support {town}"]
        if langs:
            lang = langs[0]
            if lang == "es":
                es_label = {"anxiety": "Ansiedad", "depression": "Depresión", "grief-and-loss": "Duelo",
                            "addiction-recovery": "Recuperación", "carers": "Cuidadores",
                            "perinatal": "Salud Mental Materna", "bipolar": "Trastorno Bipolar",
                            "ptsd": "Trauma"}.get(c, "Bienestar Emocional")
                candidates = [f"Grupo de Apoyo de {es_label} – {area}", f"Círculo de {es_label} {area}",
                              f"Grupo de Apoyo: {es_label} ({town})"]
                if "women" in auds:
                    candidates.append(f"Mujeres Unidas {area}")
            elif lang == "cy":
                wa = WELSH_AREA.get(area, area)
                candidates = [f"Cylch Lles {wa} / {area} Wellbeing Circle",
                              f"Grŵp Cymorth {wa} / {area} Support Group",
                              f"Paned a Sgwrs {wa} / Cuppa and Chat {area}"]
            elif lang == "ga":
                candidates = [f"Ciorcal Folláine {area} / Irish-language Wellbeing Circle",
                              f"Irish-speakers' {label} Group ({area})"]
            elif lang == "gd":
                candidates = [f"Gaelic Speakers' {label} Circle", f"Còmhradh is Cupa / Gaelic {label} Café ({area})"]
            elif lang == "pl":
                candidates = [f"Grupa Wsparcia {town} / Polish {label} Group", f"Polish-speaking {label} Group ({area})"]
            else:
                ln = LANG_NAME[lang]
                candidates = [f"{ln}-speaking {label} Group ({area})", f"{ln} Community {label} Circle – {area}",
                              f"{area} {ln} {label} {noun}"]
                if "women" in auds:
                    candidates.append(f"{ln}-speaking Women's {label} Group ({area})")
        rng.shuffle(candidates)
        for cand in candidates:
            if cand not in self.names_used:
                self.names_used.add(cand)
                return cand
        base = candidates[0]
        for k in range(2, 99):
            cand = f"{base} ({['', '', 'II', 'III', 'IV', 'V'][k] if k < 6 else k})" if k < 6 else f"{base} {k}"
            if cand not in self.names_used:
                self.names_used.add(cand)
                return cand
        raise RuntimeError("name space exhausted")

    def lang_sentence(self, langs: list[str], country: str) -> str | None:
        others = [x for x in langs if x != "en"]
        if not others:
            return None
        lang = others[0]
        bilingual = "en" in langs
        special = {
            "cy": ("Sesiynau dwyieithog – sessions are bilingual, in Welsh and English.",
                   "Mae'r grŵp yn cwrdd yn Gymraeg – the group meets in Welsh."),
            "es": ("Sessions are bilingual, in English and Spanish.",
                   "Las reuniones son en español."),
            "ga": ("Sessions are held in Irish and English – as Gaeilge agus i mBéarla.",
                   "Sessions are held in Irish."),
            "gd": ("Sessions are in Gaelic and English, and learners are very welcome.",
                   "Sessions are in Gaelic."),
            "pl": ("We speak Polish and English – spotkania po polsku i po angielsku.",
                   "Spotkania odbywają się po polsku – meetings are in Polish."),
            "zh": ("Cantonese, Mandarin and English speakers are all welcome.",
                   "Sessions are in Cantonese and Mandarin."),
        }
        if lang in special:
            return special[lang][0 if bilingual else 1]
        ln = LANG_NAME[lang]
        return (f"Sessions are in {ln} and English." if bilingual
                else f"Sessions are in {ln}; a volunteer can help with English if needed.")

    def access_sentence(self, access: list[str], country: str) -> str | None:
        parts = []
        if "sign-language" in access:
            parts.append(f"{'BSL' if country == 'GB' else 'ASL'} interpretation is provided at every session.")
        if "childcare" in access:
            parts.append("A crèche runs alongside the group; let us know in advance." if country == "GB"
                         else "Free childcare is available on request.")
        if "large-print" in access:
            parts.append("Large-print handouts are available.")
        return " ".join(parts[:1]) if parts else None

    def description(self, g: dict, venue: dict) -> str:
        rng = self.rng
        c = g["conditions"][0]
        cond = rng.choice(COND_PHRASE[c])
        a = g.get("_aud0") or g["audiences"][0]
        who = WHO_PHRASE[a]
        if a == "family-and-friends":
            who = "family and friends of someone"
        tod = time_of_day(g["schedules"][0]["start_time"]).lower()
        year = rng.randint(2009, 2024)
        if c == "carers":
            openers = [f"A friendly group for {who if a != 'family-and-friends' else 'people'} caring for a relative, partner or friend with a mental-health condition.",
                       f"Caring for someone who is unwell can be lonely; this {tod} group is for the people doing the caring.",
                       "We are carers – partners, parents, children and friends – and we meet to support each other.",
                       f"Started by carers in {year}, this group gives {who if a != 'family-and-friends' else 'carers'} time to talk about their own wellbeing."]
        elif a == "family-and-friends":
            openers = [f"A friendly, peer-led group for family and friends of someone living with {cond}.",
                       f"Supporting someone through {cond} can be lonely; this group is for the people close to them.",
                       f"We are relatives, partners and friends of people affected by {cond}, and we meet to support each other."]
        else:
            openers = [
                f"A friendly, peer-led group for {who} living with {cond}.",
                f"{g['name']} is a space for {who} affected by {cond} to meet others who understand.",
                f"We are a small, welcoming group of {who} with experience of {cond}.",
                f"Started in {year} by people with lived experience, this group brings together {who} affected by {cond}.",
                f"If you are dealing with {cond}, you do not have to do it alone.",
                f"A relaxed, confidential {tod} meeting for {who} coping with {cond}.",
                f"This {tod} group gives {who} affected by {cond} a chance to talk openly, without judgement.",
                f"Running since {year}, we offer {who} a warm welcome and a place to be honest about {cond}.",
            ]
        middles = [
            "Each session starts with a short check-in, then we talk about whatever feels most useful that week.",
            "We share what has helped us, from practical coping strategies to simply getting through the week.",
            "Some weeks have a theme, such as sleep, work or relationships; other weeks we simply talk.",
            "Sessions mix open discussion with a short, optional grounding exercise.",
            "There is no pressure to share, and plenty of people just listen for the first few visits.",
            "We follow a simple structure: check-in, open discussion and a check-out to finish.",
            "Now and then a guest speaker joins us, but mostly it is people supporting each other.",
            "We are not therapy and not a replacement for professional help, but many members find it a valuable extra.",
        ]
        closers = [
            "New members are always welcome.", "Drop in whenever you can; there is no need to book.",
            "Please get in touch before your first visit so we can say hello.",
            "Everyone is welcome, whatever stage you are at.", "Come once, come every time – it is up to you.",
        ]
        if not g["is_sensitive"]:
            vname = venue["name"].split(",")[0]
            closers += [f"We meet at {vname}, a short walk from the nearest bus stop."
                        if "public-transport" in venue["access"] else f"We meet at {vname}.",
                        "Look for the sign on the door on the day."]
        parts = [rng.choice(openers)]
        pool = [rng.choice(middles), rng.choice(COND_SENTENCE[c])]
        rng.shuffle(pool)
        parts.append(pool[0])
        extra = self.lang_sentence(g["languages"], g["_country"]) or self.access_sentence(g["access"], g["_country"])
        if extra:
            parts.append(extra)
        elif rng.random() < 0.5:
            parts.append(pool[1])
        if len(parts) < 4 and rng.random() < 0.7:
            parts.append(rng.choice(closers))
        return " ".join(parts)

    def what_to_expect(self, g: dict, venue: dict) -> str:
        rng = self.rng
        gb = g["_country"] == "GB"
        arrive = ["Arrive ten minutes early and someone will meet you at the door.",
                  "Come a few minutes early if you would like a quiet word with a facilitator first.",
                  "Just turn up – you do not need to book or be referred.",
                  "Let us know you are coming and we will look out for you.",
                  "The first few minutes are for settling in and saying hello."]
        talk = ["You do not have to say anything; listening is fine.", "Nobody will ask you to talk.",
                "You can share as much or as little as you like.", "First names only, and no pressure to speak."]
        drinks = (["There is tea, coffee and biscuits.", "The kettle is always on.",
                   "Tea and cake are on the table."] if gb else
                  ["There is coffee and snacks.", "Coffee, tea and light snacks are provided.",
                   "Coffee is on us."])
        conf = ["What is said in the group stays in the group.", "Everything shared is confidential.",
                "We agree a few simple ground rules at the start, including confidentiality."]
        facil = ["Sessions are facilitated by two trained volunteers with lived experience.",
                 "The group is peer-led; a volunteer keeps time and makes sure everyone gets a turn.",
                 "A qualified counsellor facilitates, alongside a peer volunteer.",
                 "Facilitators have completed peer-support training and have lived experience themselves.",
                 "It is run by members, with a volunteer coordinator."]
        if g["is_sensitive"]:
            sens = ["Please get in touch before your first visit; we will have a short, private chat first.",
                    "No need to give your full name.", rng.choice(conf),
                    ORG_SENTENCE[g["_country"]]]
            return " ".join(sens[:1] + [rng.choice(talk)] + sens[1:])
        parts = [rng.choice(arrive), rng.choice(talk)]
        extras = [rng.choice(drinks), rng.choice(conf), rng.choice(facil)]
        rng.shuffle(extras)
        parts += extras[: rng.randint(1, 3)]
        if "step-free" in venue["access"] and rng.random() < 0.3:
            parts.append("The room is step-free." if rng.random() < 0.5 else "There is step-free access through the side door.")
        if "quiet-room" in venue["access"] and rng.random() < 0.3:
            parts.append("A quiet room is available if you need a moment.")
        return " ".join(parts)

    def sensitive_description(self, g: dict) -> str:
        rng = self.rng
        c, a = g["conditions"], g["audiences"]
        who = WHO_PHRASE[a[0]]
        if "veterans" in a:
            opener = rng.choice([f"A confidential peer group for {who} living with the after-effects of trauma.",
                                 f"Run by veterans for {who} dealing with PTSD and its impact on daily life."])
        elif "ptsd" in c:
            opener = rng.choice(["A confidential peer support group for adult survivors of rape and sexual violence.",
                                 f"A confidential group for adult survivors of sexual violence living in or near {g['area_name']}.",
                                 "A safe, confidential group for adults who have experienced sexual violence, whenever it happened."])
        else:
            opener = rng.choice([f"A confidential peer support group for {who} who have experienced domestic abuse.",
                                 f"A confidential peer support group for {who} in and around {g['area_name']} who have experienced domestic abuse.",
                                 f"A safe, closed group for {who} rebuilding their lives after an abusive relationship."])
        middle = rng.choice(["Sessions are facilitated by trained volunteers who are survivors themselves.",
                             "The group is small and closed: new members join after a short, private conversation.",
                             "We meet in a safe, private room and keep the group small."])
        return " ".join([opener, middle, rng.choice(COND_SENTENCE[c[0]]), ORG_SENTENCE[g["_country"]]])

    # ------------------------------------------------------------------ groups
    def make_city_groups(self, code: str) -> None:
        rng = self.rng
        _, cname, country, tz, _, n = CITY[code]
        venue_slots = self.make_venues(code, n)
        slots: list[dict] = []
        for venue, k in venue_slots:
            slots += [venue] * k
        # which group indexes are sensitive / in a community language
        idx = list(range(n))
        rng.shuffle(idx)
        sensitive_idx = set(idx[: SENSITIVE_QUOTAS[code]])
        lang_of: dict[int, str] = {}
        pos = SENSITIVE_QUOTAS[code]
        for lang, count in LANGUAGE_QUOTAS.get(code, []):
            for _ in range(count):
                lang_of[idx[pos]] = lang
                pos += 1
        s_rot = 0
        for i in range(n):
            venue = slots[i]
            dist = self.venue_district[venue["key"]]
            area = dist[1] if dist[1] != "City Centre" else cname
            town = venue["town"]
            g: dict = {"key": f"{code}-{i + 1:04d}", "_country": country, "is_sensitive": i in sensitive_idx}
            if g["is_sensitive"]:
                kind = SENSITIVE_KINDS[(s_rot + (0 if country == "GB" else 2)) % len(SENSITIVE_KINDS)]
                s_rot += 1
                g["conditions"] = sorted(kind[0])
                g["audiences"] = sorted(kind[1])
                g["area_name"] = dist[1] if dist[1] != "City Centre" else cname
            else:
                c0 = weighted(rng, CONDITION_WEIGHTS)
                conds = [c0]
                r = rng.random()
                if r < 0.45:
                    conds.append(rng.choice(RELATED[c0]))
                if r < 0.10:
                    extra = [x for x in RELATED[c0] + ["general-wellbeing"] if x not in conds]
                    conds.append(rng.choice(extra))
                conds = list(dict.fromkeys(conds))
                a0 = weighted(rng, AUDIENCE_BY_CONDITION.get(c0, AUDIENCE_BY_CONDITION[None]))
                auds = [a0]
                if a0 in AUDIENCE_PAIRS and rng.random() < 0.25:
                    auds.append(rng.choice(AUDIENCE_PAIRS[a0]))
                if c0 == "perinatal" and a0 == "women" and len(auds) == 1:
                    auds.append("parents")
                g["conditions"] = [conds[0]] + sorted(set(conds[1:]) - {conds[0]})
                g["audiences"] = sorted(set(auds))
                g["_aud0"] = a0
            # languages
            if i in lang_of:
                lang = lang_of[i]
                g["languages"] = sorted({lang, "en"}) if rng.random() < 0.65 else [lang]
            else:
                g["languages"] = ["en"]
            # group-scope access
            acc = []
            if rng.random() < (0.35 if g["conditions"][0] == "perinatal" or "parents" in g["audiences"] else 0.03):
                acc.append("childcare")
            if rng.random() < 0.09 or ("older-adults" in g["audiences"] and rng.random() < 0.4):
                acc.append("large-print")
            if rng.random() < 0.035 and not g["is_sensitive"]:
                acc.append("sign-language")
            g["access"] = sorted(acc)
            # schedules
            g["schedules"] = self.make_schedules(g)
            # text
            if g["is_sensitive"]:
                g["name"] = self.sensitive_name(g, kind[2])
            else:
                g["name"] = self.group_name(g, area, town, g["schedules"][0])
            for _ in range(50):
                desc = self.sensitive_description(g) if g["is_sensitive"] else self.description(g, venue)
                if desc not in self.descriptions_used:
                    break
            self.descriptions_used.add(desc)
            g["description"] = desc
            g["what_to_expect"] = self.what_to_expect(g, venue)
            g["cost"] = self.cost(country, g)
            g["contact_email"] = self.contact_email(g, area)
            g["website"] = self.website(g, code)
            g["venue"] = venue["key"]
            g["facilitators"] = []
            g["cancellations"] = []
            g["moves"] = []
            self.groups.append(g)
            self.group_city[g["key"]] = code

    def sensitive_name(self, g: dict, patterns: list[str]) -> str:
        for p in self.rng.sample(patterns, len(patterns)):
            name = p.format(area=g["area_name"])
            if name not in self.names_used:
                self.names_used.add(name)
                return name
        name = f"{patterns[0].format(area=g['area_name'])} ({g['key'][-2:]})"
        self.names_used.add(name)
        return name

    def make_schedules(self, g: dict) -> list[dict]:
        rng = self.rng
        kinds = {"weekly1": 34, "weekly2d": 7, "weekly_i2": 12, "weekly_i3": 5, "mw_n": 14, "mw_two": 7,
                 "mw_last": 7, "md_n": 6, "once": 4}
        if g["is_sensitive"]:
            kinds = {"weekly1": 5, "weekly_i2": 3, "mw_n": 2, "mw_two": 1}
        k0 = weighted(rng, kinds)
        if k0 == "md_n":  # a couple on the 31st (made "last day" later) and a few on the last day
            r = rng.random()
            if r < 0.12 and self.sched_counter["md_31"] < 2:
                k0 = "md_31"
            elif r < 0.35 and self.sched_counter["md_last"] < 4:
                k0 = "md_last"
        scheds = [self.schedule(k0)]
        if k0 != "once" and rng.random() < 0.12:
            k1 = weighted(rng, {"mw_n": 3, "mw_last": 2, "once": 3, "weekly1": 2, "md_n": 1})
            s1 = self.schedule(k1)
            if s1["start_time"] == scheds[0]["start_time"] and s1.get("weekdays") == scheds[0].get("weekdays"):
                s1["start_time"] = "10:30" if s1["start_time"] >= "12:00" else "18:30"
            scheds.append(s1)
        return scheds

    def cost(self, country: str, g: dict) -> str:
        rng = self.rng
        if g["is_sensitive"]:
            return "Free"
        if country == "GB":
            return weighted(rng, {"Free": 75, "Donations welcome": 12, "£2 towards tea": 8,
                                  "£3 suggested donation": 4, "£1 for refreshments": 2})
        return weighted(rng, {"Free": 75, "Donations welcome": 12, "$5 suggested": 8,
                              "$3 suggested donation": 4, "Pay what you can": 2})

    def contact_email(self, g: dict, area: str) -> str:
        rng = self.rng
        dom = rng.choice(EMAIL_DOMAINS)
        if g["is_sensitive"]:
            base = f"{ascii_slug(g['area_name'])}-{'veterans' if 'veterans' in g['audiences'] else 'survivors'}"
        else:
            words = [w for w in ascii_slug(g["name"]).split("-") if w not in ("the", "and", "of", "a", "de")]
            style = rng.random()
            if style < 0.5:
                base = "-".join(words[:3])
            elif style < 0.75:
                base = f"hello.{ascii_slug(area)}"
            else:
                base = f"{'-'.join(words[:2])}.group"
        email = f"{base}@{dom}"
        n = 2
        while email in self.emails_used:
            email = f"{base}{n}@{dom}"
            n += 1
        self.emails_used.add(email)
        return email

    def website(self, g: dict, code: str) -> str | None:
        rng = self.rng
        if rng.random() > 0.35:
            return None
        if g["is_sensitive"]:
            return f"https://example.net/support/{g['key']}"
        return rng.choice([f"https://example.org/{code}/{ascii_slug(g['name'])[:60]}",
                           f"https://www.example.com/groups/{g['key']}",
                           f"https://example.net/{ascii_slug(g['name'])[:40]}"])

    # ------------------------------------------------------------------ facilitators
    def make_facilitators(self) -> None:
        rng = self.rng
        total_groups = len(self.groups)
        by_city: dict[str, list[dict]] = defaultdict(list)
        for g in self.groups:
            by_city[self.group_city[g["key"]]].append(g)
        used_names: set[str] = set()
        phone_pools: dict[str, list[str]] = {}
        for code, _, country, *_ in CITIES:
            if country == "GB":
                prefix, _ = UK_PHONE[code]
                phone_pools[code] = [f"{prefix}0{n:03d}" for n in rng.sample(range(1000), 200)]
            else:
                pool = [f"({ac}) 555-01{n:02d}" for ac in US_AREA_CODES[code] for n in range(100)]
                rng.shuffle(pool)
                phone_pools[code] = pool
        mobiles = [f"{UK_MOBILE}{n:03d}" for n in rng.sample(range(1000), 400)]
        fac_email_used: set[str] = set()
        for code, _cname, country, _tz, _c, _n in CITIES:
            groups = by_city[code]
            nf = max(6, round(len(groups) * 250 / total_groups))
            region = NAME_REGION.get(code, "GB" if country == "GB" else "US")
            facs = []
            for j in range(nf):
                for _ in range(100):
                    fn_pool = FIRST_NAMES[region] + (FIRST_NAMES["GB"] if region in ("SCO", "WAL", "NI") else [])
                    ln_pool = LAST_NAMES[region] + (LAST_NAMES["GB"][:30] if region in ("SCO", "WAL", "NI") else [])
                    first, last = rng.choice(fn_pool), rng.choice(ln_pool)
                    if f"{first} {last}" not in used_names:
                        break
                used_names.add(f"{first} {last}")
                local = f"{ascii_slug(first)}.{ascii_slug(last)}".replace("-", "")
                dom = rng.choice(EMAIL_DOMAINS)
                email = f"{local}@{dom}"
                k = 2
                while email in fac_email_used:
                    email = f"{local}{k}@{dom}"
                    k += 1
                fac_email_used.add(email)
                if country == "GB" and rng.random() < 0.4:
                    phone = mobiles.pop()
                else:
                    phone = phone_pools[code].pop()
                facs.append({"key": f"fac-{code}-{j + 1:03d}", "name": f"{first} {last}", "bio": "",
                             "email": email, "phone": phone, "show_email": rng.random() < 0.4,
                             "show_phone": rng.random() < 0.2, "_first": first})
            # assign: Zipf-like weights so some people lead several groups; nobody but the two
            # designated "busiest" facilitators (London, New York) leads more than 8
            weights = [1.0 / (r + 4) ** 0.7 for r in range(nf)]
            load: Counter = Counter()
            for g in groups:
                k = rng.choices([0, 1, 2], weights=[14, 56, 30])[0]
                chosen: list[dict] = []
                while len(chosen) < k:
                    f = rng.choices(facs, weights=weights)[0]
                    if f not in chosen and load[f["key"]] < 8:
                        chosen.append(f)
                        load[f["key"]] += 1
                g["facilitators"] = [f["key"] for f in chosen]
            # everyone leads at least one group
            for f in facs:
                if load[f["key"]] == 0:
                    options = [g for g in groups if len(g["facilitators"]) < 2]
                    g = rng.choice(options)
                    g["facilitators"].append(f["key"])
                    load[f["key"]] += 1
            # the busiest facilitators: London's leads 14 groups, New York's 11
            target = {"ldn": 14, "nyc": 11}.get(code)
            if target:
                top = facs[0]["key"]
                order = [g for g in groups if top not in g["facilitators"] and len(g["facilitators"]) < 2]
                rng.shuffle(order)
                while load[top] < target and order:
                    g = order.pop()
                    g["facilitators"].append(top)
                    load[top] += 1
            self.facilitators += facs
        for g in self.groups:
            g["facilitators"] = sorted(set(g["facilitators"]))
        # bios from what they actually lead
        fac_conds: dict[str, Counter] = defaultdict(Counter)
        for g in self.groups:
            for k in g["facilitators"]:
                fac_conds[k][g["conditions"][0]] += 1
        for f in self.facilitators:
            main = fac_conds[f["key"]].most_common(1)[0][0] if fac_conds[f["key"]] else "general-wellbeing"
            f["bio"] = self.bio(f["_first"], main, f["key"].split("-")[1])
            del f["_first"]

    def bio(self, first: str, cond: str, code: str) -> str:
        rng = self.rng
        cs = COND_SHORT[cond]
        year = rng.randint(2008, 2024)
        n = rng.randint(3, 25)
        if cond == "carers":
            opts = [f"{first} has cared for a family member for {n} years and knows how isolating it can be.",
                    f"{first} looks after a partner with bipolar and started the carers' group in {year}."]
        elif cond in ("grief-and-loss", "suicide-bereavement"):
            rel = rng.choice(["a brother", "a sister", "a partner", "a son", "a daughter", "a close friend", "a parent"])
            opts = [f"{first} lost {rel} in {year} and volunteers so nobody has to face {cs} alone.",
                    f"After losing {rel}, {first} found a peer group that helped and now helps run one."]
        elif cond == "addiction-recovery":
            opts = [f"{first} has been in recovery since {year} and believes in meeting people wherever they are.",
                    f"In long-term recovery, {first} has been facilitating peer groups for {n} years."]
        elif cond == "ptsd":
            opts = [f"{first} lives with PTSD and trained as a peer supporter in {year}.",
                    f"A former {rng.choice(JOBS)}, {first} came to peer support through personal experience of trauma."]
        elif cond == "perinatal":
            opts = [f"{first} had postnatal depression after a first baby and wants every new parent to know it gets better.",
                    f"{first} set up the group in {year} after struggling with anxiety during pregnancy."]
        else:
            opts = [f"{first} has lived experience of {cs} and has been facilitating peer groups since {year}.",
                    f"After years of managing {cs} alone, {first} found a peer group in {year} and now helps run several.",
                    f"{first} is a trained peer supporter who knows {cs} from the inside.",
                    f"A former {rng.choice(JOBS)}, {first} came to peer support through personal experience of {cs}."]
        out = rng.choice(opts)
        if rng.random() < 0.6:
            out += " " + rng.choice([f"Outside the group: {rng.choice(HOBBIES)}.",
                                     f"Loves {rng.choice(HOBBIES)} and a good cup of tea." if CITY[code][2] == "GB"
                                     else f"Loves {rng.choice(HOBBIES)} and strong coffee.",
                                     f"Usually found {rng.choice(['putting the kettle on', 'setting out the chairs', 'welcoming people at the door'])}."])
        return out

    # ------------------------------------------------------------------ exceptions
    def add_exceptions(self) -> None:
        rng = self.rng

        def eligible(s: dict) -> bool:
            return (s["kind"] != "once" and s["paused_until"] is None and s["last_date"] is None
                    and s["first_date"] < "2026-11-01")

        candidates = [g for g in self.groups if any(eligible(s) for s in g["schedules"])]
        rng.shuffle(candidates)
        cancels, moves = candidates[:20], candidates[20:31]
        for g in cancels:
            idx = [i for i, s in enumerate(g["schedules"]) if eligible(s)]
            i = idx[-1] if len(idx) > 1 and rng.random() < 0.5 else idx[0]
            g["cancellations"].append({"schedule": i, "upcoming": rng.choice([1, 2, 2, 3, 4]),
                                       "reason": rng.choice(CANCEL_REASONS)})
            if rng.random() < 0.2:
                g["cancellations"].append({"schedule": i, "upcoming": 6, "reason": "Public holiday"})
        for g in moves:
            s = g["schedules"][0]
            if not eligible(s) or s["kind"] == "monthly_date" or len(s["weekdays"]) != 1:
                continue
            shift = rng.choice([1, 1, -1, 0, 2])
            h, m = map(int, s["start_time"].split(":"))
            # The note says why, never when: pages write the new day and time themselves (in
            # the site's clock), so a note that restated them would read twice, once in 24 h.
            if shift == 0:
                new_time = f"{min(h + 1, 20):02d}:{m:02d}" if h < 19 else f"{h - 1:02d}:{m:02d}"
                note = MOVE_REASONS[0 if h < 19 else 1]
            else:
                new_time = rng.choice([s["start_time"], s["start_time"], "18:30"])
                note = MOVE_REASONS[2 + sum(map(ord, g["key"])) % (len(MOVE_REASONS) - 2)]
            g["moves"].append({"schedule": 0, "upcoming": rng.choice([1, 1, 2, 3]), "shift_days": shift,
                               "new_start_time": new_time, "note": note})
        # last dates and pauses on a few ongoing schedules
        rest = [g for g in self.groups if g not in cancels and g not in moves]
        rng.shuffle(rest)
        n_last = n_pause = 0
        for g in rest:
            s = g["schedules"][-1]
            if not eligible(s):
                continue
            if n_last < len(LAST_DATES):
                s["last_date"] = LAST_DATES[n_last]
                n_last += 1
            elif n_pause < 7:
                s["paused_until"] = f"+{rng.choice([10, 14, 20, 20, 28, 35, 42])}"
                n_pause += 1
            else:
                break

    # ------------------------------------------------------------------ places
    def separate_places(self) -> None:
        """Privacy belongs to the place: a venue that hosts a sensitive group shows only its area,
        for every group there. Every other sensitive group that shares a venue moves to a place
        of its own (so the demo has both kinds); ordinary groups that still share one stop naming
        it in their description, as the listing form would insist. A Random of its own keeps
        every earlier record byte-identical."""
        rng = Random(SEED + 8)
        venues = {v["key"]: v for v in self.venues}
        by_venue: dict[str, list[dict]] = defaultdict(list)
        for g in self.groups:
            by_venue[g["venue"]].append(g)
        numbers = Counter()
        for v in self.venues:
            code = self.venue_city[v["key"]]
            numbers[code] = max(numbers[code], int(v["key"].rsplit("-", 1)[1]))
        used_addr = {v["address"] for v in self.venues}
        used_units = {v["postcode"] for v in self.venues}
        shared = sorted((g for g in self.groups if g["is_sensitive"] and len(by_venue[g["venue"]]) > 1),
                        key=lambda g: g["key"])
        for g in shared[::2]:
            old = venues[g["venue"]]
            code = self.venue_city[old["key"]]
            dist = self.venue_district[old["key"]]
            country = old["country"]
            numbers[code] += 1
            streets = UK_STREETS if country == "GB" else US_STREETS
            while True:
                street = rng.choice(streets)
                num = rng.randint(1, 240) if country == "GB" else rng.randint(100, 2999)
                if f"{num} {street}" not in used_addr:
                    break
            used_addr.add(f"{num} {street}")
            postcode = old["postcode"]
            if country == "GB":
                while True:
                    postcode = f"{dist[0]} {rng.choice(dist[5])}{rng.choice(UK_UNIT_LETTERS)}{rng.choice(UK_UNIT_LETTERS)}"
                    if postcode not in used_units:
                        break
                used_units.add(postcode)
            taken = {t for v in self.venues for c in ("latitude", "longitude")
                     for t in (f"{v[c]:.4f}", f"{v[c]:.5f}"[:-1])}
            while True:  # no 4-decimal coordinate shared with another venue (tests match them)
                lat = round(dist[2] + rng.uniform(-0.0025, 0.0025), 5)
                lng = round(dist[3] + rng.uniform(-0.0035, 0.0035), 5)
                if f"{lat:.4f}" not in taken and f"{lng:.4f}" not in taken:
                    break
            new = {"key": f"ven-{code}-{numbers[code]:03d}",
                   "name": rng.choice(OWN_PLACE_NAMES), "address": f"{num} {street}",
                   "postcode": postcode, "town": old["town"], "country": country,
                   "latitude": lat, "longitude": lng,
                   "timezone": old["timezone"], "access": list(old["access"])}
            self.venues.append(new)
            venues[new["key"]] = new
            self.venue_city[new["key"]] = code
            self.venue_district[new["key"]] = dist
            by_venue[old["key"]].remove(g)
            by_venue[new["key"]].append(g)
            g["venue"] = new["key"]
        # The listing form allows days 1-28 or the last day (not every month has a 29th-31st):
        # a "31st" is the last day of the month, which is what its organizer meant.
        for g in self.groups:
            for sched in g["schedules"]:
                if sched["kind"] == "monthly_date" and (sched["month_day"] or 0) > 28:
                    sched["month_day"] = -1
        for key, gs in by_venue.items():
            if not any(g["is_sensitive"] for g in gs):
                continue
            vname = venues[key]["name"].split(",")[0]
            for g in gs:
                if not g["is_sensitive"]:
                    for sentence in (f" We meet at {vname}, a short walk from the nearest bus stop.",
                                     f" We meet at {vname}."):
                        g["description"] = g["description"].replace(sentence, "")

    # ------------------------------------------------------------------ output
    def build(self) -> dict:
        for code, *_ in CITIES:
            self.make_city_groups(code)
        self.make_facilitators()
        self.add_exceptions()
        self.separate_places()
        groups = []
        for g in self.groups:
            rec = {k: g[k] for k in ("key", "name", "description", "what_to_expect", "conditions", "audiences",
                                     "languages", "access", "cost", "contact_email", "website", "is_sensitive")}
            if g["is_sensitive"]:
                rec["area_name"] = g["area_name"]
            rec["venue"] = g["venue"]
            city = self.venue_city[g["venue"]]
            rec["organisation"] = organisation_of(g, city, CITY[city][2], self.venue_district[g["venue"]][0])
            rec["facilitators"] = g["facilitators"]
            rec["schedules"] = g["schedules"]
            if g["cancellations"]:
                rec["cancellations"] = g["cancellations"]
            if g["moves"]:
                rec["moves"] = g["moves"]
            groups.append(rec)
        return {"format": FORMAT,
                "organisations": organisation_records(),
                "venues": sorted(self.venues, key=lambda v: v["key"]),
                "facilitators": sorted(self.facilitators, key=lambda f: f["key"]),
                "groups": sorted(groups, key=lambda g: g["key"])}


# Organisations that run the groups: invented names (no real charity, affiliate or trademark),
# websites only on subdomains of the reserved example domains. National ones run every group of
# their topics (the main condition) in their countries; local ones run the rest of their city, by
# postcode district or ZIP when a city has several (``None``: the rest of the city). No randomness:
# adding them changes nothing else in the file.
NATIONAL_ORGS = [
    ("org-uk-steady-ground", "Steady Ground Bipolar Alliance", ("GB",), ("bipolar",),
     "https://steadyground.example.org",
     "A UK-wide peer alliance for people living with bipolar, run by members who have been "
     "there. Local groups meet in cities across England, Scotland, Wales and Northern Ireland."),
    ("org-uk-stillwater", "Stillwater Carers' Network", ("GB",), ("carers",),
     "https://stillwater-carers.example.net",
     "Peer groups across the UK for people caring for someone with a mental illness: a cup of "
     "tea, an hour that is yours, and others who understand."),
    ("org-int-ember-voices", "Ember Voices Collective", ("GB", "US"), ("hearing-voices", "psychosis"),
     "https://embervoices.example.com",
     "Peer-led groups on both sides of the Atlantic for people who hear voices, see visions or "
     "have unusual experiences, and for those who have been given a diagnosis of psychosis."),
    ("org-int-gentle-tide", "Gentle Tide Bereavement Fellowship", ("GB", "US"),
     ("grief-and-loss", "suicide-bereavement"), "https://gentletide.example.org",
     "A fellowship of bereavement circles in the UK and the US, for anyone grieving, including "
     "those bereaved by suicide. Volunteers who have lost someone themselves lead each circle."),
    ("org-us-harbor-light", "Harbor Light Mood Alliance", ("US",), ("bipolar",),
     "https://harborlight.example.com",
     "A US network of peer support groups for people living with bipolar and their families, "
     "with chapters in cities from coast to coast."),
    ("org-us-new-leaf", "New Leaf Recovery Circles", ("US",), ("addiction-recovery",),
     "https://newleafcircles.example.net",
     "Recovery circles across the US for people rebuilding their lives after addiction, open to "
     "every pathway of recovery and run by people in recovery."),
    ("org-int-first-light", "First Light Perinatal Peer Network", ("GB", "US"), ("perinatal",),
     "https://firstlight-perinatal.example.org",
     "Peer support for parents struggling with their mental health in pregnancy and after birth, "
     "in groups where babies are always welcome."),
]
LOCAL_ORGS = [
    ("org-ldn-east", "ldn", "East London Peer Circles", ("E",), "https://eastlondoncircles.example.org",
     "A grassroots charity running peer support circles from Whitechapel to Stratford since the "
     "early 2000s."),
    ("org-ldn-south", "ldn", "Southbank Wellbeing Collective", ("SE", "SW"),
     "https://southbankwellbeing.example.com",
     "South London's peer support collective: drop-ins, circles and cafés in community halls "
     "south of the river."),
    ("org-ldn-north", "ldn", "Camden Lanterns Peer Trust", None, "https://camdenlanterns.example.org",
     "A small trust that started with one Tuesday-night group in Camden and now runs circles "
     "across north and central London."),
    ("org-ldn-west", "ldn", "Westway Peer Support", ("W",), "https://westwaypeers.example.net",
     "Peer support groups in west London, from Notting Hill to Hammersmith, run by local "
     "volunteers with lived experience."),
    ("org-man-salford", "man", "Salford Wellbeing Network", ("M5", "M6", "M15", "M16"),
     "https://salfordwellbeing.example.org",
     "A network of peer groups in Salford, Hulme and Trafford, started by neighbours who wanted "
     "somewhere to talk that wasn't a waiting room."),
    ("org-man-peer", "man", "Mancunian Peer Partnership", None, "https://mancunianpeers.example.com",
     "Peer support for Greater Manchester: groups in the city centre, the north and the south, "
     "all free and all led by people who have been there."),
    ("org-bhm", "bhm", "Kindred Circles Birmingham", None, "https://kindredcircles.example.org",
     "Birmingham's peer support charity, with circles in community centres, libraries and cafés "
     "across the city."),
    ("org-lds", "lds", "Aire Valley Peer Support", None, "https://airevalleypeers.example.net",
     "Peer groups in Leeds and along the Aire valley, run by a small charity with a big team of "
     "volunteers."),
    ("org-gla", "gla", "Clydeside Companions", None, "https://clydesidecompanions.example.org",
     "Glasgow peer support groups from the West End to the East End, meeting in halls, kirks "
     "and community cafés."),
    ("org-edi", "edi", "Forth Wellbeing Circle", None, "https://forthwellbeing.example.com",
     "Edinburgh and Leith peer groups for mental health, run by a members' association since "
     "2011."),
    ("org-bri", "bri", "Avon Harbour Peer Network", None, "https://avonharbour.example.org",
     "Bristol's peer network: friendly groups near the harbourside and in every corner of the "
     "city."),
    ("org-cdf", "cdf", "Cyfeillion Taf Peer Friends", None, "https://cyfeilliontaf.example.net",
     "Peer support in Cardiff, in English and Welsh (Cymorth cyfoedion yng Nghaerdydd, yn "
     "Gymraeg ac yn Saesneg)."),
    ("org-bfs", "bfs", "Lagan Peer Circles", None, "https://laganpeers.example.org",
     "Belfast peer support circles, open to everyone from every part of the city."),
    ("org-nyc-brooklyn", "nyc", "Brooklyn Kindred Circles", ("112",), "https://brooklynkindred.example.org",
     "Brooklyn's neighborhood peer support groups, from Williamsburg to Flatbush."),
    ("org-nyc-uptown", "nyc", "Uptown Peer Alliance", ("10019", "10024", "10027", "10029", "10032", "10040"),
     "https://uptownpeers.example.com",
     "Peer support across Upper Manhattan: Harlem, Washington Heights, Inwood and the Upper "
     "West Side."),
    ("org-nyc-five-boroughs", "nyc", "Five Boroughs Peer Alliance", None,
     "https://fiveboroughspeers.example.net",
     "A New York nonprofit running free peer groups in Lower and Midtown Manhattan, with "
     "members from all five boroughs."),
    ("org-chi-lakefront", "chi", "Lakefront Peer Alliance", None, "https://lakefrontpeers.example.org",
     "Chicago peer support groups on the North Side and in the Loop, led by trained volunteers "
     "with lived experience."),
    ("org-chi-prairie", "chi", "Prairie Avenue Wellness Network", ("60605", "60607", "60608", "60615", "60616"),
     "https://prairieavenue.example.com",
     "A South Side and Near West Side network of peer groups, meeting in churches, libraries "
     "and park field houses."),
    ("org-sea", "sea", "Puget Sound Peer Partnership", None, "https://pugetsoundpeers.example.net",
     "Seattle-area peer support groups, from Ballard to the Rainier Valley."),
    ("org-atl", "atl", "Peachtree Peer Alliance", None, "https://peachtreepeers.example.org",
     "Atlanta's peer alliance: free support groups in Midtown, Downtown and the neighborhoods "
     "around them."),
    ("org-aus", "aus", "Live Oak Peer Support", None, "https://liveoakpeers.example.com",
     "Austin peer support groups, in English and Spanish, meeting under the live oaks and "
     "indoors when it's too hot."),
    ("org-bos-charles", "bos", "Charles River Wellness Network", None, "https://charlesriver.example.org",
     "Peer support in central Boston: Beacon Hill, the Back Bay, the South End and the North "
     "End."),
    ("org-bos-harborside", "bos", "Harborside Peer Circles", ("02119", "02125", "02127", "02128", "02129", "02130"),
     "https://harborsidecircles.example.net",
     "Peer circles in Roxbury, Dorchester, South Boston, East Boston, Charlestown and Jamaica "
     "Plain."),
]


def organisation_records() -> list[dict]:
    rows = [(key, name, website, about) for key, name, _, _, website, about in NATIONAL_ORGS]
    rows += [(key, name, website, about) for key, _, name, _, website, about in LOCAL_ORGS]
    return sorted(({"key": k, "name": n, "description": d, "website": w} for k, n, w, d in rows),
                  key=lambda o: o["key"])


def organisation_of(group: dict, city: str, country: str, district: str) -> str:
    """The organisation that runs a group: a national one for its main topic in its country,
    else its city's local one for its district (else the city's catch-all)."""
    for key, _, countries, topics, _, _ in NATIONAL_ORGS:
        if country in countries and group["conditions"][0] in topics:
            return key
    rest = None
    for key, code, _, districts, _, _ in LOCAL_ORGS:
        if code != city:
            continue
        if districts is None:
            rest = key
        elif any(district.startswith(d) and (d[-1].isdigit() or not district[len(d):][:1].isalpha())
                 for d in districts):
            return key
    assert rest is not None, city
    return rest


ORG_SENTENCE = {"GB": "The organiser shares the exact address when you get in touch.",
                "US": "The organizer shares the exact address when you get in touch."}


def dumps(data: dict) -> str:
    """One record per line: small diffs, deterministic, readable."""
    out = [f'{{"format": {data["format"]},']
    sections = ["organisations", "venues", "facilitators", "groups"]
    for si, name in enumerate(sections):
        out.append(f' "{name}": [')
        recs = data[name]
        for i, r in enumerate(recs):
            out.append("  " + json.dumps(r, ensure_ascii=False) + ("," if i < len(recs) - 1 else ""))
        out.append(" ]" + ("," if si < len(sections) - 1 else ""))
    out.append("}")
    return "\n".join(out) + "\n"


# =========================================================================== self-check
def read_vocab(name: str) -> dict[str, dict]:
    with open(VOCAB_DIR / name, newline="", encoding="utf-8") as fh:
        return {row["slug"]: row for row in csv.DictReader(fh)}


def self_check(text: str) -> list[str]:
    data = json.loads(text)
    errors: list[str] = []

    def check(cond: bool, msg: str) -> None:
        if not cond:
            errors.append(msg)

    venues = {v["key"]: v for v in data["venues"]}
    facs = {f["key"]: f for f in data["facilitators"]}
    groups = data["groups"]
    conditions, audiences = read_vocab("conditions.csv"), read_vocab("audiences.csv")
    languages, access = read_vocab("languages.csv"), read_vocab("access_features.csv")
    venue_access = {s for s, r in access.items() if r["scope"] == "venue"}
    group_access = {s for s, r in access.items() if r["scope"] == "group"}

    check(data["format"] == FORMAT, "format")
    check(len(groups) >= 650, f"only {len(groups)} groups")
    check(len({g["key"] for g in groups}) == len(groups), "duplicate group keys")
    check(len({g["name"] for g in groups}) == len(groups), "duplicate group names")
    check(len(text.encode()) < 2_000_000, "file larger than 2 MB")

    # cities
    city_of = {g["key"]: g["key"].split("-")[0] for g in groups}
    per_city = Counter(city_of.values())
    check(len(per_city) >= 14, f"only {len(per_city)} cities")
    for code, *_ in CITIES:
        check(per_city[code] >= 20, f"{code}: too few groups")
    check(per_city["ldn"] == max(per_city[c] for c in per_city if CITY[c][2] == "GB"), "London not biggest UK city")
    check(per_city["nyc"] == max(per_city[c] for c in per_city if CITY[c][2] == "US"), "New York not biggest US city")
    check(any(v["town"] == "Brooklyn" for v in venues.values()), "no Brooklyn venue")

    # venues
    gpv = Counter(g["venue"] for g in groups)
    check(set(gpv) == set(venues), "venue without groups or unknown venue")
    mean = len(groups) / len(venues)
    check(1.4 <= mean <= 2.1, f"groups per venue {mean:.2f}")
    uk_pc = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) (\d)([ABD-HJLNP-UW-Z]{2})$")
    for v in venues.values():
        code = v["key"].split("-")[1]
        c = CITY[code]
        check(v["country"] == c[2], f"{v['key']} country")
        limit = 20 if code in ("ldn", "nyc") else 15  # the two biggest cities span more
        check(haversine_km((v["latitude"], v["longitude"]), c[4]) < limit, f"{v['key']} too far from {c[1]}")
        dists = {d[0]: d for d in DISTRICTS[code]}
        if v["country"] == "GB":
            m = uk_pc.match(v["postcode"])
            check(bool(m) and m.group(1) in dists and m.group(2) in dists[m.group(1)][5],
                  f"{v['key']} postcode {v['postcode']}")
        else:
            check(re.fullmatch(r"\d{5}", v["postcode"]) is not None and v["postcode"] in dists,
                  f"{v['key']} ZIP {v['postcode']}")
        check(set(v["access"]) <= venue_access, f"{v['key']} access scope")
        check(bool(re.fullmatch(r"\d+ [A-Z][\w' .-]+", v["address"])), f"{v['key']} address")

    # vocabulary coverage
    use = {"conditions": Counter(), "audiences": Counter(), "languages": Counter(), "access": Counter()}
    for g in groups:
        check(1 <= len(g["conditions"]) <= 3, f"{g['key']} conditions count")
        check(1 <= len(g["audiences"]) <= 2, f"{g['key']} audiences count")
        check(set(g["access"]) <= group_access, f"{g['key']} group access scope")
        for f in use:
            use[f].update(g[f])
    for v in venues.values():
        use["access"].update(v["access"])
    for field, vocab in (("conditions", conditions), ("audiences", audiences), ("languages", languages),
                         ("access", access)):
        check(set(use[field]) <= set(vocab), f"unknown {field}: {set(use[field]) - set(vocab)}")
        for slug in vocab:
            check(use[field][slug] >= 3, f"{field} {slug!r} used {use[field][slug]} times")

    # schedules
    kinds = Counter()
    rel = re.compile(r"^\+\d+$")
    for g in groups:
        check(1 <= len(g["schedules"]) <= 2, f"{g['key']} schedules count")
        if len(g["schedules"]) == 2:
            kinds["two schedules"] += 1
        for s in g["schedules"]:
            k = s["kind"]
            check(re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", s["start_time"]) is not None, f"{g['key']} start")
            check("09:00" <= s["start_time"] <= "20:00", f"{g['key']} start time {s['start_time']}")
            check(60 <= s["duration_minutes"] <= 120, f"{g['key']} duration")
            check(s["paused_until"] is None or rel.match(s["paused_until"]), f"{g['key']} paused_until")
            if s["last_date"]:
                kinds["with last_date"] += 1
                check(s["last_date"] > s["first_date"], f"{g['key']} last_date")
            if s["paused_until"]:
                kinds["with pause"] += 1
            if k == "once":
                kinds["once"] += 1
                check(rel.match(s["first_date"]) is not None and s["last_date"] is None, f"{g['key']} once")
                check(s["weekdays"] is None and s["positions"] is None and s["month_day"] is None, f"{g['key']} once fields")
                continue
            d = dt.date.fromisoformat(s["first_date"])
            check(dt.date(2025, 1, 1) <= d <= dt.date(2026, 12, 31), f"{g['key']} first_date year")
            if k == "weekly":
                check(bool(s["weekdays"]) and s["positions"] is None and s["month_day"] is None, f"{g['key']} weekly fields")
                check(WEEKDAY_CODES[d.weekday()] == s["weekdays"][0], f"{g['key']} first_date not a meeting day")
                kinds["weekly, two days" if len(s["weekdays"]) == 2 else f"weekly, every {s['interval']} week(s)"] += 1
            elif k == "monthly_weekday":
                check(len(s["weekdays"]) == 1 and bool(s["positions"]) and s["month_day"] is None, f"{g['key']} mw fields")
                check(set(s["positions"]) <= {1, 2, 3, 4, -1}, f"{g['key']} positions")
                check(d == nth_weekday(d.year, d.month, s["weekdays"][0], s["positions"][0]), f"{g['key']} mw first_date")
                p = s["positions"]
                kinds["monthly weekday, last" if p == [-1] else
                      "monthly weekday, two positions" if len(p) == 2 else "monthly weekday, nth"] += 1
            elif k == "monthly_date":
                md = s["month_day"]
                check(s["weekdays"] is None and s["positions"] is None, f"{g['key']} md fields")
                check(d.day == (calendar.monthrange(d.year, d.month)[1] if md == -1 else md), f"{g['key']} md first_date")
                kinds["monthly date, last day" if md == -1 else "monthly date, 31st" if md == 31
                      else "monthly date, 1-28"] += 1
            else:
                errors.append(f"{g['key']} unknown kind {k}")
    minimum = {"weekly, every 1 week(s)": 100, "weekly, two days": 20, "weekly, every 2 week(s)": 40,
               "weekly, every 3 week(s)": 15, "monthly weekday, nth": 40, "monthly weekday, two positions": 20,
               "monthly weekday, last": 20, "monthly date, 1-28": 15,
               "monthly date, last day": 2, "once": 15, "with last_date": 5, "with pause": 3,
               "two schedules": 30}
    for k, n in minimum.items():
        check(kinds[k] >= n, f"schedule kind {k!r}: {kinds[k]} < {n}")

    # exceptions
    n_cancel = n_move = 0
    for g in groups:
        for c in g.get("cancellations", []):
            n_cancel += 1
            s = g["schedules"][c["schedule"]]
            check(s["kind"] != "once" and c["upcoming"] >= 1 and c["reason"], f"{g['key']} cancellation")
        for m in g.get("moves", []):
            n_move += 1
            s = g["schedules"][m["schedule"]]
            check(s["kind"] != "once" and m["upcoming"] >= 1 and m["note"], f"{g['key']} move")
            check(re.fullmatch(r"\d\d:\d\d", m["new_start_time"]) is not None, f"{g['key']} move time")
            check(not re.search(r"\d:\d|Moved", m["note"]), f"{g['key']} move note restates the move")
    check(n_cancel >= 10, f"only {n_cancel} cancellations")
    check(n_move >= 5, f"only {n_move} moves")

    # sensitive groups
    sens = Counter()
    for g in groups:
        v = venues[g["venue"]]
        if not g["is_sensitive"]:
            check("area_name" not in g, f"{g['key']} area_name on a non-sensitive group")
            continue
        sens[v["country"]] += 1
        area = g.get("area_name") or ""
        check(bool(area) and not re.search(r"\d", area), f"{g['key']} area_name")
        street = re.sub(r"^\d+\s+", "", v["address"])
        public = " ".join([g["name"], g["description"], g["what_to_expect"], area, g["contact_email"],
                           g.get("website") or ""]).lower()
        for fac in g["facilitators"]:
            public += " " + facs[fac]["bio"].lower()
        pc = v["postcode"].lower()
        for needle in {v["name"].lower(), v["name"].split(",")[0].lower(), v["address"].lower(), street.lower(),
                       pc, pc.replace(" ", "")}:
            check(needle not in public, f"{g['key']} public text contains {needle!r}")
        if v["country"] == "GB":
            check(re.search(rf"\b{re.escape(pc.split()[0])}\b", public) is None, f"{g['key']} outward code in text")
        check("exact address when you get in touch" in g["description"] + g["what_to_expect"],
              f"{g['key']} missing the exact-address sentence")
    check(sens["GB"] >= 4 and sens["US"] >= 4, f"sensitive per country {dict(sens)}")

    # privacy belongs to the place: ordinary groups at a sensitive group's venue don't name it
    hosts = defaultdict(list)
    for g in groups:
        hosts[g["venue"]].append(g)
    own = shared = 0
    for key, gs in hosts.items():
        if not any(g["is_sensitive"] for g in gs):
            continue
        if len(gs) == 1:
            own += 1
        else:
            shared += sum(1 for g in gs if g["is_sensitive"])
        v = venues[key]
        street = re.sub(r"^\d+\s+", "", v["address"]).lower()
        for g in gs:
            public = " ".join([g["name"], g["description"], g["what_to_expect"]]).lower()
            for needle in {v["name"].split(",")[0].lower(), street, v["postcode"].lower()}:
                check(needle not in public, f"{g['key']} names its private place ({needle!r})")
    check(own >= 5 and shared >= 5, f"sensitive groups: {own} at places of their own, {shared} sharing")
    for g in groups:  # what the listing form allows (the demo seeder goes through it)
        for s in g["schedules"]:
            if s["kind"] == "monthly_date":
                check(s["month_day"] == -1 or 1 <= s["month_day"] <= 28, f"{g['key']} month_day")

    # contacts and facilitators
    email_re = re.compile(r"^[a-z0-9._+-]+@example\.(org|com|net)$")
    web_re = re.compile(r"^https://(www\.)?example\.(org|com|net)/[\w/.-]*$")
    phone_re = re.compile("^(?:" + "|".join(PHONE_PATTERNS) + ")$")
    for g in groups:
        check(bool(email_re.match(g["contact_email"])), f"{g['key']} contact_email {g['contact_email']}")
        check(g["website"] is None or bool(web_re.match(g["website"])), f"{g['key']} website")
        check(0 <= len(g["facilitators"]) <= 2 and set(g["facilitators"]) <= set(facs), f"{g['key']} facilitators")
    for f in facs.values():
        check(bool(email_re.match(f["email"])), f"{f['key']} email")
        check(bool(phone_re.match(f["phone"])), f"{f['key']} phone {f['phone']}")
        check(isinstance(f["show_email"], bool) and isinstance(f["show_phone"], bool), f"{f['key']} flags")
        check(bool(f["bio"]), f"{f['key']} bio")
    check(len({f["phone"] for f in facs.values()}) == len(facs), "duplicate facilitator phones")
    check(len({f["email"] for f in facs.values()}) == len(facs), "duplicate facilitator emails")
    check(230 <= len(facs) <= 270, f"{len(facs)} facilitators")
    load = Counter(k for g in groups for k in g["facilitators"])
    check(set(load) == set(facs), "facilitator without a group")
    busiest = sum(1 for n in load.values() if n >= 10)
    check(1 <= busiest <= 2, f"{busiest} facilitators lead 10+ groups (want one or two)")
    opt_e = sum(f["show_email"] for f in facs.values()) / len(facs)
    opt_p = sum(f["show_phone"] for f in facs.values()) / len(facs)
    check(0.3 <= opt_e <= 0.5 and 0.12 <= opt_p <= 0.28, f"opt-in rates {opt_e:.2f}/{opt_p:.2f}")

    # organisations: every group run by one; each runs a few; some run groups in many cities
    orgs = {o["key"]: o for o in data.get("organisations", [])}
    org_web = re.compile(r"^https://[a-z0-9-]+\.example\.(org|com|net)$")
    check(25 <= len(orgs) <= 40, f"{len(orgs)} organisations")
    check(len({o["name"] for o in orgs.values()}) == len(orgs), "duplicate organisation names")
    check(len({o["description"] for o in orgs.values()}) == len(orgs), "identical organisation descriptions")
    for o in orgs.values():
        check(bool(org_web.match(o["website"])), f"{o['key']} website {o['website']}")
        check(len(o["description"]) >= 40, f"{o['key']} description")
    run = Counter(g.get("organisation") for g in groups)
    check(set(run) <= set(orgs), f"groups run by unknown organisations: {set(run) - set(orgs)}")
    check(all(run[k] >= 3 for k in orgs), f"organisations with fewer than 3 groups: "
                                            f"{[k for k in orgs if run[k] < 3]}")
    cities_of = defaultdict(set)
    for g in groups:
        cities_of[g.get("organisation")].add(g["key"].split("-")[0])
    check(sum(len(c) >= 5 for c in cities_of.values()) >= 3, "fewer than 3 organisations in 5+ cities")

    # text variety
    descs = Counter(g["description"] for g in groups)
    check(descs.most_common(1)[0][1] == 1, "identical descriptions")
    return errors


def summary(text: str) -> str:
    data = json.loads(text)
    groups = data["groups"]
    lines = [f"{len(groups)} groups, {len(data['venues'])} venues, {len(data['facilitators'])} facilitators, "
             f"{len(text.encode()):,} bytes"]
    per_city = Counter(g["key"].split("-")[0] for g in groups)
    lines.append("groups per city: " + ", ".join(f"{CITY[c][1]} {per_city[c]}" for c, *_ in CITIES))
    kinds = Counter(s["kind"] for g in groups for s in g["schedules"])
    lines.append("schedules by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    venues = {v["key"]: v for v in data["venues"]}
    sens = Counter(venues[g["venue"]]["country"] for g in groups if g["is_sensitive"])
    lines.append(f"sensitive: GB {sens['GB']}, US {sens['US']}")
    lines.append(f"cancellations {sum(len(g.get('cancellations', [])) for g in groups)}, "
                 f"moves {sum(len(g.get('moves', [])) for g in groups)}")
    orgs = Counter(g["organisation"] for g in groups)
    lines.append(f"{len(data['organisations'])} organisations, groups each: "
                 f"{min(orgs.values())}–{max(orgs.values())}; largest: "
                 + ", ".join(f"{k} {n}" for k, n in orgs.most_common(3)))
    load = Counter(k for g in groups for k in g["facilitators"])
    lines.append("busiest facilitators: " + ", ".join(f"{k} {n}" for k, n in load.most_common(4)))
    return "\n".join(lines)


def main() -> int:
    text = dumps(Generator(SEED).build())
    again = dumps(Generator(SEED).build())
    OUT.write_text(text, encoding="utf-8")
    written = OUT.read_text(encoding="utf-8")
    errors = self_check(written)
    if text != again:
        errors.append("generator is not deterministic")
    print(summary(written))
    if errors:
        print(f"\nSELF-CHECK FAILED ({len(errors)}):", file=sys.stderr)
        for e in errors[:60]:
            print("  - " + e, file=sys.stderr)
        return 1
    print("self-check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
