"""ui.cache: the kpi results shared by a process's sessions and, through a folder, by the stack's workers."""

from __future__ import annotations

import os
import shutil
import stat
import threading
import time

import pandas as pd
import pytest

from kpi.data import store
from kpi.data.queries import Filters
from kpi.metrics.scope import Scope
from ui import cache


@pytest.fixture
def calls(monkeypatch):
    monkeypatch.delenv(cache.ENV_FOLDER, raising=False)
    made = []

    @cache.shared(max_entries=3)
    def table(metric, filters, scope, root, version, _con, lang="en"):
        made.append((metric, filters, scope, lang))
        if metric == "broken":
            raise ValueError("no such KHI")
        return pd.DataFrame({"metric_id": [metric], "value": [len(made) * 1.0], "scope": [scope.role]})

    return table, made


def test_a_hit_is_the_same_result_and_a_callers_change_never_reaches_the_cache(calls):
    table, made = calls
    first = table("a", Filters(), Scope.public(), "/s", 1, object())
    first["value"] = -1.0  # a page changing its copy
    first.loc[0, "metric_id"] = "changed"
    again = table("a", Filters(), Scope.public(), "/s", 1, object())  # another connection object: not in the key
    assert len(made) == 1
    assert again.to_dict("records") == [{"metric_id": "a", "value": 1.0, "scope": "public"}]


def test_scope_filters_store_version_and_language_are_all_in_the_key(calls):
    table, made = calls
    base = ("a", Filters(), Scope.public(), "/s", 1, None)
    table(*base)
    table("a", Filters(), Scope.analyst(), "/s", 1, None)
    table("a", Filters(areas=("E12000002",)), Scope.public(), "/s", 1, None)
    table("a", Filters(), Scope.public(), "/s", 2, None)
    table(*base, lang="cy")
    assert len(made) == 5
    assert table("a", Filters(), Scope.analyst(), "/s", 1, None)["scope"].iloc[0] == "analyst"


def test_bounded_and_exceptions_are_not_cached(calls):
    table, made = calls
    for m in "abcd":
        table(m, Filters(), Scope.public(), "/s", 1, None)
    table("a", Filters(), Scope.public(), "/s", 1, None)  # the oldest went when a fourth came
    assert len(made) == 5 and len(table.cache.entries) == 3
    for _ in range(2):
        with pytest.raises(ValueError):
            table("broken", Filters(), Scope.public(), "/s", 1, None)
    assert [m[0] for m in made].count("broken") == 2


def test_the_process_keeps_at_most_its_memory_limit_least_recently_used_first(calls, monkeypatch):
    table, made = calls

    @cache.shared(max_entries=100)
    def big(n, _con=None):
        return pd.DataFrame({"x": range(n * 1000)})  # 8 KB per n

    cache.clear()
    monkeypatch.setenv(cache.ENV_MEMORY, str(20 / 1024))  # 20 KB
    big(1), big(1), big(2)  # 8 KB and 16 KB: over 20 KB, so the least recently used (n=1) went
    assert list(big.cache.entries) == [(2,)]
    assert 16_000 <= cache._total < 17_000  # the table (and its index)
    big(3)  # 24 KB alone is over the limit: the newest is kept, never nothing
    assert list(big.cache.entries) == [(3,)]
    cache.clear()
    assert cache._total == 0 and not big.cache.entries


def test_sessions_asking_at_once_wait_for_one_computation(monkeypatch):
    monkeypatch.delenv(cache.ENV_FOLDER, raising=False)
    made = []

    @cache.shared(max_entries=4)
    def slow(x, _con=None):
        made.append(x)
        time.sleep(0.3)
        return pd.DataFrame({"x": [x]})

    out = []
    threads = [threading.Thread(target=lambda: out.append(slow(1))) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert made == [1] and len(out) == 5 and all(o["x"].tolist() == [1] for o in out)


def test_detached_copies_containers_and_named_tuples():
    from collections import namedtuple

    Pair = namedtuple("Pair", "table note")
    frame = pd.DataFrame({"v": [1, 2]})
    value = {"a": [frame], "b": Pair(frame, "n")}
    out = cache.detached(value)
    out["a"][0]["v"] = 0
    out["b"].table.loc[0, "v"] = 9
    assert isinstance(out["b"], Pair) and out["b"].note == "n"
    assert frame["v"].tolist() == [1, 2]


def _new_store(root, secret):
    store.swap(root, store.Manifest(synthetic=True, key_secret=secret))  # version 1
    return root


def test_workers_share_results_through_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_FOLDER, str(tmp_path / "shared"))
    root = _new_store(tmp_path / "s", "first")
    made = []

    @cache.shared(max_entries=8)
    def table(metric, scope, root, version, _con=None):
        made.append(metric)
        return pd.DataFrame({"metric_id": [metric], "value": [0.5]})

    first = table("a", Scope.public(), str(root), 1)
    cache.clear()  # another worker: nothing in its memory, the same folder
    before = cache.stats["disk_hits"]
    second = table("a", Scope.public(), str(root), 1)
    assert made == ["a"] and cache.stats["disk_hits"] == before + 1
    pd.testing.assert_frame_equal(first, second)
    files = list((tmp_path / "shared").glob("*.pickle"))
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "shared").stat().st_mode) == 0o700
    assert not list((tmp_path / "shared").glob(".*.tmp"))  # written whole, then renamed

    # Another scope is another file; a store made again in the same folder (version 1 again, another secret) too.
    table("a", Scope.analyst(), str(root), 1)
    shutil.rmtree(root)
    _new_store(root, "second")
    cache._store_identity.cache_clear()
    cache.clear()
    table("a", Scope.public(), str(root), 1)
    assert made == ["a", "a", "a"] and len(list((tmp_path / "shared").glob("*.pickle"))) == 3


def _one_shared_file(tmp_path, monkeypatch):
    """A cached function with the shared folder set, called once: (the function, its calls, the file it wrote)."""
    monkeypatch.setenv(cache.ENV_FOLDER, str(tmp_path / "shared"))
    made = []

    @cache.shared(max_entries=8)
    def table(metric, _con=None):
        made.append(metric)
        return pd.DataFrame({"metric_id": [metric]})

    table("a")
    (path,) = (tmp_path / "shared").glob("*.pickle")
    return table, made, path


def test_a_damaged_file_is_computed_again(tmp_path, monkeypatch):
    table, made, path = _one_shared_file(tmp_path, monkeypatch)
    path.write_bytes(path.read_bytes()[:10])  # half a file
    cache.clear()
    assert table("a")["metric_id"].tolist() == ["a"] and made == ["a", "a"]


def test_a_file_others_could_have_written_is_never_unpickled(tmp_path, monkeypatch):
    table, made, path = _one_shared_file(tmp_path, monkeypatch)
    path.chmod(0o666)  # anyone may write it: what it holds is not to be trusted
    cache.clear()
    table("a")
    assert made == ["a", "a"]


def test_prune_keeps_the_folder_under_its_limit_oldest_first(tmp_path):
    for i in range(5):
        p = tmp_path / f"{i}.pickle"
        p.write_bytes(b"x" * 400_000)
        os.utime(p, (1_000 + i, 1_000 + i))
    assert cache.prune(tmp_path, limit_mb=1.0) == 3
    assert sorted(p.name for p in tmp_path.glob("*.pickle")) == ["3.pickle", "4.pickle"]
