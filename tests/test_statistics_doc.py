"""docs/statistics.md against the methods the code declares (as tests/test_registry.py does for docs/metrics.md)."""

from __future__ import annotations

import re
from pathlib import Path

from kpi.metrics import registry, stats

DOC = (Path(__file__).resolve().parent.parent / "docs" / "statistics.md").read_text(encoding="utf-8")


def _table_rows() -> dict[str, tuple[str, str]]:
    rows = re.findall(r"^\| `(\w+)` \| (.+?) \| (.+?) \|$", DOC, flags=re.M)
    return {key: (name, kinds) for key, name, kinds in rows}


def test_every_declared_method_has_a_section():
    headed = set(re.findall(r"^### .*?`(\w+)`(?: / `(\w+)`)?", DOC, flags=re.M))
    keys = {k for pair in headed for k in pair if k}
    assert set(stats.METHODS) <= keys, f"undocumented methods: {sorted(set(stats.METHODS) - keys)}"
    assert keys <= set(stats.METHODS), f"documented but not declared: {sorted(keys - set(stats.METHODS))}"


def test_key_table_gives_each_method_its_name_as_tables_print_it():
    rows = _table_rows()
    assert list(rows) == list(stats.METHODS)
    for key, (name, _) in rows.items():
        assert name == stats.METHODS[key]["name"], key


def test_key_table_names_the_kinds_that_use_each_method():
    rows = _table_rows()
    for key, (_, kinds) in rows.items():
        declared = {k.name for k in registry.KINDS.values() if k.method == key}
        assert set(re.findall(r"`(\w+)`", kinds)) == declared, key


def test_every_kind_uses_a_documented_method():
    rows = _table_rows()
    for kind in registry.KINDS.values():
        assert kind.method in rows and rows[kind.method][0] == registry.method_name(kind.name)
