"""Store versions (kpi.data.store, kpi.data.versions): readers never fail while ingests commit, every committed
manifest is kept and readable by version, superseded files outlive the grace period and then go, the published
version's files stay, and the rule that makes a synthetic store published.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kpi.data import ingest, paths, queries, store, versions
from kpi.metrics import api, registry
from tests.scopes import EXACT
from tests.test_submissions import cube_responses, real_store, responses, small_sample  # noqa: F401 (a fixture)

COMMITS = 30
PAUSE = 0.02  # between a reader's reads: three readers must not starve the writer of the 2 cores


def derived_files(root: Path, version: int | None = None) -> set[str]:
    m = store.read_manifest(root, version)
    return {p for name in queries.DERIVED for p in m.tables[name]}


def later(seconds: float = 0) -> float:
    """A clock `seconds` past the grace period from now."""
    return time.time() + store.GRACE_SECONDS + seconds + 5


def quick_build(root, manifest) -> None:
    """derive.build's file handling without its SQL: every commit writes the aggregates under fresh names and lists
    only those. Readers trip over exactly that (a commit's new aggregate files replacing the previous ones), and the
    real SQL would cost a second a commit on a shared machine."""
    for name in queries.DERIVED:
        rel = f"derived/{store.new_file_name(name)}"
        store.write_parquet(root, rel, pq.read_table(Path(root) / manifest.tables[name][0]))
        manifest.tables[name] = [rel]


# ---------------------------------------------------------------------------------------------------------------
# Readers during commits (issue 12: `kpi table` crashed on "No files found ... derived/cube-....parquet").
@pytest.mark.slow
def test_readers_never_fail_while_ingests_commit_back_to_back(tmp_path, small_sample, monkeypatch):  # noqa: F811
    monkeypatch.setattr("kpi.data.derive.build", quick_build)
    root = tmp_path / "store"
    store.copy_store(small_sample, root)
    scheme = store.read_table(root, "schemes").column("scheme_id")[0].as_py()
    files = [responses(tmp_path / f"r{i}.csv", [f"LOOP{i}"], scheme) for i in range(COMMITS)]  # one new person each
    people = store.read_manifest(root).facts["people"]
    metric = next(k.id for k in registry.REGISTRY if k.table == "cube")
    done = threading.Event()
    failures: list[str] = []
    reads: Counter = Counter()
    seen_versions: set[int] = set()

    def guarded(name, read):
        def loop():
            while not done.is_set():
                try:
                    read()
                    reads[name] += 1
                except Exception as exc:  # any failed read is the bug
                    failures.append(f"{name}: {type(exc).__name__}: {exc}")
                time.sleep(PAUSE)
        return threading.Thread(target=loop, name=name)

    def live():  # what `kpi table` does: open the live version, query it
        con = queries.connect(root)
        try:
            queries.cube_counts(con.cursor(), ["responses"], (), queries.Filters())
        finally:
            con.close()

    def pinned():  # what api.connect does: read the manifest, open that version's files a little later
        m = store.read_manifest(root)
        time.sleep(0.05)
        con = queries.connect(root, manifest=m)
        try:
            queries.cube_counts(con.cursor(), ["responses"], (), queries.Filters())
            assert queries.raw_facts(con)["people"] == people + m.version - 1, "read another version"
            seen_versions.add(m.version)
        finally:
            con.close()

    def through_api():  # the metrics layer, with its connection cached per manifest version
        api.khi_table(metric, (), data_dir=root, scope=EXACT)

    readers = [guarded("live", live), guarded("pinned", pinned), guarded("api", through_api)]
    for r in readers:
        r.start()
    try:
        for path in files:
            assert ingest.ingest([path], data_dir=root).committed
            time.sleep(PAUSE)
    finally:
        done.set()
        for r in readers:
            r.join(60)
    assert failures == [], f"{len(failures)} failed reads, first: {failures[0]}"
    assert store.read_manifest(root).version == COMMITS + 1
    assert min(reads.values()) >= 5, reads  # every reader really read during the commits
    assert len(seen_versions) >= 5, seen_versions  # and across many versions


# ---------------------------------------------------------------------------------------------------------------
# History and clean-up.
def test_every_committed_version_is_kept_and_can_be_read_again(tmp_path):
    root = real_store(tmp_path)
    ingest.ingest([responses(tmp_path / "r.csv", ["R3"])], data_dir=root)
    assert (root / store.HISTORY / "v000001.json").is_file() and (root / store.HISTORY / "v000002.json").is_file()
    assert store.read_manifest(root, 2) == store.read_manifest(root)
    assert cube_responses(root, version=1) == 2 and cube_responses(root, version=2) == 3
    with pytest.raises(store.StoreError, match="no version 3"):
        store.read_manifest(root, 3)
    assert [(v.version, v.change, v.live, v.readable) for v in versions.versions(root)] == [
        (1, "submission S0001", False, True), (2, "submission S0002", True, True)]


def test_superseded_files_outlive_the_grace_period_then_go(tmp_path):
    root = real_store(tmp_path)
    first = derived_files(root)
    ingest.ingest([responses(tmp_path / "r3.csv", ["R3"])], data_dir=root)
    ingest.ingest([responses(tmp_path / "r4.csv", ["R4"])], data_dir=root)
    # Versions 1 and 2 were live moments ago: a reader may still be opening their files.
    assert all((root / p).is_file() for p in first)
    assert cube_responses(root, version=1) == 2
    with store.locked(root):
        removed = store.clean(root, now=later())
    assert first <= set(removed) and not any((root / p).exists() for p in first)
    assert all((root / p).is_file() for p in store.live_files(store.read_manifest(root)))
    assert [v.readable for v in versions.versions(root)] == [False, False, True]
    assert cube_responses(root) == 4
    with pytest.raises(store.StoreError, match="cleaned up"):
        versions.publish(root, 1, "dana")


def test_a_grace_of_zero_removes_superseded_files_at_the_commit(tmp_path):
    root = real_store(tmp_path)
    first = derived_files(root)
    m = store.read_manifest(root)
    with store.locked(root):
        from kpi.data import derive
        derive.commit(root, m, grace=0)
    assert not any((root / p).exists() for p in first)


def test_orphans_of_killed_writes_go_once_older_than_the_grace_period(tmp_path):
    root = real_store(tmp_path)
    young = root / "responses" / "fy=2023" / "part-killed.parquet"
    young.write_bytes(b"half a file")
    tmp = root / "derived" / ".tmp-cube.parquet"
    tmp.write_bytes(b"half")
    with store.locked(root):
        store.clean(root)
    # A fresh unlisted file may be a write in progress outside the lock: it stays; a .tmp- one never becomes live.
    assert young.exists() and not tmp.exists()
    with store.locked(root):
        assert store.clean(root, now=later()) == ["responses/fy=2023/part-killed.parquet"]


def test_the_published_version_keeps_its_files_until_another_is_published(tmp_path):
    root = real_store(tmp_path)
    assert store.published_version(root) is None  # real rows, nothing published yet
    assert versions.publish(root, who="dana", note="first release") == 1
    v1 = derived_files(root, 1)
    ingest.ingest([responses(tmp_path / "r3.csv", ["R3"])], data_dir=root)
    ingest.ingest([responses(tmp_path / "r4.csv", ["R4"])], data_dir=root)
    v2 = derived_files(root, 2)
    with store.locked(root):
        store.clean(root, now=later())
    assert all((root / p).is_file() for p in v1) and not any((root / p).exists() for p in v2)
    assert store.published_version(root) == 1 and cube_responses(root, version=1) == 2
    assert [(v.version, v.published, v.readable) for v in versions.versions(root)] == [
        (1, True, True), (2, False, False), (3, False, True)]
    assert versions.publish(root, 3, "dana") == 3
    assert [(p["version"], p["by"], p["note"]) for p in versions.publications(root)] == [
        (1, "dana", "first release"), (3, "dana", "")]
    with store.locked(root):
        store.clean(root, now=later())
    assert not any((root / p).exists() for p in v1)  # no longer published: its files go like any other


def test_publishing_needs_a_committed_version(tmp_path):
    root = real_store(tmp_path)
    with pytest.raises(store.StoreError, match="no version 5"):
        versions.publish(root, 5, "dana")
    assert versions.publications(root) == []


def test_a_sample_store_is_published_at_creation_and_stays_so_after_an_ingest(tmp_path, small_sample):  # noqa: F811
    assert store.published_version(small_sample) == 1
    assert [(v.version, v.published, v.synthetic) for v in versions.versions(small_sample)] == [(1, True, True)]
    root = tmp_path / "s"
    store.copy_store(small_sample, root)
    scheme = store.read_table(root, "schemes").column("scheme_id")[0].as_py()
    ingest.ingest([responses(tmp_path / "r.csv", ["X1"], scheme)], data_dir=root)
    assert store.published_version(root) == 1  # the public still sees the sample until the new version is published


def test_a_synthetic_store_without_a_publication_record_counts_as_published(tmp_path, small_sample):  # noqa: F811
    root = tmp_path / "s"
    store.copy_store(small_sample, root)
    (root / "submissions.jsonl").unlink()  # as the bundled sample, written before publications were recorded
    assert store.published_version(root) == 1
    scheme = store.read_table(root, "schemes").column("scheme_id")[0].as_py()
    ingest.ingest([responses(tmp_path / "r.csv", ["X1"], scheme)], data_dir=root)
    assert store.published_version(root) is None  # real rows now, and nothing published


def test_the_bundled_sample_is_published_and_unchanged():
    assert store.published_version(paths.BUNDLED_SAMPLE_DIR) == 1
    [v] = versions.versions(paths.BUNDLED_SAMPLE_DIR)
    assert v.published and v.live and v.readable and v.synthetic
    # As `kpi sample` writes it: its one version in the history, published at creation, and nothing submitted since.
    assert [p.name for p in (paths.BUNDLED_SAMPLE_DIR / store.HISTORY).iterdir()] == ["v000001.json"]
    events = [json.loads(line) for line in (paths.BUNDLED_SAMPLE_DIR / "submissions.jsonl").read_text().splitlines()]
    assert [(e["event"], e["version"], e["by"]) for e in events] == [("publication", 1, "kpi sample")]


def test_a_store_written_before_the_history_joins_it_at_its_next_commit(tmp_path, small_sample):  # noqa: F811
    root = tmp_path / "s"
    store.copy_store(small_sample, root)
    for p in (root / store.HISTORY).iterdir():
        p.unlink()  # as a store written by the previous release
    assert [v.version for v in versions.versions(root)] == [1]
    scheme = store.read_table(root, "schemes").column("scheme_id")[0].as_py()
    ingest.ingest([responses(tmp_path / "r.csv", ["X1"], scheme)], data_dir=root)
    assert [v.version for v in versions.versions(root)] == [1, 2]


def test_an_old_manifest_without_the_new_fields_reads_fine(tmp_path, small_sample):  # noqa: F811
    root = tmp_path / "s"
    store.copy_store(small_sample, root)
    written = json.loads((root / store.MANIFEST).read_text())
    for field in ("change", "submissions"):  # as a manifest written before submissions were recorded
        del written[field]
    (root / store.MANIFEST).write_text(json.dumps(written))
    m = store.read_manifest(root)
    assert m.change == "" and m.submissions == {} and m.format == store.FORMAT
