"""Recent trend: the chi-squared test for linear trend in proportions (Fingertips' recent-trend marker)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as _sps

from kpi.metrics.stats._core import _check_direction, _check_proportion_counts, _normalise_confidence


_MIN_TREND_PERIODS = 5


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



def trend_labels(numerators, denominators, directions, confidence=0.998):
    """:func:`trend_test`'s ``(label, assessment)`` for many series at once, as two object arrays.

    Rows are series, columns the latest 5 periods (oldest → latest), NaN for a missing period; a series with fewer
    than 5 periods has NaN in its first columns (it "cannot be calculated", as a missing period makes it).
    directions: one per row. The arithmetic is :func:`chi_squared_trend`'s on each row, so each label is the one
    :func:`trend_test` gives; one call instead of one per series, where the p-value lookup cost most.
    """
    c = _normalise_confidence(confidence)
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    if x.ndim != 2 or x.shape != n.shape or x.shape[1] != _MIN_TREND_PERIODS:
        raise ValueError(f"numerators and denominators must be (series, {_MIN_TREND_PERIODS}) arrays alike.")
    for d in set(directions):
        _check_direction(d)
    _check_proportion_counts(x, n)
    m = len(x)
    label = np.full(m, "cannot be calculated", dtype=object)
    assessment = np.full(m, "", dtype=object)
    full = ~(np.isnan(x).any(axis=1) | np.isnan(n).any(axis=1))
    x, n = x[full], n[full]
    t = np.arange(_MIN_TREND_PERIODS, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = n.sum(axis=1)
        p_bar = x.sum(axis=1) / total
        t_bar = (n * t).sum(axis=1) / total
        centred = t - t_bar[:, None]
        spread = (n * centred**2).sum(axis=1)
        tested = ~((p_bar <= 0) | (p_bar >= 1) | (spread <= 0))
        t_stat = (x * centred).sum(axis=1)
        chi2 = t_stat**2 / (p_bar * (1 - p_bar) * spread)
        p_value = _sps.chi2.sf(np.where(tested, chi2, 0.0), 1)
        slope = t_stat / spread
    words = np.where(p_value >= 1 - c, "no significant change", np.where(slope > 0, "increasing", "decreasing"))
    words = np.where(tested, words, "cannot be calculated").astype(object)
    label[full] = words
    moved = np.isin(label, ("increasing", "decreasing"))
    direction = np.asarray(directions, dtype=object)
    judged = moved & (direction != "no_judgement")
    good = (label == "increasing") == (direction == "high_is_good")
    assessment[judged] = np.where(good[judged], "getting better", "getting worse")
    return label, assessment
