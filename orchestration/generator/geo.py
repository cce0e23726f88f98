"""Real US ZIP codes (offline, from the `zipcodes` package): coordinates, time zones, area codes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import zipcodes

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True, slots=True)
class ZipInfo:
    zip: str
    city: str
    state: str
    lat: float
    lon: float
    timezone: str
    area_codes: tuple[str, ...]


@dataclass(frozen=True)
class ZipTable:
    """Every standard, active ZIP with coordinates and a time zone, sorted by ZIP for determinism."""

    rows: tuple[ZipInfo, ...]
    lat: np.ndarray
    lon: np.ndarray
    index: dict[str, int]

    def get(self, zip_code: str) -> ZipInfo | None:
        i = self.index.get(zip_code)
        return None if i is None else self.rows[i]

    def distances_km(self, lat: float, lon: float) -> np.ndarray:
        """Great-circle distance from one point to every ZIP."""
        p1, p2 = math.radians(lat), np.radians(self.lat)
        dphi = p2 - p1
        dlmb = np.radians(self.lon) - math.radians(lon)
        a = np.sin(dphi / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
        return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@lru_cache(maxsize=1)
def zip_table() -> ZipTable:
    rows: list[ZipInfo] = []
    for z in zipcodes.list_all():
        if z.get("zip_code_type") != "STANDARD" or not z.get("active"):
            continue
        if not z.get("lat") or not z.get("long") or not z.get("timezone"):
            continue
        codes = tuple(c for c in (z.get("area_codes") or []) if len(c) == 3 and c.isdigit())
        rows.append(
            ZipInfo(
                z["zip_code"], z["city"], z["state"], float(z["lat"]), float(z["long"]), z["timezone"], codes
            )
        )
    rows.sort(key=lambda r: r.zip)
    return ZipTable(
        rows=tuple(rows),
        lat=np.array([r.lat for r in rows]),
        lon=np.array([r.lon for r in rows]),
        index={r.zip: i for i, r in enumerate(rows)},
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))
