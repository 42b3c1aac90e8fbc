"""Where things live, resolved in one place.

The data directory (the store) is `KHI_DATA_DIR` when set, else the bundled synthetic sample in `data/sample`.
Reference data copied from ONS and NHS Digital sits in `data/reference` with its sources.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REFERENCE_DIR = REPO / "data" / "reference"
BUNDLED_SAMPLE_DIR = REPO / "data" / "sample"

POPULATION_CSV = REFERENCE_DIR / "population.csv"
REGIONS_GEOJSON = REFERENCE_DIR / "uk_regions_nations.geojson"
ASCOF_CSV = REFERENCE_DIR / "ascof_1i_social_contact.csv"


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The store to read: an explicit path (a --data flag) wins, then KHI_DATA_DIR, then the bundled sample."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("KHI_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return BUNDLED_SAMPLE_DIR
