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


def test_shown_counts_are_multiples_of_the_rounding_base():
    out = disclosure.apply(_table([11, 23, 37, 52]))
    shown = out[~out["suppressed"]]
    assert len(shown) == 4
    assert (shown["denominator"] % disclosure.ROUND_TO == 0).all() and shown["denominator"].tolist() == [10, 25, 35, 50]


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


@pytest.mark.parametrize(
    "count, expected",
    [(0, 0), (1, 0), (2, 0), (2.5, 5), (3, 5), (7, 5), (7.5, 10), (12.5, 15), (13, 15), (102, 100), (1234, 1235)],
)
def test_round_public_to_nearest_five_halves_up(count, expected):
    assert disclosure.round_public(count) == expected


def test_round_public_keeps_nan_and_shape():
    np.testing.assert_equal(disclosure.round_public([12, np.nan, 18]), [10, np.nan, 20])
    series = pd.Series([12, None, 18], name="numerator", dtype="float")
    rounded = disclosure.round_public(series)
    assert isinstance(rounded, pd.Series) and rounded.name == "numerator"
    assert rounded.isna().tolist() == [False, True, False]


# ---------------------------------------------------------------------------------------------- suppression
def test_primary_suppression_hides_value_interval_and_counts():
    table = _table([9, 10, 50], benchmark_gap=[0.1, 0.2, 0.3], comparison=["better", "similar", "worse"])
    out = disclosure.apply(table, value_columns=(*VALUES, "benchmark_gap", "comparison"))
    assert out["suppressed"].tolist() == [True, False, False]
    assert out["suppression"].tolist() == ["primary", "", ""]
    hidden = out.loc[0, [*COUNTS, *VALUES, "benchmark_gap", "comparison"]]
    assert hidden.isna().all()
    assert out.loc[1, "denominator"] == 10 and out.loc[1, "value"] == 0.5
    assert out.loc[2, "numerator"] == 25  # 50 // 2, already a multiple of 5


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


def test_public_counts_are_rounded_to_five():
    out = disclosure.apply(_table([12, 33, 47]))
    assert out["denominator"].tolist() == [10, 35, 45]
    assert out["numerator"].tolist() == [5, 15, 25]  # 6, 16, 23


def test_secondary_suppression_hides_the_next_smallest_sibling():
    table = _table([5, 40, 12, 30])
    out = disclosure.apply(table, siblings=["metric", "group"])
    assert out["suppression"].tolist() == ["primary", "", "secondary", ""]
    assert out.loc[2, [*COUNTS, *VALUES]].isna().all()


def test_secondary_suppression_only_when_exactly_one_is_hidden():
    out = disclosure.apply(_table([5, 6, 40, 30]), siblings=["metric", "group"])
    assert out["suppression"].tolist() == ["primary", "primary", "", ""]


def test_secondary_suppression_works_within_each_sibling_set():
    table = _table([5, 40, 12, 50, 60, 70], groups=["a", "a", "a", "b", "b", "b"])
    out = disclosure.apply(table, siblings=["metric", "group"])
    assert out["suppression"].tolist() == ["primary", "", "secondary", "", "", ""]


def test_without_siblings_there_is_no_secondary_suppression():
    out = disclosure.apply(_table([5, 40, 12]))
    assert out["suppression"].tolist() == ["primary", "", ""]


def test_two_published_totals_are_both_protected():
    # region x year with both margins published: hiding one cell cascades until no row or column has one hidden.
    table = pd.DataFrame(
        {
            "region": ["a", "a", "b", "b"],
            "year": [2023, 2024, 2023, 2024],
            "numerator": [2, 20, 30, 40],
            "denominator": [4, 60, 70, 80],
            "value": [0.5, 0.33, 0.43, 0.5],
        }
    )
    out = disclosure.apply(table, siblings=[["region"], ["year"]])
    assert out["suppressed"].all()
    for column in ("region", "year"):
        assert (out.groupby(column)["suppressed"].sum() != 1).all()


def test_bad_arguments_raise_precise_sentences():
    with pytest.raises(ValueError, match="the table has no denominator column 'n'"):
        disclosure.apply(_table([5]), denominator="n")
    with pytest.raises(ValueError, match="sibling columns not in the table: 'area'"):
        disclosure.apply(_table([5]), siblings=["metric", "area"])
    with pytest.raises(ValueError, match="siblings must be a list of column names, or a list of such lists"):
        disclosure.apply(_table([5]), siblings=["metric", ["group"]])


# ---------------------------------------------------------------------------------------------- properties
@st.composite
def grouped_tables(draw):
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.one_of(st.integers(0, 60), st.just(np.nan))),
            min_size=1,
            max_size=30,
        )
    )
    groups = [g for g, _ in rows]
    denominators = [d for _, d in rows]
    table = pd.DataFrame(
        {
            "group": groups,
            "numerator": [np.nan if pd.isna(d) else d // 3 for d in denominators],
            "denominator": denominators,
            "value": 0.4,
            "lower": 0.2,
            "upper": 0.6,
            "benchmark_gap": 0.1,
        }
    )
    threshold = draw(st.integers(1, 30))
    return table, threshold


@given(grouped_tables())
@settings(max_examples=200)
def test_no_row_below_threshold_shows_anything(case):
    table, threshold = case
    out = disclosure.apply(
        table, siblings=["group"], threshold=threshold, value_columns=(*VALUES, "benchmark_gap")
    )
    small = ~(table["denominator"] >= threshold)
    shown = out.loc[small, [*COUNTS, *VALUES, "benchmark_gap"]]
    assert shown.isna().all().all()
    assert out.loc[small, "suppressed"].all()
    assert (out.loc[small, "suppression"] == "primary").all()
    # every visible count is a multiple of 5 and never reveals a hidden row
    visible = out.loc[~out["suppressed"], list(COUNTS)].stack()
    assert (visible % 5 == 0).all()
    assert out.loc[out["suppressed"], [*COUNTS, *VALUES]].isna().all().all()


@given(grouped_tables())
@settings(max_examples=200)
def test_no_sibling_set_has_exactly_one_hidden_row(case):
    table, threshold = case
    out = disclosure.apply(table, siblings=["group"], threshold=threshold)
    for _, rows in out.groupby("group"):
        if len(rows) >= 2:  # a set of one is its own total: the publisher of that total must hide it
            assert rows["suppressed"].sum() != 1
    # secondary suppression is only ever added where a set had exactly one primary
    for _, rows in out.groupby("group"):
        if (rows["suppression"] == "secondary").any():
            assert (rows["suppression"] == "primary").sum() == 1
            assert (rows["suppression"] == "secondary").sum() == 1
