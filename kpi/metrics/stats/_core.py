"""Shared by every statistic: method descriptions, directions, confidence levels, array helpers, checks."""

from __future__ import annotations

import functools

import numpy as np
from scipy import stats as _sps

METHODS: dict[str, dict[str, str]] = {
    "wilson": {
        "name": "Wilson score interval (no continuity correction)",
        "statistic": "proportion",
        "reference": "Wilson EB (1927) JASA 22:209-212; as PHEindicatormethods::phe_proportion (OHID)",
    },
    "funnel_proportion": {
        "name": "Funnel plot control limits for proportions (inverted score test at the baseline)",
        "statistic": "proportion",
        "reference": "Spiegelhalter DJ (2005) Stat Med 24:1185-1202; "
        "as PHEindicatormethods::calculate_funnel_limits(statistic = 'proportion')",
    },
    "benchmark_interval": {
        "name": "Comparison with benchmark: confidence interval excludes the benchmark value",
        "statistic": "comparison",
        "reference": "OHID Fingertips, 'Comparing an area's value with a benchmark' (public health technical guidance)",
    },
    "chi_squared_trend": {
        "name": "Chi-squared test for linear trend in proportions (Cochran-Armitage), latest 5 periods",
        "statistic": "trend",
        "reference": "Armitage P (1955) Biometrics 11:375-386; Altman DG (1991) Practical Statistics for Medical "
        "Research, 10.7.4; OHID Fingertips trend markers (recent trend)",
    },
    "newcombe_multinomial": {
        "name": "Newcombe hybrid score interval for a difference of two proportions from one multinomial sample",
        "statistic": "difference of proportions (percentage points)",
        "reference": "Newcombe RG (1998) Stat Med 17:2635-2650, method 10, with the multinomial correlation "
        "phi = -sqrt(p1 p2 / ((1-p1)(1-p2)))",
    },
    "newcombe_independent": {
        "name": "Newcombe hybrid score interval for the difference of two independent proportions",
        "statistic": "difference of proportions (percentage points)",
        "reference": "Newcombe RG (1998) Stat Med 17:873-890, method 10",
    },
    "newcombe_paired": {
        "name": "Newcombe hybrid score interval for the difference of two paired proportions",
        "statistic": "difference of proportions (percentage points)",
        "reference": "Newcombe RG (1998) Stat Med 17:2635-2650, method 10",
    },
    "median_order_statistics": {
        "name": "Distribution-free interval for a median from binomial order statistics",
        "statistic": "median",
        "reference": "Campbell MJ, Gardner MJ, in Altman DG et al. (2000) Statistics with Confidence, 2nd ed., ch. 5",
    },
    "mean_t": {
        "name": "Student's t interval for a mean",
        "statistic": "mean",
        "reference": "Student (1908) Biometrika 6:1-25; as PHEindicatormethods::phe_mean",
    },
    "poisson_byar": {
        "name": "Byar's approximation to the exact Poisson interval",
        "statistic": "count",
        "reference": "Breslow NE, Day NE (1987) Statistical Methods in Cancer Research II, p. 69; "
        "as PHEindicatormethods byars_lower / byars_upper",
    },
    "poisson_difference": {
        "name": "Normal approximation for the difference of two Poisson counts",
        "statistic": "change in count",
        "reference": "Armitage P, Berry G, Matthews JNS (2002) Statistical Methods in Medical Research, 4th ed., 5.2",
    },
    "poisson_ratio": {
        "name": "Conditional binomial (Wilson) interval for the ratio of two Poisson counts",
        "statistic": "ratio of counts",
        "reference": "Armitage P, Berry G, Matthews JNS (2002) Statistical Methods in Medical Research, 5.2; "
        "Wilson EB (1927)",
    },
    "share_of_growth": {
        "name": "Share of the sum of increases (arithmetic on complete counts; no interval)",
        "statistic": "share",
        "reference": "Definition in docs/metrics.md",
    },
    "poisson_exact": {
        "name": "Exact Poisson interval (Garwood, via the chi-squared distribution)",
        "statistic": "count",
        "reference": "Garwood F (1936) Biometrika 28:437-442",
    },
}


DIRECTIONS = ("high_is_good", "low_is_good", "no_judgement")


def _normalise_confidence(confidence, *, allow_one: bool = False) -> float:
    """Return the confidence as a proportion, accepting 0.95 or 95; raise the one sentence otherwise."""
    try:
        c = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(f"confidence must be a single number such as 0.95 or 95; got {confidence!r}.") from None
    if 0.9 <= c < 1 or (allow_one and c == 1):
        return c
    if 90 <= c < 100 or (allow_one and c == 100):
        return c / 100
    upper = "1] or [90, 100]" if allow_one else "1) or [90, 100)"
    raise ValueError(f"confidence must be in [0.9, {upper}, e.g. 0.95 or 95; got {confidence!r}.")


def z_value(confidence) -> float:
    """Two-sided standard normal quantile for a confidence level.

    Formula: z = Φ⁻¹(1 − α/2) with α = 1 − confidence; 1.959964 for 95 %, 3.090232 for 99.8 %.
    Unit: standard deviations. ``confidence`` is accepted as a proportion in [0.9, 1) or a percentage in
    [90, 100) (PHEindicatormethods' convention).
    """
    return _z_of(_normalise_confidence(confidence))


@functools.lru_cache(maxsize=16)
def _z_of(c: float) -> float:
    # Kept per level: the quantile lookup cost more than a whole interval, and a page asks for the same two levels.
    return float(_sps.norm.ppf(1 - (1 - c) / 2))


def confidence_label(confidence) -> str:
    """The confidence level as people read it: 0.95 → "95%", 99.8 → "99.8%"."""
    c = _normalise_confidence(confidence, allow_one=True)
    return f"{round(c * 100, 6):g}%"


def _arrays(*values):
    """Float arrays broadcast together, and whether every input was a scalar."""
    scalar = all(np.ndim(v) == 0 for v in values)
    arrays = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in values])
    return [np.array(a, dtype=float) for a in arrays], scalar


def _out(array, scalar: bool):
    """Return a Python scalar for scalar input, else the array."""
    if scalar:
        return np.asarray(array).item()
    return array


def _labels_out(array, scalar: bool):
    array = np.asarray(array, dtype=object)
    return array.item() if scalar else array


def _check(condition, sentence: str) -> None:
    """Raise ``sentence`` if any non-missing element fails ``condition`` (NaN comparisons count as passing)."""
    if np.any(condition):
        raise ValueError(sentence)


def _check_proportion_counts(numerator, denominator) -> None:
    with np.errstate(invalid="ignore"):
        _check(numerator < 0, "numerator must be greater than or equal to zero.")
        _check(denominator <= 0, "denominator must be greater than zero.")
        _check(numerator > denominator, "numerator must be less than or equal to denominator for a proportion.")


def _check_direction(direction) -> str:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}.")
    return direction

