"""Counts: Poisson intervals (Byar, exact), the difference and the ratio of two counts."""

from __future__ import annotations

import numpy as np
from scipy import stats as _sps

from kpi.metrics.stats._core import _arrays, _check, _normalise_confidence, _out, z_value
from kpi.metrics.stats.proportions import wilson_interval


def poisson_interval(count, confidence=0.95, method="byar"):
    """Interval for a Poisson count (divide by the population and × 100,000 for a rate per 100,000).

    ``method="byar"`` (default, PHEindicatormethods' ``byars_lower``/``byars_upper`` as used by ``phe_rate``)::

        lower = O·(1 − 1/(9O) − z/(3√O))³            (0 when O = 0)
        upper = (O + 1)·(1 − 1/(9(O + 1)) + z/(3√(O + 1)))³

    ``method="exact"``: lower = χ²(α/2; 2O)/2, upper = χ²(1 − α/2; 2O + 2)/2 (Garwood), better for small counts.
    Unit: counts.

    References: Breslow NE, Day NE (1987) Statistical Methods in Cancer Research II, p. 69; Garwood F (1936)
    Biometrika 28:437-442.

    Returns ``(lower, upper)``.
    """
    if method not in ("byar", "exact"):
        raise ValueError(f"method must be 'byar' or 'exact'; got {method!r}.")
    (o,), scalar = _arrays(count)
    with np.errstate(invalid="ignore"):
        _check(o < 0, "count must be greater than or equal to zero.")
    c = _normalise_confidence(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "exact":
            lower = np.where(o > 0, _sps.chi2.ppf((1 - c) / 2, 2 * o) / 2, 0.0)
            upper = _sps.chi2.ppf(1 - (1 - c) / 2, 2 * o + 2) / 2
        else:
            z = z_value(c)
            lower = np.where(o > 0, o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3, 0.0)
            upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
        lower = np.where(np.isnan(o), np.nan, np.maximum(lower, 0))
    return _out(lower, scalar), _out(upper, scalar)


def poisson_difference_interval(count1, count2, confidence=0.95):
    """Difference of two Poisson counts, count1 − count2, and its interval.

    Formula: d = O1 − O2, limits = d ∓ z·√(O1 + O2) (normal approximation; both counts are large for the areas
    it is used for, and smaller ones are suppressed). Unit: counts.

    Reference: Armitage, Berry & Matthews (2002) Statistical Methods in Medical Research, 4th ed., §5.2.

    Returns ``(difference, lower, upper)``.
    """
    (o1, o2), scalar = _arrays(count1, count2)
    with np.errstate(invalid="ignore"):
        _check((o1 < 0) | (o2 < 0), "counts must be greater than or equal to zero.")
    z = z_value(confidence)
    d = o1 - o2
    half = z * np.sqrt(o1 + o2)
    return _out(d, scalar), _out(d - half, scalar), _out(d + half, scalar)


def poisson_ratio_interval(count1, count2, confidence=0.95):
    """Ratio of two Poisson counts, count1 / count2, with the conditional binomial interval.

    Given O1 + O2, O1 is binomial with p = λ1 / (λ1 + λ2); the Wilson limits (pL, pU) for p = O1 / (O1 + O2)
    map to the ratio as p / (1 − p). Unit: a ratio (1 = no change; growth % = (ratio − 1) × 100).

    Reference: Armitage, Berry & Matthews (2002), §5.2; Wilson (1927).

    Returns ``(ratio, lower, upper)``; count2 must be at least 1.
    """
    (o1, o2), scalar = _arrays(count1, count2)
    with np.errstate(invalid="ignore"):
        _check(o1 < 0, "count1 must be greater than or equal to zero.")
        _check(o2 < 1, "count2 must be at least 1 for a ratio.")
    p_lo, p_hi = wilson_interval(o1, o1 + o2, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = o1 / o2
        lower = np.asarray(p_lo) / (1 - np.asarray(p_lo))
        upper = np.where(np.asarray(p_hi) >= 1, np.inf, np.asarray(p_hi) / (1 - np.asarray(p_hi)))
    return _out(ratio, scalar), _out(lower, scalar), _out(upper, scalar)

