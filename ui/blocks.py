"""Page blocks: a chart with its "Show as table" alternative, the CSV of exactly the table shown, and the footer
line (source, period, date, n, interval level, synthetic notice)."""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import streamlit as st

from kpi.metrics import registry
from kpi.metrics.disclosure import PROTECTION_NOTE, SUPPRESSED_TEXT
from kpi.render import tables, text
from kpi.render.memo import remembered
from kpi.render.text import number
from ui import data, state

_LABEL_COLUMNS = {"metric_title": "Measure", "scheme_name": "Scheme", "area_name": "Area", "year_label": "Year",
                  "programme_label": "Programme", "arrangement_label": "Arrangement",
                  "age_band_label": "Age band", "primary_need_label": "Primary need"}


def download_data(table: pd.DataFrame) -> str:
    """What "Download CSV" gives: the shown table in the CLI's one CSV rendering (`python -m kpi table`)."""
    return tables.to_csv(table)


@remembered
def plain_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table behind a chart for people: labels not codes, the figure with its unit, interval, n, comparison."""
    cols = [c for c in _LABEL_COLUMNS if c in table.columns]
    if "metric_title" in cols and table["metric_id"].nunique() == 1:
        cols.remove("metric_title")
    out = table[cols].rename(columns=_LABEL_COLUMNS).copy()
    figure, interval, n, compared = [], [], [], []
    for _, row in table.iterrows():
        k = registry.get(row["metric_id"])
        hidden = bool(row.get("suppressed", False))
        figure.append(SUPPRESSED_TEXT if hidden else registry.format_value(k, number(row["value"])))
        lo, hi = number(row.get("lower")), number(row.get("upper"))
        interval.append("" if hidden or lo is None or hi is None
                        else f"{registry.format_value(k, lo)} to {registry.format_value(k, hi)}")
        den = number(row.get("denominator"))
        n.append("" if hidden or den is None or k.table == "people_supported" else f"{den:,.0f}")
        against = text.benchmark_phrase(row["benchmark_name"]) if row.get("benchmark_name") else ""
        compared.append("" if row.get("comparison") in (None, "not compared") else
                        str(row["comparison"]) + (f" than {against}" if against and row["comparison"] != "similar"
                                                  else f" to {against}" if against else ""))
    out["Figure"] = figure
    out[f"{_confidence(table)} interval"] = interval
    out["Number of answers (n)"] = n
    if any(compared):
        out["Compared with the benchmark"] = compared
    if "status" in table.columns:
        out["Growing, flat or falling"] = table["status"].fillna("").astype(str).to_numpy()
    return out.reset_index(drop=True)


def _confidence(table: pd.DataFrame) -> str:
    if "confidence" in table.columns and len(table):
        return str(table["confidence"].iloc[0])
    return "95%"


def _answers(table: pd.DataFrame) -> str:
    """n for the footer: answers behind the figures (per measure when several are stacked)."""
    if "denominator" not in table.columns or "metric_id" not in table.columns or table.empty:
        return ""
    survey = table[table["metric_id"].map(lambda m: registry.get(m).table != "people_supported")]
    if survey.empty:
        return ""
    per_metric = survey.groupby("metric_id", sort=False)["denominator"].apply(
        lambda s: pd.to_numeric(s, errors="coerce").sum())
    lo, hi = float(per_metric.min()), float(per_metric.max())
    if lo == hi:
        return f"n = {lo:,.0f} answers"
    return f"n = {lo:,.0f} to {hi:,.0f} answers per measure"


def _is_synthetic() -> bool:
    try:
        return bool(data.store_info().get("synthetic"))
    except Exception:  # the footer must never break a page
        return False


def _version() -> str:
    try:
        return data.version_note()
    except Exception:  # the footer must never break a page
        return ""


def footer_text(table: pd.DataFrame, period: str | None = None) -> str:
    """Source and period, date made, n, the interval level, the protection note and, for the sample, its notice."""
    details = [_answers(table), f"{_confidence(table)} confidence intervals", PROTECTION_NOTE, _version()]
    return text.footer_text(period or state.period_label(), dt.date.today(), _is_synthetic(), details=details)


def chart_block(fig, table: pd.DataFrame, *, key: str, filename: str, title: str | None = None,
                period: str | None = None) -> None:
    """A chart with its "Show as table" alternative, a CSV of exactly the table shown, and a footer line."""
    alt = title or (fig.layout.title.text or "").replace("<br>", " ") or None
    # theme=None: the figure keeps its own fonts and colours, the same as in image exports and slides.
    st.plotly_chart(fig, key=key, width="stretch", alt=alt, theme=None,
                    config={"displaylogo": False,
                            "toImageButtonOptions": {"filename": filename.removesuffix(".csv")}})
    table_block(table, key=key, filename=filename, period=period)


def table_block(table: pd.DataFrame, *, key: str, filename: str, period: str | None = None,
                toggle: bool = True) -> None:
    """The table part of a chart block on its own (for figures shown as cards rather than a chart)."""
    if not toggle or st.toggle("Show as table", key=f"{key}-table"):
        st.dataframe(plain_table(table), hide_index=True, width="stretch")
    left, right = st.columns([1, 4], vertical_alignment="center")
    # on_click logs the download when it is of scheme-level or exact figures (the audit log); it costs a rerun.
    # data as a function: the CSV is built when someone clicks, not on every view of the page.
    left.download_button("Download CSV", data=functools.partial(download_data, table), file_name=filename,
                         mime="text/csv",
                         on_click=data.audit_download, args=(table, "csv", state.current_filters()),
                         key=f"{key}-csv", icon=":material/download:")
    right.caption(footer_text(table, period))


def say_result(key: str) -> None:
    """Show, once, what a form's callback did: the ("success" | "error", text) it left in st.session_state[key]
    (callbacks run before the page, so the page says it where the form is)."""
    result = st.session_state.pop(key, None)
    if result:
        (st.error if result[0] == "error" else st.success)(result[1])
