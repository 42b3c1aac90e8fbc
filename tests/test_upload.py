"""The Send data page's rules (ui.upload); the whole flow runs in the browser (tests/browser/test_upload.py)."""

from __future__ import annotations

import pytest

from kpi.data import store
from kpi.metrics.scope import Scope
from ui import upload


@pytest.mark.parametrize("given, kept", [
    ("export.csv", "export.csv"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\me\\Desktop\\Returns 2024.xlsx", "Returns 2024.xlsx"),
    (".hidden.csv", "hidden.csv"),
    ("=HYPERLINK(x).csv", "_HYPERLINK_x_.csv"),
    ("", "upload"),
    ("a" * 300 + ".csv", "a" * 120),
])
def test_file_names_are_cut_to_their_last_part_and_plain_characters(given, kept):
    assert upload.safe_name(given) == kept


def test_each_role_may_send_data_for_its_own_schemes_only(sample_env):
    schemes = store.read_table(sample_env, "schemes").to_pandas()
    north_west = set(schemes.loc[schemes["area_code"] == "E12000002", "scheme_id"])
    assert upload.allowed_schemes(Scope.admin()) is None
    assert upload.allowed_schemes(Scope.scheme_manager("SL001")) == {"SL001"}
    assert upload.allowed_schemes(Scope.hub("E12000002")) == north_west and north_west
    assert {"public", "ambassador", "analyst"}.isdisjoint(upload.UPLOAD_ROLES)
