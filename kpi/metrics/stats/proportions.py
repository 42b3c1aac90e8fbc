"""Proportions: Wilson score intervals, funnel plot limits and the comparison with a benchmark."""

from __future__ import annotations

import numpy as np

from kpi.metrics.stats._core import (
    _arrays, _check, _check_direction, _check_proportion_counts, _labels_out, _normalise_confidence, _out, z_value,
)


def _wilson(x, n, z):
    """Wilson limits on arrays that have already been validated (PHE's algebraic form)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        root = z * np.sqrt(z**2 + 4 * x * (1 - p))
        lower = (2 * x + z**2 - root) / (2 * (n + z**2))
        upper = (2 * x + z**2 + root) / (2 * (n + z**2))
        # Rounding can leave x = 0 or x = n a hair outside [0, 1] or p a hair outside its own interval.
        lower = np.clip(np.fmin(lower, p), 0, 1)
        upper = np.clip(np.fmax(upper, p), 0, 1)
    return p, lower, upper


def wilson_interval(numerator, denominator, confidence=0.95):
    """Wilson score interval for a proportion, without continuity correction (OHID's method).

    Formula (x = numerator, n = denominator, z = Φ⁻¹(1 − α/2))::

        lower, upper = (2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²))

    Unit: proportions in [0, 1] (multiply by 100 for percentages). Non-integer numerators are allowed
    (weighted counts), as in PHEindicatormethods. A missing numerator or denominator gives missing limits.

    ``confidence`` is 0.95 or 95 etc., in [0.9, 1] or [90, 100]. Exactly 1 (or 100) is accepted and returns
    the whole range (0, 1), as PHEindicatormethods' ``wilson_lower``/``wilson_upper`` do (their tests assert it):
    a 100 % interval for a proportion is [0, 1].

    Reference: Wilson EB (1927) JASA 22:209-212; Newcombe RG (1998) Stat Med 17:857-872 (method 3);
    PHEindicatormethods ``phe_proportion``.

    Returns ``(lower, upper)``.
    """
    (x, n), scalar = _arrays(numerator, denominator)
    c = _normalise_confidence(confidence, allow_one=True)
    _check_proportion_counts(x, n)
    if c == 1:
        missing = np.isnan(x) | np.isnan(n)
        lower = np.where(missing, np.nan, 0.0)
        upper = np.where(missing, np.nan, 1.0)
        return _out(lower, scalar), _out(upper, scalar)
    _, lower, upper = _wilson(x, n, z_value(c))
    return _out(lower, scalar), _out(upper, scalar)


def funnel_limits(baseline, denominator, confidence):
    """Funnel plot control limits for a proportion at a given denominator (OHID's method for proportions).

    Formula: limits = p̄ ± z·√(p̄(1 − p̄)/n), clipped to [0, 1], where p̄ is the baseline (usually the pooled
    proportion Σx/Σn) and n the denominator. These are the observed proportions whose score test against p̄
    would just reach significance at the given confidence.

    Unit: proportions in [0, 1]. ``confidence`` as for :func:`z_value` (PHE plots 95 % and 99.8 %).

    Reference: Spiegelhalter DJ (2005) Funnel plots for comparing institutional performance, Stat Med
    24:1185-1202; PHEindicatormethods ``calculate_funnel_limits(statistic = "proportion")``.

    Returns ``(lower, upper)``.
    """
    (p, n), scalar = _arrays(baseline, denominator)
    z = z_value(confidence)
    with np.errstate(invalid="ignore"):
        _check((p < 0) | (p > 1), "baseline must be a proportion between 0 and 1.")
        _check(n <= 0, "denominator must be greater than zero.")
        half = z * np.sqrt(p * (1 - p) / n)
    return _out(np.clip(p - half, 0, 1), scalar), _out(np.clip(p + half, 0, 1), scalar)


def funnel_significance(numerator, denominator, baseline):
    """Where each area sits on a proportion funnel plot, labelled exactly as PHEindicatormethods does.

    The area's proportion x/n is compared with the funnel limits at its own denominator, in PHE's order:
    below the 99.8 % limit → "Low (0.001)", below 95 % → "Low (0.025)", above 99.8 % → "High (0.001)",
    above 95 % → "High (0.025)", otherwise "Not significant". Missing input gives a missing label (None).

    Reference: PHEindicatormethods ``assign_funnel_significance``.
    """
    (x, n, p), scalar = _arrays(numerator, denominator, baseline)
    _check_proportion_counts(x, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = x / n
        lo3, hi3 = funnel_limits(p, n, 0.998)
        lo2, hi2 = funnel_limits(p, n, 0.95)
        labels = np.select(
            [ratio < lo3, ratio < lo2, ratio > hi3, ratio > hi2],
            ["Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)"],
            "Not significant",
        ).astype(object)
    labels[np.isnan(ratio) | np.isnan(p)] = None
    return _labels_out(labels, scalar)


def funnel_position(numerator, denominator, baseline, confidence):
    """Plain-English funnel position for our UI: "above", "within" or "below" the limits at ``confidence``.

    Same rule as :func:`funnel_significance` at one level: above when x/n is greater than the upper limit,
    below when less than the lower limit. Missing input gives None.
    """
    (x, n, p), scalar = _arrays(numerator, denominator, baseline)
    _check_proportion_counts(x, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = x / n
        lower, upper = funnel_limits(p, n, confidence)
        labels = np.select([ratio > upper, ratio < lower], ["above", "below"], "within").astype(object)
    labels[np.isnan(ratio) | np.isnan(p)] = None
    return _labels_out(labels, scalar)


def compare_to_benchmark(lower, upper, benchmark, direction):
    """Fingertips' comparison of an area with a benchmark (e.g. England, the sector): does its interval exclude it?

    The area is higher when benchmark < lower, lower when benchmark > upper, otherwise similar (an interval
    touching the benchmark counts as similar). Labels by ``direction``:

    - "high_is_good": "better" / "similar" / "worse";
    - "low_is_good": "worse" (higher) / "similar" / "better" (lower);
    - "no_judgement": "higher" / "similar" / "lower".

    "not compared" where any input is missing. The caller passes the interval at the level it compares at
    (Fingertips uses 95 % and 99.8 %).

    Reference: OHID Fingertips public health technical guidance, "Confidence intervals" / benchmarking.
    """
    _check_direction(direction)
    (lo, hi, b), scalar = _arrays(lower, upper, benchmark)
    with np.errstate(invalid="ignore"):
        _check(lo > hi, "lower must be less than or equal to upper.")
        higher, lower_ = b < lo, b > hi
    words = {
        "high_is_good": ("better", "worse"),
        "low_is_good": ("worse", "better"),
        "no_judgement": ("higher", "lower"),
    }[direction]
    labels = np.select([higher, lower_], list(words), "similar").astype(object)
    labels[np.isnan(lo) | np.isnan(hi) | np.isnan(b)] = "not compared"
    return _labels_out(labels, scalar)

