"""Statistics behind every KHI figure: intervals, funnel limits, benchmark comparison and trend.

Every function is pure (no I/O, no Streamlit) and numpy-vectorised: scalars or arrays go in, the same shape
comes out (labels come back as ``str`` for scalar input and as an object array otherwise). Proportions are on the
0-1 scale; callers multiply by 100 for percentages *after* the interval is computed (as PHEindicatormethods does).

Missing input (NaN) gives missing output; invalid input raises ``ValueError`` with one precise sentence.
Each output's "method" column names a key of :data:`METHODS`, which gives the human name and the reference.

The methods follow OHID's PHEindicatormethods (the R package behind Fingertips) wherever it has one, so our
figures can be set beside Fingertips figures; tests in ``tests/test_stats.py`` replay its published test tables.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as _sps

__all__ = [
    "METHODS",
    "DIRECTIONS",
    "FUNNEL_LABELS",
    "TrendResult",
    "z_value",
    "confidence_label",
    "wilson_interval",
    "funnel_limits",
    "funnel_significance",
    "funnel_position",
    "compare_to_benchmark",
    "chi_squared_trend",
    "trend_test",
    "net_impact_interval",
    "difference_interval",
    "paired_difference_interval",
    "median_interval",
    "mean_interval",
    "poisson_interval",
    "poisson_difference_interval",
    "poisson_ratio_interval",
]

# --------------------------------------------------------------------------------------------------------------
# Method descriptions: every output table's "method" column holds one of these keys.
# --------------------------------------------------------------------------------------------------------------
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

FUNNEL_LABELS = ("High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)", "Not significant")

_MIN_TREND_PERIODS = 5


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------
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
    c = _normalise_confidence(confidence)
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


# --------------------------------------------------------------------------------------------------------------
# Proportions
# --------------------------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------------------------
# Trend
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrendResult:
    """Outcome of :func:`trend_test`.

    ``label`` is "increasing", "decreasing", "no significant change" or "cannot be calculated";
    ``assessment`` is "getting better", "getting worse" or "" (no judgement, no change, or not calculated);
    ``description`` joins them as Fingertips words it ("increasing and getting better").
    ``slope`` is the fitted change in proportion per period; ``periods`` how many periods were tested.
    """

    label: str
    assessment: str
    description: str
    statistic: float
    p_value: float
    slope: float
    method: str
    confidence: float
    periods: int
    reason: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def chi_squared_trend(numerators, denominators, scores=None):
    """Chi-squared test for linear trend in proportions (Cochran-Armitage), 1 degree of freedom.

    With x_i of n_i in group i, scores t_i (default 0, 1, 2, ...), N = Σn_i, p̄ = Σx_i/N, t̄ = Σn_i t_i/N::

        T  = Σ x_i (t_i − t̄)
        χ² = T² / (p̄(1 − p̄) Σ n_i (t_i − t̄)²)         slope = T / Σ n_i (t_i − t̄)²

    The same statistic as R's ``prop.trend.test``. Returns ``(statistic, p_value, slope)``; slope is in
    proportion per unit score. All NaN when p̄ is 0 or 1 (no variation to test).

    Reference: Armitage P (1955) Biometrics 11:375-386; Altman DG (1991) Practical Statistics for Medical
    Research, section 10.7.4.
    """
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    if x.ndim != 1 or x.shape != n.shape:
        raise ValueError("numerators and denominators must be one-dimensional and of the same length.")
    t = np.arange(len(x), dtype=float) if scores is None else np.asarray(scores, dtype=float)
    if t.shape != x.shape:
        raise ValueError("scores must have one value per period.")
    if len(x) < 2:
        raise ValueError("a trend needs at least two periods.")
    if np.isnan(x).any() or np.isnan(n).any() or np.isnan(t).any():
        raise ValueError("numerators, denominators and scores must not be missing.")
    _check_proportion_counts(x, n)
    total = n.sum()
    p_bar = x.sum() / total
    t_bar = (n * t).sum() / total
    spread = (n * (t - t_bar) ** 2).sum()
    if p_bar <= 0 or p_bar >= 1 or spread <= 0:
        return math.nan, math.nan, math.nan
    t_stat = (x * (t - t_bar)).sum()
    chi2 = t_stat**2 / (p_bar * (1 - p_bar) * spread)
    return float(chi2), float(_sps.chi2.sf(chi2, 1)), float(t_stat / spread)


def trend_test(numerators, denominators, direction="no_judgement", confidence=0.998, periods=5):
    """Recent trend in a proportion, as Fingertips' "recent trend" marker.

    Method: the chi-squared test for linear trend (Cochran-Armitage, :func:`chi_squared_trend`) over the
    latest ``periods`` values (5, as Fingertips; ``None`` uses every period given), with equally spaced scores.
    The trend is significant when p < 1 − confidence; the default 0.998 (χ² > 9.55 on 1 df) is the 99.8 %
    level Fingertips uses for its trend markers, and ``confidence`` can be lowered to 0.95 for exploratory views.
    Input is ordered oldest → latest and must be consecutive, non-overlapping periods (yearly).

    "cannot be calculated" when fewer than 5 periods are available, any of the tested periods is missing, or
    the pooled proportion is 0 or 1. Labels: "increasing" / "decreasing" / "no significant change"; with a
    direction, the assessment "getting better" / "getting worse" (none for "no_judgement").

    Reference: OHID Fingertips trend markers, public health technical guidance (proportions: chi-squared test
    for trend on the most recent five points); Armitage P (1955) Biometrics 11:375-386.

    Returns a :class:`TrendResult`.
    """
    _check_direction(direction)
    c = _normalise_confidence(confidence)
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    if x.ndim != 1 or x.shape != n.shape:
        raise ValueError("numerators and denominators must be one-dimensional and of the same length.")
    if periods is not None and (int(periods) != periods or periods < _MIN_TREND_PERIODS):
        raise ValueError(f"periods must be a whole number of at least {_MIN_TREND_PERIODS}, or None for all.")
    _check_proportion_counts(x, n)
    if periods is not None:
        x, n = x[-int(periods):], n[-int(periods):]
    used = len(x)

    def cannot(reason: str) -> TrendResult:
        return TrendResult("cannot be calculated", "", "cannot be calculated", math.nan, math.nan, math.nan,
                           "chi_squared_trend", c, used, reason)

    if used < _MIN_TREND_PERIODS:
        return cannot(f"fewer than {_MIN_TREND_PERIODS} periods")
    if np.isnan(x).any() or np.isnan(n).any():
        return cannot("a period in the series is missing")
    statistic, p_value, slope = chi_squared_trend(x, n)
    if math.isnan(statistic):
        return cannot("the proportion is 0% or 100% in every period")
    if p_value >= 1 - c:
        label = "no significant change"
    else:
        label = "increasing" if slope > 0 else "decreasing"
    assessment = ""
    if label in ("increasing", "decreasing") and direction != "no_judgement":
        good = (label == "increasing") == (direction == "high_is_good")
        assessment = "getting better" if good else "getting worse"
    description = f"{label} and {assessment}" if assessment else label
    return TrendResult(label, assessment, description, statistic, p_value, slope, "chi_squared_trend", c, used)


# --------------------------------------------------------------------------------------------------------------
# Differences of proportions
# --------------------------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------------------------
# Medians, means, counts
# --------------------------------------------------------------------------------------------------------------
def median_interval(values, counts, confidence=0.95):
    """Median of a histogram (sorted values, count of people at each) and its distribution-free interval.

    The median is the middle value (mean of the two middle values when n is even). Its interval runs from
    the r-th to the s-th smallest value, with ranks from the binomial(n, ½) distribution of order statistics::

        r = n/2 − z·√n/2  (rounded down),   s = 1 + n/2 + z·√n/2  (rounded up),   clipped to [1, n]

    Rounding outward keeps the coverage at or above the nominal level. Unit: that of ``values``.

    Reference: Campbell MJ, Gardner MJ, "Medians and their differences", in Altman DG et al. (2000)
    Statistics with Confidence, 2nd ed., BMJ Books, ch. 5.

    Returns ``(median, lower, upper)``.
    """
    v = np.asarray(values, dtype=float)
    k = np.asarray(counts, dtype=float)
    if v.ndim != 1 or v.shape != k.shape:
        raise ValueError("values and counts must be one-dimensional and of the same length.")
    if np.isnan(v).any() or np.isnan(k).any():
        raise ValueError("values and counts must not be missing.")
    if len(v) > 1 and np.any(np.diff(v) <= 0):
        raise ValueError("values must be sorted in strictly increasing order.")
    _check(k < 0, "counts must be greater than or equal to zero.")
    z = z_value(confidence)
    n = k.sum()
    if n <= 0:
        raise ValueError("counts must add up to more than zero.")
    cumulative = np.cumsum(k)

    def at_rank(rank):
        return v[np.searchsorted(cumulative, rank, side="left")]

    if n % 2 == 1:
        median = at_rank((n + 1) / 2)
    else:
        median = (at_rank(n / 2) + at_rank(n / 2 + 1)) / 2
    half = z * math.sqrt(n) / 2
    r = min(max(math.floor(n / 2 - half), 1), n)
    s = min(max(math.ceil(1 + n / 2 + half), 1), n)
    return float(median), float(at_rank(r)), float(at_rank(s))


def mean_interval(n, total, total_sq, confidence=0.95):
    """Mean and its t interval from sufficient statistics (count, Σy, Σy²).

    Formula: mean = Σy/n, s² = (Σy² − n·mean²)/(n − 1), limits = mean ∓ t(1 − α/2; n − 1)·s/√n.
    Unit: that of y.

    Reference: Student (1908) Biometrika 6:1-25; PHEindicatormethods ``phe_mean``.

    Returns ``(mean, lower, upper)``.
    """
    (m, s1, s2), scalar = _arrays(n, total, total_sq)
    with np.errstate(invalid="ignore"):
        _check(m < 2, "n must be at least 2 for a mean interval.")
    c = _normalise_confidence(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / m
        variance = (s2 - m * mean**2) / (m - 1)
        tolerance = 1e-9 * np.maximum(np.abs(s2), 1)
        _check(variance < -tolerance, "total_sq is too small for total and n: the variance would be negative.")
        se = np.sqrt(np.maximum(variance, 0) / m)
        t = _sps.t.ppf(1 - (1 - c) / 2, m - 1)
    return _out(mean, scalar), _out(mean - t * se, scalar), _out(mean + t * se, scalar)


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
