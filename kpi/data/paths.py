"""Where things live, resolved in one place.

The data directory (the store) is `KHI_DATA_DIR` when set, else the bundled synthetic sample in `data/sample`.
The access folder (the roles table and the audit log, kpi.data.users and kpi.data.audit) is `KHI_ACCESS_DIR` when
set, else `<data dir>/access`, and never inside the bundled sample.
Reference data copied from ONS and NHS Digital sits in `data/reference` with its sources.
"""

from __future__ import annotations

import functools
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
        return _resolved(env)
    return BUNDLED_SAMPLE_DIR


@functools.lru_cache(maxsize=16)
def _resolved(path: str) -> Path:
    # Asked for hundreds of times a page view; resolving walks the path on disk each time.
    return Path(path).expanduser().resolve()


class AccessDirError(ValueError):
    """The access folder would be inside the bundled synthetic sample."""


def access_dir(explicit: str | os.PathLike | None = None, data: str | os.PathLike | None = None) -> Path:
    """Where the roles table and the audit log live: an explicit path, then KHI_ACCESS_DIR, then <data dir>/access.

    Never inside the bundled sample (`data/sample` is committed and made up: real people's rights and views do not
    belong there), as ingest never writes there either.
    """
    chosen = explicit or os.environ.get("KHI_ACCESS_DIR")
    root = Path(chosen).expanduser().resolve() if chosen else data_dir(data) / "access"
    sample = BUNDLED_SAMPLE_DIR.resolve()
    if root == sample or sample in root.parents:
        raise AccessDirError(
            f"{root} is inside the bundled synthetic sample; set KHI_ACCESS_DIR (or --access) to a folder for the "
            "roles table and the audit log, or point KHI_DATA_DIR (--data) at a real store"
        )
    return root
