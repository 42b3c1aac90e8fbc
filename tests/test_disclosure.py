"""kpi.metrics.disclosure: primary and secondary suppression, rounding to 5, the threshold setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.metrics import disclosure

REPO = Path(__file__).resolve().parent.parent
VALUES = ("value", "lower", "upper")
COUNTS = ("numerator", "denominator")


def _table(denominators, groups=None, **extra):
    denominators = list(denominators)
    n = len(denominators)
    table = pd.DataFrame(
        {
            "metric": ["m"] * n,
            "group": groups if groups is not None else ["g"] * n,
            "region": [f"r{i}" for i in range(n)],
            "numerator": [d // 2 for d in denominators],
            "denominator": denominators,
            "value": [0.5] * n,
            "lower": [0.3] * n,
            "upper": [0.7] * n,
        }
    )
    for name, column in extra.items():
        table[name] = column
    return table


# ---------------------------------------------------------------------------------------------- settings, rounding
def test_default_threshold_hides_nine_answers_and_shows_ten():
    if "KHI_MIN_N" in os.environ:
        pytest.skip("KHI_MIN_N is set: the default threshold is not in force")
    out = disclosure.apply(_table([9, 10, 50]))  # no total published: no secondary suppression
    assert out["suppressed"].tolist()[:2] == [True, False]
    assert out.loc[0, list(VALUES)].isna().all() and out.loc[1, "value"] == 0.5


def _import_with(value: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KHI_MIN_N": value}
    code = "from kpi.metrics import disclosure; print(disclosure.MIN_DENOMINATOR)"
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)


def test_threshold_can_be_overridden_by_environment():
    result = _import_with("25")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "25"


@pytest.mark.parametrize("value", ["ten", "0", "-3", "2.5"])
def test_invalid_threshold_in_environment_says_so(value):
    result = _import_with(value)
    assert result.returncode != 0
    assert "KHI_MIN_N must be a whole number of at least 1" in result.stderr


# ---------------------------------------------------------------------------------------------- suppression
def test_primary_suppression_hides_value_interval_and_counts():
    table = _table([9, 10, 50], benchmark_gap=[0.1, 0.2, 0.3], comparison=["better", "similar", "worse"])
    out = disclosure.apply(table, value_columns=(*VALUES, "benchmark_gap", "comparison"))
    assert out["suppressed"].tolist() == [True, False, False]
    assert out["suppression"].tolist() == ["primary", "", ""]
    hidden = out.loc[0, [*COUNTS, *VALUES, "benchmark_gap", "comparison"]]
    assert hidden.isna().all()
    assert out.loc[1, "denominator"] == 10 and out.loc[1, "value"] == 0.5
    assert out.loc[2, "numerator"] == 25  # shown counts are left as given: they are the published ones already


def test_apply_returns_a_copy():
    table = _table([3, 40])
    disclosure.apply(table)
    assert table.loc[0, "value"] == 0.5 and "suppressed" not in table


def test_threshold_argument_overrides_the_setting():
    out = disclosure.apply(_table([15, 30]), threshold=20)
    assert out["suppressed"].tolist() == [True, False]


def test_missing_denominator_is_suppressed():
    out = disclosure.apply(_table([np.nan, 30]))
    assert out["suppressed"].tolist() == [True, False]


def test_bad_arguments_raise_precise_sentences():
    with pytest.raises(ValueError, match="the table has no denominator column 'n'"):
        disclosure.apply(_table([5]), denominator="n")


# ---------------------------------------------------------------------------------------------- properties
@st.composite
def tables(draw):
    denominators = draw(st.lists(st.one_of(st.integers(0, 60), st.just(np.nan)), min_size=1, max_size=30))
    table = pd.DataFrame({
        "numerator": [np.nan if pd.isna(d) else d // 3 for d in denominators],
        "denominator": denominators, "value": 0.4, "lower": 0.2, "upper": 0.6, "benchmark_gap": 0.1,
    })
    return table, draw(st.integers(1, 30))


@given(tables())
@settings(max_examples=200)
def test_no_row_below_threshold_shows_anything_and_every_other_row_is_untouched(case):
    table, threshold = case
    out = disclosure.apply(table, threshold=threshold, value_columns=(*VALUES, "benchmark_gap"))
    small = ~(table["denominator"] >= threshold)
    assert out.loc[small, [*COUNTS, *VALUES, "benchmark_gap"]].isna().all().all()
    assert out.loc[small, "suppressed"].all() and (out.loc[small, "suppression"] == "primary").all()
    pd.testing.assert_frame_equal(out.loc[~small, table.columns], table.loc[~small], check_dtype=False)
