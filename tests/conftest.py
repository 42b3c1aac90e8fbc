"""Shared fixtures: stores built under pytest's temporary folders, never the bundled sample in place."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import settings

# No per-example time limit: speed is measured by the benchmark, not by unit tests, and Hypothesis's default 200 ms
# deadline failed a correct test on the shared 2-core machine under load.
settings.register_profile("khi", deadline=None)
settings.load_profile("khi")

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# Small enough to build in a few seconds on 2 cores, large enough that regions clear the suppression threshold.
FIXTURE_RESPONSES = 20_000
FIXTURE_SEED = 3


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """A synthetic store made by the project's own generator (read-only: copy it before writing)."""
    from kpi.data import sample

    root = tmp_path_factory.mktemp("sample-store") / "store"
    sample.generate(root, responses=FIXTURE_RESPONSES, seed=FIXTURE_SEED)
    return root


@pytest.fixture(scope="module")
def cur(sample_store):
    """A cursor on the fixture store (kpi.data.queries.connect), one per test module."""
    from kpi.data import queries

    con = queries.connect(sample_store)
    c = con.cursor()
    yield c
    c.close()
    con.close()


@pytest.fixture()
def sample_env(sample_store, monkeypatch) -> Path:
    """Point KHI_DATA_DIR at the fixture store for code that resolves the data directory itself (the app)."""
    monkeypatch.setenv("KHI_DATA_DIR", str(sample_store))
    return sample_store


@pytest.fixture
def root(base_store, tmp_path) -> Path:
    """A writable copy of the module's `base_store` (the ingest test modules each define theirs)."""
    from kpi.data import store

    dst = tmp_path / "store"
    store.copy_store(base_store, dst)
    return dst


@pytest.fixture()
def real_store(sample_store, tmp_path, monkeypatch) -> Path:
    """A copy of the fixture store marked real (not synthetic), with its own access folder, for the app."""
    import json
    import shutil

    from kpi.data import store

    root = tmp_path / "real"
    shutil.copytree(sample_store, root)
    manifest = json.loads((root / store.MANIFEST).read_text())
    manifest.update(synthetic=False, note="Real data")
    (root / store.MANIFEST).write_text(json.dumps(manifest))
    monkeypatch.setenv("KHI_DATA_DIR", str(root))
    monkeypatch.setenv("KHI_ACCESS_DIR", str(tmp_path / "access"))
    return root
