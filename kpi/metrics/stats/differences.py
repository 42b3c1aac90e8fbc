"""Differences of proportions: net impact (one multinomial sample), independent and paired (Newcombe)."""

from __future__ import annotations

import numpy as np

from kpi.metrics.stats._core import _arrays, _check, _check_proportion_counts, _out, z_value
from kpi.metrics.stats.proportions import _wilson


def _square_and_add(p1, l1, u1, p2, l2, u2, phi):
    """Newcombe's method 10 limits for p1 − p2 given Wilson limits and the correlation phi of p1 and p2."""
    d = p1 - p2
    a, b = p1 - l1, u2 - p2
    e, f = u1 - p1, p2 - l2
    with np.errstate(invalid="ignore"):
        lower = d - np.sqrt(np.maximum(a**2 - 2 * phi * a * b + b**2, 0))
        upper = d + np.sqrt(np.maximum(e**2 - 2 * phi * e * f + f**2, 0))
    return d, np.clip(lower, -1, 1), np.clip(upper, -1, 1)


def net_impact_interval(positive, negative, answered, confidence=0.95):
    """Net impact: the share positive minus the share negative among those who answered, with its interval.

    Both shares come from one multinomial sample (positive / none / negative), so they are negatively
    correlated: Cov(p̂1, p̂2) = −p1·p2/n, i.e. phi = −√(p1 p2 / ((1 − p1)(1 − p2))) (0 when either is 0).
    Newcombe's hybrid score (square-and-add) interval combines the Wilson limits (l_i, u_i) of each share::

        D = p1 − p2
        lower = D − √((p1 − l1)² − 2φ(p1 − l1)(u2 − p2) + (u2 − p2)²)
        upper = D + √((u1 − p1)² − 2φ(u1 − p1)(p2 − l2) + (p2 − l2)²)

    Unit: difference of proportions in [−1, 1] (× 100 for percentage points).

    Reference: Newcombe RG (1998) Improved confidence intervals for the difference between binomial
    proportions based on paired data, Stat Med 17:2635-2650 (method 10), with the multinomial correlation
    in place of the paired-table phi; coverage checked by simulation in ``tests/test_stats.py``.

    Returns ``(value, lower, upper)``.
    """
    (pos, neg, n), scalar = _arrays(positive, negative, answered)
    z = z_value(confidence)
    with np.errstate(invalid="ignore"):
        _check(pos < 0, "positive must be greater than or equal to zero.")
        _check(neg < 0, "negative must be greater than or equal to zero.")
        _check(n <= 0, "answered must be greater than zero.")
        _check(pos + neg > n, "positive plus negative must be less than or equal to answered.")
    p1, l1, u1 = _wilson(pos, n, z)
    p2, l2, u2 = _wilson(neg, n, z)
    with np.errstate(invalid="ignore", divide="ignore"):
        both = p1 * p2
        phi = np.where(both > 0, -np.sqrt(both / ((1 - p1) * (1 - p2))), 0.0)
    d, lower, upper = _square_and_add(p1, l1, u1, p2, l2, u2, phi)
    return _out(d, scalar), _out(lower, scalar), _out(upper, scalar)


def difference_interval(x1, n1, x2, n2, confidence=0.95):
    """Difference of two independent proportions, p1 − p2 (e.g. this year minus last year), with its interval.

    Newcombe's hybrid score interval (method 10) from the Wilson limits of each proportion::

        lower = D − √((p1 − l1)² + (u2 − p2)²),   upper = D + √((u1 − p1)² + (p2 − l2)²)

    A change is statistically significant when the interval excludes 0.
    Unit: difference of proportions in [−1, 1].

    Reference: Newcombe RG (1998) Interval estimation for the difference between independent proportions:
    comparison of eleven methods, Stat Med 17:873-890 (method 10).

    Returns ``(diff, lower, upper)``.
    """
    (a, m, b, k), scalar = _arrays(x1, n1, x2, n2)
    z = z_value(confidence)
    _check_proportion_counts(a, m)
    _check_proportion_counts(b, k)
    p1, l1, u1 = _wilson(a, m, z)
    p2, l2, u2 = _wilson(b, k, z)
    d, lower, upper = _square_and_add(p1, l1, u1, p2, l2, u2, 0.0)
    return _out(d, scalar), _out(lower, scalar), _out(upper, scalar)


def paired_difference_interval(both, first_only, latest_only, neither, confidence=0.95):
    """Change in a proportion for the same people between their first and latest answers, with its interval.

    From the paired table (a = yes both times, b = yes first only, c = yes latest only, d = neither,
    n = a + b + c + d): p_first = (a + b)/n, p_latest = (a + c)/n, diff = p_latest − p_first = (c − b)/n.
    Newcombe's method 10 square-and-add of the two Wilson intervals with the correlation
    φ = C/√((a+b)(c+d)(a+c)(b+d)), where C = ad − bc − n/2 if ad − bc > n/2, 0 if 0 ≤ ad − bc ≤ n/2,
    ad − bc if negative (φ = 0 when any margin is 0).

    Unit: difference of proportions in [−1, 1].

    Reference: Newcombe RG (1998) Improved confidence intervals for the difference between binomial
    proportions based on paired data, Stat Med 17:2635-2650 (method 10); Fagerland MW, Lydersen S,
    Laake P (2017) Statistical Analysis of Contingency Tables, ch. 8.

    Returns ``(diff, lower, upper)``.
    """
    (a, b, c, d), scalar = _arrays(both, first_only, latest_only, neither)
    z = z_value(confidence)
    with np.errstate(invalid="ignore"):
        _check((a < 0) | (b < 0) | (c < 0) | (d < 0), "paired counts must be greater than or equal to zero.")
        n = a + b + c + d
        _check(n <= 0, "paired counts must add up to more than zero.")
    p_first, l_first, u_first = _wilson(a + b, n, z)
    p_latest, l_latest, u_latest = _wilson(a + c, n, z)
    with np.errstate(invalid="ignore", divide="ignore"):
        margins = (a + b) * (c + d) * (a + c) * (b + d)
        cross = a * d - b * c
        corrected = np.where(cross > n / 2, cross - n / 2, np.where(cross < 0, cross, 0.0))
        phi = np.where(margins > 0, corrected / np.sqrt(margins), 0.0)
    diff, lower, upper = _square_and_add(p_latest, l_latest, u_latest, p_first, l_first, u_first, phi)
    return _out(diff, scalar), _out(lower, scalar), _out(upper, scalar)

