"""The attacker of docs/security-privacy.md §2.1: query the public search from points of their
choice, binary-search the radius at which a group appears, and trilaterate.

``attack`` only uses what the API answers (the rounded origin it echoes, result ids,
``distance_km``, ``nearest_outside_radius_km``, the location shown); ``check`` compares the
answers with the stored public point and with the venue, and returns every problem found (empty
when the rule holds), so a test can also assert that a broken rule is reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import h3

from groupfinder.geo.distance import EARTH_RADIUS_KM, haversine_km

MIN_RADIUS_KM, MAX_RADIUS_KM = 1.0, 25.0


def destination(lat: float, lng: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point ``km`` from (lat, lng) on ``bearing_deg`` (great circle)."""
    d = km / EARTH_RADIUS_KM
    b = math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lng)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


@dataclass
class Probe:
    origin: tuple[float, float]            # as the API echoed it (rounded server-side)
    flip_km: float                         # smallest radius (±tolerance) that includes the group
    distances: list[float] = field(default_factory=list)      # distance_km when included
    outside: list[float] = field(default_factory=list)        # nearest_outside_radius_km when not
    points: set[tuple[float, float]] = field(default_factory=set)  # location shown
    requests: int = 0


def _ask(client: Any, lat: float, lng: float, radius_km: float, group_id: int,
         probe: Probe | None) -> tuple[bool, dict[str, Any]]:
    body = client.get("/api/v1/groups", query_string={
        "lat": f"{lat:.6f}", "lng": f"{lng:.6f}", "radius_km": repr(radius_km), "limit": "100"}).get_json()
    hit = next((r for r in body["results"] if r["id"] == group_id), None)
    if probe is not None:
        probe.requests += 1
        if hit is not None:
            probe.distances.append(hit["distance_km"])
            probe.points.add((hit["location"]["latitude"], hit["location"]["longitude"]))
        elif not body["results"] and "nearest_outside_radius_km" in body:
            probe.outside.append(body["nearest_outside_radius_km"])
    return hit is not None, body


def probe_from(client: Any, lat: float, lng: float, group_id: int, *, steps: int = 32) -> Probe:
    """Binary-search the radius (1–25 km) at which ``group_id`` starts to appear."""
    _, body = _ask(client, lat, lng, MAX_RADIUS_KM, group_id, None)
    origin = (body["origin"]["latitude"], body["origin"]["longitude"])
    probe = Probe(origin, math.nan)
    inside, _ = _ask(client, lat, lng, MAX_RADIUS_KM, group_id, probe)
    outside, _ = _ask(client, lat, lng, MIN_RADIUS_KM, group_id, probe)
    if not inside or outside:
        raise AssertionError(f"query point {origin} must be 1–25 km from the group")
    lo, hi = MIN_RADIUS_KM, MAX_RADIUS_KM
    for _ in range(steps):
        mid = (lo + hi) / 2
        found, _ = _ask(client, lat, lng, mid, group_id, probe)
        lo, hi = (lo, mid) if found else (mid, hi)
    probe.flip_km = (lo + hi) / 2
    return probe


def trilaterate(probes: list[Probe]) -> tuple[float, float]:
    """Least-squares point whose haversine distances to the origins best match the flip radii
    (Gauss-Newton, numerical Jacobian in degrees)."""
    lat = sum(p.origin[0] for p in probes) / len(probes)
    lng = sum(p.origin[1] for p in probes) / len(probes)
    h = 1e-6
    for _ in range(60):
        rows, res = [], []
        for p in probes:
            f = haversine_km(lat, lng, *p.origin) - p.flip_km
            dlat = (haversine_km(lat + h, lng, *p.origin) - haversine_km(lat - h, lng, *p.origin)) / (2 * h)
            dlng = (haversine_km(lat, lng + h, *p.origin) - haversine_km(lat, lng - h, *p.origin)) / (2 * h)
            rows.append((dlat, dlng))
            res.append(f)
        a11 = sum(r[0] * r[0] for r in rows)
        a12 = sum(r[0] * r[1] for r in rows)
        a22 = sum(r[1] * r[1] for r in rows)
        b1 = sum(r[0] * f for r, f in zip(rows, res, strict=True))
        b2 = sum(r[1] * f for r, f in zip(rows, res, strict=True))
        det = a11 * a22 - a12 * a12
        step_lat = (a22 * b1 - a12 * b2) / det
        step_lng = (a11 * b2 - a12 * b1) / det
        lat, lng = lat - step_lat, lng - step_lng
        if abs(step_lat) < 1e-10 and abs(step_lng) < 1e-10:
            break
    return lat, lng


@dataclass
class Attack:
    probes: list[Probe]
    recovered: tuple[float, float]

    @property
    def requests(self) -> int:
        return sum(p.requests for p in self.probes)


# (bearing from the venue in degrees, distance in km): the attacker's query points
QUERY_POINTS = ((20.0, 3.2), (140.0, 6.5), (255.0, 11.0), (320.0, 17.5))


def attack(client: Any, group_id: int, near: tuple[float, float]) -> Attack:
    probes = [probe_from(client, *destination(*near, bearing, km), group_id)
              for bearing, km in QUERY_POINTS]
    return Attack(probes, trilaterate(probes))


def check(result: Attack, *, venue: tuple[float, float], stored: tuple[float, float],
          tolerance_km: float = 0.001) -> list[str]:
    """Every way the answers reveal more than the published cell; empty when the rule holds.

    ``venue`` is the exact point; ``stored`` the group's stored public point. The expected public
    point is derived here, independently, from the venue (its H3 res-7 cell centre)."""
    problems = []
    centre = h3.cell_to_latlng(h3.latlng_to_cell(*venue, 7))
    expected = (round(centre[0], 4), round(centre[1], 4))
    if stored != expected:
        problems.append(f"stored public point {stored} is not the cell centre {expected}")
    shown = set().union(*(p.points for p in result.probes))
    if shown != {stored}:
        problems.append(f"the location shown varies or differs from the stored point: {sorted(shown)}")
    for p in result.probes:
        to_public = haversine_km(*p.origin, *stored)
        to_venue = haversine_km(*p.origin, *venue)
        if abs(p.flip_km - to_public) > tolerance_km:
            problems.append(f"from {p.origin} the radius filter flips at {p.flip_km:.4f} km, not at "
                            f"the distance to the public point {to_public:.4f} km "
                            f"(venue: {to_venue:.4f} km)")
        wrong = [d for d in p.distances if d != round(to_public, 1)]
        if wrong:
            problems.append(f"from {p.origin} distance_km {sorted(set(wrong))} is not "
                            f"{round(to_public, 1)} (the distance to the public point)")
        wrong = [d for d in p.outside if d != round(to_public, 1)]
        if wrong:
            problems.append(f"from {p.origin} nearest_outside_radius_km {sorted(set(wrong))} is "
                            f"not {round(to_public, 1)}")
    off_centre = haversine_km(*result.recovered, *centre)
    off_venue = haversine_km(*result.recovered, *venue)
    if off_centre > 0.05:
        problems.append(f"trilateration lands {off_centre * 1000:.0f} m from the cell centre")
    if off_venue <= 0.1:
        problems.append(f"trilateration lands {off_venue * 1000:.0f} m from the venue")
    return problems
