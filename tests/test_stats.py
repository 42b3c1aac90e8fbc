"""kpi.metrics.stats: known values from OHID's PHEindicatormethods and the literature, error sentences, properties."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.metrics import stats

DATA = Path(__file__).parent / "data"
WILSON = pd.read_csv(DATA / "wilson_expected.csv")
FUNNEL = pd.read_csv(DATA / "funnel_expected.csv")
FUNNEL_INPUTS = pd.read_csv(DATA / "funnel_inputs.csv")
LITERATURE = pd.read_csv(DATA / "literature_expected.csv")


def _baseline(case: str) -> float:
    inputs = FUNNEL_INPUTS
    if case == "inputs_denominator_lt_31000":
        inputs = inputs[inputs["in_axis_variation_subset"] == "yes"]
    return inputs["numerator"].sum() / inputs["denominator"].sum()


# ---------------------------------------------------------------------------------------------- reference tables
def test_reference_tables_are_complete():
    assert len(WILSON) == 66
    assert len(FUNNEL) == 200
    assert len(FUNNEL_INPUTS) == 303
    assert (FUNNEL_INPUTS["in_axis_variation_subset"] == "yes").sum() == 97


@pytest.mark.parametrize("row", WILSON.to_dict("records"), ids=lambda r: f"case{r['case_id']}")
def test_wilson_matches_reference(row):
    """Every one of the 66 rows is used: NA input gives NaN limits; multiplier 100 rows compare after scaling."""
    lower, upper = stats.wilson_interval(row["numerator"], row["denominator"], row["confidence"])
    scale = row["multiplier"]
    if math.isnan(row["numerator"]) or math.isnan(row["denominator"]):
        assert math.isnan(row["lower"]) and math.isnan(row["upper"])  # the reference says NA out
        assert math.isnan(lower) and math.isnan(upper)
        return
    tolerance = 1e-7 if row["source_file"].startswith("statsmodels") else 1e-9
    assert lower * scale == pytest.approx(row["lower"], rel=0, abs=tolerance * scale)
    assert upper * scale == pytest.approx(row["upper"], rel=0, abs=tolerance * scale)
    assert row["numerator"] / row["denominator"] * scale == pytest.approx(row["value"], rel=1e-12)


def test_wilson_vectorised_equals_row_by_row():
    rows = WILSON
    lower, upper = stats.wilson_interval(rows["numerator"].to_numpy(), rows["denominator"].to_numpy(), 0.95)
    for i, (x, n) in enumerate(zip(rows["numerator"], rows["denominator"])):
        one = stats.wilson_interval(x, n, 0.95)
        np.testing.assert_equal((lower[i], upper[i]), one)


@pytest.mark.parametrize("case", sorted(FUNNEL["case"].unique()))
def test_funnel_baseline_matches_reference(case):
    expected = FUNNEL.loc[FUNNEL["case"] == case, "baseline"].unique()
    assert len(expected) == 1
    assert _baseline(case) * 100 == pytest.approx(expected[0], abs=1e-6)


@pytest.mark.parametrize(
    "row", FUNNEL.to_dict("records"), ids=lambda r: f"{r['case']}-n{r['population']:g}"
)
def test_funnel_limits_match_reference(row):
    baseline = _baseline(row["case"])
    lower95, upper95 = stats.funnel_limits(baseline, row["population"], 95)
    lower998, upper998 = stats.funnel_limits(baseline, row["population"], 99.8)
    got = np.array([lower95, upper95, lower998, upper998]) * row["multiplier"]
    expected = [row["lower_95"], row["upper_95"], row["lower_998"], row["upper_998"]]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("row", FUNNEL_INPUTS.to_dict("records"), ids=lambda r: r["area"])
def test_funnel_significance_matches_reference(row):
    label = stats.funnel_significance(row["numerator"], row["denominator"], _baseline("all_303_inputs"))
    assert label == row["expected_significance"]


def test_funnel_significance_vectorised_gives_all_303_labels_and_phe_counts():
    labels = stats.funnel_significance(
        FUNNEL_INPUTS["numerator"].to_numpy(), FUNNEL_INPUTS["denominator"].to_numpy(), _baseline("all_303_inputs")
    )
    assert list(labels) == list(FUNNEL_INPUTS["expected_significance"])
    counts = pd.Series(labels).value_counts().to_dict()
    assert counts == {"High (0.001)": 168, "High (0.025)": 10, "Low (0.001)": 92, "Low (0.025)": 1,
                      "Not significant": 32}


def test_funnel_position_agrees_with_significance_labels():
    x, n = FUNNEL_INPUTS["numerator"].to_numpy(), FUNNEL_INPUTS["denominator"].to_numpy()
    baseline = _baseline("all_303_inputs")
    labels = stats.funnel_significance(x, n, baseline)
    at_95 = stats.funnel_position(x, n, baseline, 0.95)
    at_998 = stats.funnel_position(x, n, baseline, 0.998)
    for label, p95, p998 in zip(labels, at_95, at_998):
        expected95 = {"High": "above", "Low": "below", "Not": "within"}[label.split()[0]]
        assert p95 == expected95
        assert p998 == (expected95 if label.endswith("(0.001)") else "within")


def test_funnel_limits_are_clipped_to_zero_and_one():
    lower, upper = stats.funnel_limits(0.9, 1, 0.998)
    assert (lower, upper) == (0.0, 1.0)


@pytest.mark.parametrize("row", LITERATURE.to_dict("records"), ids=lambda r: r["case"])
def test_difference_intervals_match_literature(row):
    function = getattr(stats, row["function"])
    value, lower, upper = function(row["a"], row["b"], row["c"], row["d"])
    tolerance = 0.5 * 10 ** -row["decimals"] + 1e-12
    assert value == pytest.approx(row["value"], abs=tolerance)
    assert lower == pytest.approx(row["lower"], abs=tolerance)
    assert upper == pytest.approx(row["upper"], abs=tolerance)


def test_chi_squared_trend_matches_r_prop_trend_test():
    # R: prop.trend.test(c(83, 90, 129, 70), c(86, 93, 136, 82)) -> X-squared = 8.2249, p-value = 0.004132
    statistic, p_value, slope = stats.chi_squared_trend([83, 90, 129, 70], [86, 93, 136, 82])
    assert statistic == pytest.approx(8.2249, abs=5e-5)
    assert p_value == pytest.approx(0.004132, abs=5e-7)
    assert slope < 0


def test_poisson_exact_matches_tables_and_byar_is_close():
    lower, upper = stats.poisson_interval([0, 5], 0.95, method="exact")
    np.testing.assert_allclose(lower, [0, 1.6235], atol=5e-5)
    np.testing.assert_allclose(upper, [3.6889, 11.6683], atol=5e-5)
    counts = np.array([10, 25, 100, 1000, 10000])
    byar = np.array(stats.poisson_interval(counts, 0.95))
    exact = np.array(stats.poisson_interval(counts, 0.95, method="exact"))
    np.testing.assert_allclose(byar, exact, rtol=2e-3)


def test_z_value_and_confidence_label():
    assert stats.z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert stats.z_value(95) == stats.z_value(0.95)
    assert stats.z_value(99.8) == pytest.approx(3.090232, abs=1e-6)
    assert stats.z_value(0.998) == stats.z_value(99.8)
    assert stats.confidence_label(0.95) == "95%"
    assert stats.confidence_label(99.8) == "99.8%"
    assert stats.confidence_label(0.998) == "99.8%"


def test_wilson_confidence_one_gives_whole_range():
    assert stats.wilson_interval(3, 10, 100) == (0.0, 1.0)
    lower, upper = stats.wilson_interval([3, np.nan], [10, 10], 1)
    np.testing.assert_equal(lower, [0.0, np.nan])
    np.testing.assert_equal(upper, [1.0, np.nan])


def test_every_method_key_is_described():
    for key, entry in stats.METHODS.items():
        assert set(entry) == {"name", "statistic", "reference"}, key
    assert stats.trend_test([1] * 5, [10] * 5).method in stats.METHODS


# ---------------------------------------------------------------------------------------------- benchmark, trend
@pytest.mark.parametrize(
    "direction, expected",
    [
        ("high_is_good", ["better", "similar", "worse", "similar", "not compared"]),
        ("low_is_good", ["worse", "similar", "better", "similar", "not compared"]),
        ("no_judgement", ["higher", "similar", "lower", "similar", "not compared"]),
    ],
)
def test_compare_to_benchmark_labels(direction, expected):
    lower = np.array([0.6, 0.4, 0.1, 0.5, np.nan])
    upper = np.array([0.8, 0.6, 0.3, 0.7, 0.6])
    got = stats.compare_to_benchmark(lower, upper, 0.5, direction)  # row 4 touches the benchmark: similar
    assert list(got) == expected
    assert stats.compare_to_benchmark(0.6, 0.8, 0.5, direction) == expected[0]
    assert stats.compare_to_benchmark(0.4, 0.6, float("nan"), direction) == "not compared"


def test_trend_needs_five_periods():
    result = stats.trend_test([10, 20, 30, 40], [100] * 4, "high_is_good")
    assert result.label == "cannot be calculated"
    assert result.periods == 4
    assert math.isnan(result.p_value)


@pytest.mark.parametrize(
    "direction, numerators, label, assessment",
    [
        ("high_is_good", [40, 45, 50, 55, 60], "increasing", "getting better"),
        ("low_is_good", [40, 45, 50, 55, 60], "increasing", "getting worse"),
        ("no_judgement", [40, 45, 50, 55, 60], "increasing", ""),
        ("high_is_good", [60, 55, 50, 45, 40], "decreasing", "getting worse"),
        ("low_is_good", [60, 55, 50, 45, 40], "decreasing", "getting better"),
        ("high_is_good", [50, 52, 49, 51, 50], "no significant change", ""),
    ],
)
def test_trend_labels_follow_direction(direction, numerators, label, assessment):
    result = stats.trend_test(numerators, [100] * 5, direction, confidence=0.95)
    assert (result.label, result.assessment) == (label, assessment)
    assert result.description == (f"{label} and {assessment}" if assessment else label)
    assert result.method == "chi_squared_trend"
    assert result.periods == 5


def test_trend_uses_the_latest_five_periods_at_998_by_default():
    # An early fall followed by five flat periods: only the flat part is tested.
    result = stats.trend_test([90, 80, 50, 50, 50, 50, 50], [100] * 7)
    assert result.periods == 5 and result.label == "no significant change"
    assert result.confidence == 0.998
    everything = stats.trend_test([90, 80, 50, 50, 50, 50, 50], [100] * 7, periods=None)
    assert everything.periods == 7 and everything.label == "decreasing"
    statistic, p_value, _ = stats.chi_squared_trend([500, 520, 540, 560, 580], [1000] * 5)
    boundary = stats.trend_test([500, 520, 540, 560, 580], [1000] * 5)
    assert boundary.statistic == statistic
    assert boundary.label == ("increasing" if p_value < 0.002 else "no significant change")


def test_trend_cannot_be_calculated_with_a_missing_period_or_no_variation():
    assert stats.trend_test([1, 2, np.nan, 4, 5], [10] * 5).label == "cannot be calculated"
    assert stats.trend_test([0] * 5, [10] * 5).label == "cannot be calculated"
    assert stats.trend_test([10] * 5, [10] * 5).as_dict()["label"] == "cannot be calculated"


# ---------------------------------------------------------------------------------------------- other intervals
def test_net_impact_coverage_by_simulation():
    """2000 multinomial draws at n = 50, p = (0.85, 0.05): the 95% interval covers 0.80 93-97% of the time."""
    rng = np.random.default_rng(20240601)
    draws = rng.multinomial(50, [0.85, 0.05, 0.10], size=2000)
    value, lower, upper = stats.net_impact_interval(draws[:, 0], draws[:, 1], 50)
    coverage = np.mean((lower <= 0.80) & (0.80 <= upper))
    assert 0.93 <= coverage <= 0.97
    assert np.all((lower <= value) & (value <= upper))


def test_net_impact_edge_cases():
    assert stats.net_impact_interval(50, 0, 50)[0] == 1.0
    value, lower, upper = stats.net_impact_interval(50, 0, 50)
    assert upper == 1.0 and 0 < lower < 1
    value, lower, upper = stats.net_impact_interval(0, 0, 20)
    assert value == 0 and -1 < lower < 0 < upper < 1
    value, lower, upper = stats.net_impact_interval(0, 30, 30)
    assert (value, lower) == (-1.0, -1.0)


def test_paired_difference_is_symmetric_in_time():
    d1, l1, u1 = stats.paired_difference_interval(20, 5, 12, 13)
    d2, l2, u2 = stats.paired_difference_interval(20, 12, 5, 13)
    assert d1 == pytest.approx(-d2) and l1 == pytest.approx(-u2) and u1 == pytest.approx(-l2)


def test_median_interval_from_histogram():
    # 40 people: ranks 20 and 21 are both 2 friends; r = floor(20 - 1.96*sqrt(40)/2) = 13, s = ceil(27.2) = 28.
    median, lower, upper = stats.median_interval([0, 1, 2, 3, 4, 5], [3, 10, 12, 8, 5, 2])
    assert (median, lower, upper) == (2.0, 1.0, 3.0)
    assert stats.median_interval([0, 1], [1, 1]) == (0.5, 0.0, 1.0)
    assert stats.median_interval([7], [1])[0] == 7.0


def test_mean_interval_matches_scipy():
    from scipy import stats as sps

    y = np.array([2.0, 4.0, 4.0, 5.0, 7.0, 9.0, 1.0])
    mean, lower, upper = stats.mean_interval(len(y), y.sum(), (y**2).sum(), 0.95)
    expected = sps.t.interval(0.95, len(y) - 1, loc=y.mean(), scale=sps.sem(y))
    assert mean == pytest.approx(y.mean())
    assert (lower, upper) == pytest.approx(expected, abs=1e-12)


# ---------------------------------------------------------------------------------------------- error sentences
@pytest.mark.parametrize(
    "call, sentence",
    [
        (lambda: stats.wilson_interval(-1, 10), "numerator must be greater than or equal to zero"),
        (lambda: stats.wilson_interval(1, 0), "denominator must be greater than zero"),
        (lambda: stats.wilson_interval([1, 1], [10, -5]), "denominator must be greater than zero"),
        (lambda: stats.wilson_interval(11, 10), "numerator must be less than or equal to denominator for a proportion"),
        (lambda: stats.wilson_interval(1, 10, 0.8), r"confidence must be in \[0\.9, 1\] or \[90, 100\]"),
        (lambda: stats.wilson_interval(1, 10, 101), r"confidence must be in \[0\.9, 1\] or \[90, 100\]"),
        (lambda: stats.wilson_interval(1, 10, 50), r"confidence must be in \[0\.9, 1\] or \[90, 100\]"),
        (lambda: stats.z_value(1), r"confidence must be in \[0\.9, 1\) or \[90, 100\)"),
        (lambda: stats.z_value(100), r"confidence must be in \[0\.9, 1\) or \[90, 100\)"),
        (lambda: stats.z_value(0.89), r"confidence must be in \[0\.9, 1\) or \[90, 100\)"),
        (lambda: stats.z_value("high"), "confidence must be a single number such as 0.95 or 95"),
        (lambda: stats.funnel_limits(1.2, 10, 0.95), "baseline must be a proportion between 0 and 1"),
        (lambda: stats.funnel_limits(0.5, 0, 0.95), "denominator must be greater than zero"),
        (lambda: stats.funnel_limits(0.5, 10, 0.5), r"confidence must be in \[0\.9, 1\)"),
        (lambda: stats.funnel_significance(11, 10, 0.5), "numerator must be less than or equal to denominator"),
        (lambda: stats.funnel_position(1, 10, 0.5, 80), r"confidence must be in \[0\.9, 1\)"),
        (lambda: stats.compare_to_benchmark(0.1, 0.2, 0.3, "up"),
         "direction must be one of high_is_good, low_is_good, no_judgement"),
        (lambda: stats.compare_to_benchmark(0.3, 0.2, 0.3, "no_judgement"), "lower must be less than or equal to upper"),
        (lambda: stats.trend_test([1] * 5, [10] * 5, "sideways"), "direction must be one of"),
        (lambda: stats.trend_test([1] * 5, [10] * 4), "numerators and denominators must be one-dimensional and of the same length"),
        (lambda: stats.trend_test([1] * 5, [10] * 5, periods=3), "periods must be a whole number of at least 5"),
        (lambda: stats.trend_test([11] * 5, [10] * 5), "numerator must be less than or equal to denominator"),
        (lambda: stats.chi_squared_trend([1], [2]), "a trend needs at least two periods"),
        (lambda: stats.chi_squared_trend([1, 2], [2, 3], scores=[1]), "scores must have one value per period"),
        (lambda: stats.chi_squared_trend([1, np.nan], [2, 3]), "numerators, denominators and scores must not be missing"),
        (lambda: stats.net_impact_interval(-1, 0, 10), "positive must be greater than or equal to zero"),
        (lambda: stats.net_impact_interval(1, -1, 10), "negative must be greater than or equal to zero"),
        (lambda: stats.net_impact_interval(0, 0, 0), "answered must be greater than zero"),
        (lambda: stats.net_impact_interval(6, 5, 10), "positive plus negative must be less than or equal to answered"),
        (lambda: stats.difference_interval(11, 10, 1, 10), "numerator must be less than or equal to denominator"),
        (lambda: stats.difference_interval(1, 10, 1, 0), "denominator must be greater than zero"),
        (lambda: stats.paired_difference_interval(1, -1, 1, 1), "paired counts must be greater than or equal to zero"),
        (lambda: stats.paired_difference_interval(0, 0, 0, 0), "paired counts must add up to more than zero"),
        (lambda: stats.median_interval([1, 2], [1]), "values and counts must be one-dimensional and of the same length"),
        (lambda: stats.median_interval([2, 1], [1, 1]), "values must be sorted in strictly increasing order"),
        (lambda: stats.median_interval([1, 2], [1, -1]), "counts must be greater than or equal to zero"),
        (lambda: stats.median_interval([1, 2], [0, 0]), "counts must add up to more than zero"),
        (lambda: stats.median_interval([1, np.nan], [1, 1]), "values and counts must not be missing"),
        (lambda: stats.mean_interval(1, 5, 25), "n must be at least 2 for a mean interval"),
        (lambda: stats.mean_interval(3, 30, 10), "total_sq is too small for total and n"),
        (lambda: stats.poisson_interval(-1), "count must be greater than or equal to zero"),
        (lambda: stats.poisson_interval(3, method="normal"), "method must be 'byar' or 'exact'"),
    ],
)
def test_invalid_input_raises_a_precise_sentence(call, sentence):
    with pytest.raises(ValueError, match=sentence):
        call()


# ---------------------------------------------------------------------------------------------- properties
CONFIDENCE = st.sampled_from([0.9, 0.95, 95, 0.99, 0.998, 99.8])


@st.composite
def counts(draw, max_n=10**6):
    n = draw(st.integers(1, max_n))
    x = draw(st.one_of(st.integers(0, n), st.floats(0, n, allow_nan=False)))
    return x, n


@given(counts(), CONFIDENCE)
def test_wilson_value_inside_interval_inside_unit_range(xn, confidence):
    x, n = xn
    lower, upper = stats.wilson_interval(x, n, confidence)
    assert 0 <= lower <= x / n <= upper <= 1


@given(counts(max_n=10**5), st.integers(2, 50), CONFIDENCE)
def test_wilson_narrows_as_n_grows(xn, k, confidence):
    x, n = xn
    small = stats.wilson_interval(x, n, confidence)
    large = stats.wilson_interval(x * k, n * k, confidence)
    assert large[1] - large[0] < small[1] - small[0]


@given(st.lists(counts(max_n=10**4), min_size=1, max_size=12), CONFIDENCE)
def test_pooled_counts_equal_the_sum_of_parts(parts, confidence):
    x = np.array([p[0] for p in parts], dtype=float)
    n = np.array([p[1] for p in parts], dtype=float)
    pooled = x.sum() / n.sum()
    # the denominator-weighted mean of the parts' proportions is the proportion of the pooled counts
    assert pooled == pytest.approx(np.sum(n * (x / n)) / n.sum(), rel=1e-12, abs=1e-15)
    lower, upper = stats.wilson_interval(x.sum(), n.sum(), confidence)
    assert lower <= pooled <= upper
    vector_lower, vector_upper = stats.wilson_interval(x, n, confidence)
    for i in range(len(x)):
        assert (vector_lower[i], vector_upper[i]) == stats.wilson_interval(x[i], n[i], confidence)


@st.composite
def trinomial(draw):
    n = draw(st.integers(1, 5000))
    positive = draw(st.integers(0, n))
    negative = draw(st.integers(0, n - positive))
    return positive, negative, n


@given(trinomial(), CONFIDENCE)
def test_net_impact_value_inside_interval_inside_range(counts_, confidence):
    value, lower, upper = stats.net_impact_interval(*counts_, confidence)
    assert -1 <= lower <= value <= upper <= 1


@given(trinomial(), st.integers(2, 20))
def test_net_impact_narrows_as_n_grows(counts_, k):
    _, lower, upper = stats.net_impact_interval(*counts_)
    _, big_lower, big_upper = stats.net_impact_interval(*(c * k for c in counts_))
    assert big_upper - big_lower < upper - lower


@given(counts(max_n=5000), counts(max_n=5000), CONFIDENCE)
def test_difference_value_inside_interval_inside_range(a, b, confidence):
    value, lower, upper = stats.difference_interval(a[0], a[1], b[0], b[1], confidence)
    assert -1 <= lower <= value <= upper <= 1
    assert value == pytest.approx(a[0] / a[1] - b[0] / b[1])


@given(st.lists(st.integers(0, 500), min_size=4, max_size=4).filter(lambda c: sum(c) > 0), CONFIDENCE)
def test_paired_difference_value_inside_interval_inside_range(cells, confidence):
    value, lower, upper = stats.paired_difference_interval(*cells, confidence)
    assert -1 <= lower <= value <= upper <= 1
    assert value == pytest.approx((cells[2] - cells[1]) / sum(cells))


@given(st.lists(st.integers(0, 60), min_size=1, max_size=12).filter(lambda c: sum(c) > 0), CONFIDENCE)
def test_median_inside_its_interval(histogram, confidence):
    values = np.arange(len(histogram), dtype=float)
    median, lower, upper = stats.median_interval(values, histogram, confidence)
    assert lower <= median <= upper
    expanded = np.repeat(values, histogram)
    assert median == np.median(expanded)


@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=40),
    CONFIDENCE,
)
def test_mean_inside_its_interval(values, confidence):
    y = np.array(values)
    mean, lower, upper = stats.mean_interval(len(y), y.sum(), (y**2).sum(), confidence)
    assert lower <= mean <= upper


@given(st.integers(0, 10**6), CONFIDENCE, st.sampled_from(["byar", "exact"]))
@settings(max_examples=50)
def test_poisson_count_inside_its_interval(count, confidence, method):
    lower, upper = stats.poisson_interval(count, confidence, method)
    assert 0 <= lower <= count <= upper
