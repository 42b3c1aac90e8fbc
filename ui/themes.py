"""The sections the theme pages (Health, Living well) share: positive and negative impact beside each other in one
chart, and one measure's differences between groups of people and its trend. Each page lists its own KHIs; the
layout, the breakdowns and the wording are here once."""

from __future__ import annotations

from typing import Sequence

import pandas as pd
import streamlit as st

from kpi.data.queries import Filters
from kpi.i18n import N_, _
from kpi.metrics import registry
from kpi.metrics.scope import Scope
from kpi.render import charts
from ui import blocks, data, glossary, views

IMPACT_ANSWERS = (N_("Made things better"), N_("No difference"), N_("Made things worse"))
BREAKDOWNS = {"arrangement": N_("Arrangement"), "age_band": N_("Age band"), "primary_need": N_("Primary need")}


def impact_answers() -> tuple[str, ...]:
    """IMPACT_ANSWERS in the page's language (a chart's answer labels)."""
    return tuple(_(a) for a in IMPACT_ANSWERS)
_LABEL_COLUMNS = {"arrangement": "arrangement_label", "age_band": "age_band_label",
                  "primary_need": "primary_need_label"}


def pair_ids(pairs: Sequence[tuple[str, str, str]]) -> list[str]:
    """The positive and negative KHI of each (topic, positive id, negative id), in order."""
    return [m for _, pos, neg in pairs for m in (pos, neg)]


def impact_split(table: pd.DataFrame, pairs: Sequence[tuple[str, str, str]], *, key: str, filename: str) -> None:
    """Each topic's positive and negative impact beside each other, one stacked bar per topic, with its table.
    `table`: a stacked khi_tables result holding every KHI of `pairs` (other KHIs are left out)."""
    split = views.pick(table, pair_ids(pairs))
    fig = charts.answers_stacked(split, pairs, title=charts.answers_title(split, pairs), answer_labels=impact_answers())
    blocks.chart_block(fig, split, key=key, filename=filename)


def group_differences(metric_ids: Sequence[str], f: Filters, *, scope: Scope, key: str) -> None:
    """A measure (chosen from `metric_ids`) by arrangement, age band or primary need against everyone in the view,
    then its trend by year with the trend test. Widget keys start with `key`."""
    left, right = st.columns(2)
    metric_id = left.selectbox(_("Measure"), list(metric_ids), format_func=lambda m: registry.get(m).title,
                               key=f"{key}-metric")
    by = right.segmented_control(_("Break down by"), list(BREAKDOWNS), format_func=lambda b: _(BREAKDOWNS[b]),
                                 default="arrangement", required=True, key=f"{key}-by")
    table = data.khi(metric_id, by, f, scope=scope)
    label_col = _LABEL_COLUMNS[by]
    bench = table["benchmark"].dropna()
    fig = charts.bar_with_intervals(
        table, label_col, title=charts.comparison_title(table, label_col, against=_("everyone in this view")),
        benchmark=float(bench.iloc[0]) if len(bench) else None, benchmark_label=_("Everyone in this view"))
    blocks.chart_block(fig, table, key=f"{key}-breakdown", filename=f"khi-{metric_id}-by-{by}.csv")
    glossary.explain("benchmark")

    by_year, result = data.trend(metric_id, f, scope=scope)
    fig = charts.trend_chart(by_year, title=charts.trend_title(registry.get(metric_id).title,
                                                               result.description if result else None,
                                                               result.periods if result else None))
    blocks.chart_block(fig, by_year, key=f"{key}-trend", filename=f"khi-{metric_id}-by-year.csv")
