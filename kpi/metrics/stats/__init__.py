"""Statistics behind every KHI figure: intervals, funnel limits, benchmark comparison and trend.

One module per family of statistics, as PHEindicatormethods keeps one file per statistic: `proportions` (Wilson,
funnels, benchmark comparison), `trend`, `differences` (net impact, independent and paired), `distributions`
(median, mean), `counts` (Poisson); `_core` holds the method descriptions and the shared checks.

Every function is pure (no I/O, no Streamlit) and numpy-vectorised: scalars or arrays go in, the same shape
comes out (labels come back as ``str`` for scalar input and as an object array otherwise). Proportions are on the
0-1 scale; callers multiply by 100 for percentages *after* the interval is computed (as PHEindicatormethods does).

Missing input (NaN) gives missing output; invalid input raises ``ValueError`` with one precise sentence.
:data:`METHODS` describes each method by key (name, statistic, reference); output tables carry the method's name.

The methods follow OHID's PHEindicatormethods (the R package behind Fingertips) wherever it has one, so our
figures can be set beside Fingertips figures; tests in ``tests/test_stats.py`` replay its published test tables.
"""

from kpi.metrics.stats._core import DIRECTIONS, METHODS, confidence_label, z_value
from kpi.metrics.stats.counts import poisson_difference_interval, poisson_interval, poisson_ratio_interval
from kpi.metrics.stats.differences import difference_interval, net_impact_interval, paired_difference_interval
from kpi.metrics.stats.distributions import mean_interval, median_interval
from kpi.metrics.stats.proportions import (compare_to_benchmark, funnel_limits, funnel_position, funnel_significance,
                                           wilson_interval)
from kpi.metrics.stats.trend import TrendResult, chi_squared_trend, trend_labels, trend_test

__all__ = [
    "METHODS", "DIRECTIONS", "TrendResult", "z_value", "confidence_label", "wilson_interval", "funnel_limits",
    "funnel_significance", "funnel_position", "compare_to_benchmark", "chi_squared_trend", "trend_test", "trend_labels",
    "net_impact_interval", "difference_interval", "paired_difference_interval", "median_interval", "mean_interval",
    "poisson_interval", "poisson_difference_interval", "poisson_ratio_interval",
]
