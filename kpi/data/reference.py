"""Reference data bundled in data/reference (sources and licences in data/reference/SOURCES.md).

ASCOF social contact is external context only: a different survey, question and population from the outcomes
tool, weighted, so its figures are shown beside ours, never compared with them statistically.
"""

from __future__ import annotations

import functools
import json
import math

import pandas as pd

from kpi.data import paths, schema
from kpi.i18n import N_

ASCOF_MEASURE = "1I1"  # adults who use services: "as much social contact as they would like"
ASCOF_CAVEAT = N_(
    "This is a different survey (the Adult Social Care Survey, England) with a different question and different "
    "people. It gives context; it cannot be compared directly with the outcomes tool."
)
ASCOF_SOURCE = N_("NHS Digital, Measures from the Adult Social Care Outcomes Framework (ASCOF 1I1), OGL v3.0")
ONS_SOURCE = N_("Office for National Statistics, licensed under the Open Government Licence v3.0")


@functools.lru_cache(maxsize=1)
def ascof_social_contact() -> pd.DataFrame:
    """ASCOF 1I1 (users with as much social contact as they would like), England and regions, all people.

    Columns: financial_year, area_code, area_name, geo_level, outcome_pct. Only rows where a value was published.
    """
    raw = pd.read_csv(paths.ASCOF_CSV, dtype={"outcome_pct": "string"})
    rows = raw[(raw["measure_code"] == ASCOF_MEASURE) & (raw["disaggregation"] == "Total")
               & raw["geo_level"].isin(["Region", "England"])]
    rows = rows.assign(outcome_pct=pd.to_numeric(rows["outcome_pct"], errors="coerce")).dropna(subset=["outcome_pct"])
    rows = rows.rename(columns={"ons_code": "area_code"})
    # Names vary between years ("Eastern", "the Humber"): take them from the code.
    rows["area_name"] = rows["area_code"].map({**schema.AREAS, "E92000001": "England"})
    out = rows[
        ["financial_year", "area_code", "area_name", "geo_level", "outcome_pct"]]
    return out.sort_values(["financial_year", "area_code"]).reset_index(drop=True)


MAP_PRECISION = 2  # decimal places of longitude/latitude: about 1 km, finer than a UK-wide map can show
MAP_TOLERANCE = 0.01  # degrees (about 1 km): a bend smaller than this is not drawn (Douglas-Peucker)


@functools.lru_cache(maxsize=1)
def regions_geojson() -> dict:
    """ONS boundaries of the nine English regions and three nations (feature id: properties.areacd), for maps.

    Pre-simplified once per process, because every view of a map copies and sends its geometry (plotly copies the
    figure, Streamlit sends it as JSON, the browser draws it): bends under MAP_TOLERANCE are dropped
    (Douglas-Peucker), then coordinates are rounded to MAP_PRECISION decimal places and repeated points dropped,
    4 times fewer points than before (24,700 to 6,100). Neighbours simplify their shared border separately, so slivers under
    a kilometre may open between them, which a UK-wide map cannot show; islands smaller than the rounding
    disappear, as they would at this scale anyway.
    """
    with open(paths.REGIONS_GEOJSON, encoding="utf-8") as fh:
        geo = json.load(fh)
    for feature in geo["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        kept = []
        for polygon in polygons:
            rings = [_round_ring(_simplify(r)) for r in polygon]
            if rings[0] is not None:  # an outer ring that rounds away takes its holes with it
                kept.append([r for r in rings if r is not None])
        geometry["type"], geometry["coordinates"] = "MultiPolygon", kept
    return geo


def _simplify(ring: list, tolerance: float = MAP_TOLERANCE) -> list:
    """Douglas-Peucker: keep the points that bend the line by more than `tolerance` (iterative, no recursion)."""
    if len(ring) < 5:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = ring[first], ring[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        worst, at = 0.0, None
        for i in range(first + 1, last):
            x, y = ring[i]
            # distance to the chord (to the end point when a closed ring's chord has no length)
            d = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / length if length else math.hypot(x - x1, y - y1)
            if d > worst:
                worst, at = d, i
        if at is not None and worst > tolerance:
            keep[at] = True
            stack += [(first, at), (at, last)]
    return [p for p, k in zip(ring, keep) if k]


def _round_ring(ring: list) -> list | None:
    out: list = []
    for x, y in ring:
        point = [round(x, MAP_PRECISION), round(y, MAP_PRECISION)]
        if not out or out[-1] != point:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None  # fewer than 4 points is no longer a ring


def regions_geojson_for(codes) -> dict:
    """The boundaries of just these areas: each map trace carries only the shapes it draws."""
    wanted = set(codes)
    geo = regions_geojson()
    return {"type": geo["type"], "features": [f for f in geo["features"] if f["properties"]["areacd"] in wanted]}
