"""The sample a fresh clone shows is committed, synthetic, labelled so, and exactly what the generator makes."""

from __future__ import annotations

import pyarrow.compute as pc

from kpi.metrics import api
from kpi.metrics.scope import Scope
from kpi.data import paths, sample, store


def test_bundled_sample_is_synthetic_and_labelled():
    m = store.require_store(paths.BUNDLED_SAMPLE_DIR)
    assert m.synthetic is True
    assert "Synthetic sample data" in m.note and "not real people" in m.note
    assert m.rows["responses"] == 60_000


def test_bundled_sample_is_reproducible_from_its_seed(tmp_path):
    """Regenerate with the documented command's arguments and compare every raw table row for row."""
    fresh = tmp_path / "fresh"
    sample.generate(fresh, responses=60_000, seed=1)
    for table, key in (("schemes", "scheme_id"), ("people_supported", None), ("responses", "response_id")):
        ours = store.read_table(paths.BUNDLED_SAMPLE_DIR, table)
        theirs = store.read_table(fresh, table)
        if key:
            ours, theirs = (t.take(pc.sort_indices(t, [(key, "ascending")])) for t in (ours, theirs))
        else:
            order = [("scheme_id", "ascending"), ("year", "ascending"), ("arrangement", "ascending")]
            ours, theirs = (t.take(pc.sort_indices(t, order)) for t in (ours, theirs))
        assert ours.equals(theirs), table


def test_default_data_dir_is_the_bundled_sample(monkeypatch):
    monkeypatch.delenv("KHI_DATA_DIR", raising=False)
    assert paths.data_dir() == paths.BUNDLED_SAMPLE_DIR
    info = api.coverage(scope=Scope.analyst())
    assert info["synthetic"] and info["responses"] == 60_000
