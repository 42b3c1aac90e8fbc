"""Aggregates rebuilt at every store commit, so pages never scan raw responses.

- cube: answer counts per scheme x financial year x arrangement x age band x need (every KHI's numerator and
  denominator is a sum of its columns);
- friends_hist: how many people gave each friends count, per the same cells (medians need the distribution);
- change: first-to-latest answers of people who answered twice or more, per the cell of their latest answer.

The SQL is in kpi.data.queries; this module only decides file names and records them in the manifest being committed.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from kpi.data import queries, store


def build(root: str | Path, manifest: store.Manifest) -> None:
    """Write fresh aggregate files for `manifest` (not yet live) and list them in it."""
    root = Path(root)
    if not manifest.tables.get("responses"):
        for name in queries.DERIVED:
            manifest.tables.pop(name, None)
        manifest.facts = {}
        return
    (root / "derived").mkdir(parents=True, exist_ok=True)
    if not manifest.key_secret:  # the store's first commit: its record keys are fixed from now on
        manifest.key_secret = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="khi-derive-") as spill:
        con = queries.raw_connection(root, manifest, spill_dir=spill)  # large stores spill: memory stays bounded
        try:
            for name in queries.DERIVED:
                rel = f"derived/{store.new_file_name(name)}"
                tmp = root / "derived" / f".tmp-{Path(rel).name}"
                rows = queries.build_derived(con, name, tmp)
                store.fsync_and_rename(tmp, root / rel)
                manifest.tables[name] = [rel]
                manifest.rows[name] = rows
            manifest.facts = queries.raw_facts(con)
        finally:
            con.close()


def commit(root: str | Path, manifest: store.Manifest, *, grace: float | None = None) -> store.Manifest:
    """Derive, then swap: build `manifest`'s aggregates, then make it live. Call with the store lock held.

    `grace`: how long the files the previous versions no longer share are kept (store.GRACE_SECONDS by default).
    """
    build(root, manifest)
    return store.swap(root, manifest, grace=grace)
