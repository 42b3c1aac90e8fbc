"""Page blocks: a chart with its "Show as table" alternative, the CSV and XLSX of exactly the table shown (each
describing itself: kpi.render.export), and the footer line (source, period, date, n, interval level, synthetic
notice)."""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd
import streamlit as st

from kpi.data import schema
from kpi.i18n import N_, _
from kpi.metrics import registry
from kpi.metrics.disclosure import MIN_DENOMINATOR, PROTECTION_NOTE, SUPPRESSED_TEXT
from kpi.render import export, text
from kpi.render.memo import remembered
from kpi.render.text import number
from ui import charts, data, downloads, state, views

_LABEL_COLUMNS = {"metric_title": N_("Measure"), "scheme_name": N_("Scheme"), "area_name": N_("Area"),
                  "year_label": N_("Year"), "programme_label": N_("Programme"),
                  "arrangement_label": N_("Arrangement"), "age_band_label": N_("Age band"),
                  "primary_need_label": N_("Primary need")}
# label column -> (code column, schema.LABELS domain): a label shown in the page's language from its code
_CODED = {"programme_label": ("programme", "programme"), "arrangement_label": ("arrangement", "arrangement"),
          "age_band_label": ("age_band", "age_band"), "primary_need_label": ("primary_need", "primary_need")}


def export_info(table: pd.DataFrame, *, title: str, period: str | None = None) -> export.ExportInfo:
    """What a download says about itself: the view's filters and period, the store version, and the protection the
    viewer's scope got (exact only when the scope may see every row of this table exactly)."""
    f = state.current_filters()
    scope = data.viewer_scope(schemes=True)
    return export.ExportInfo(title=title, period=period or state.period_label(), filters=f, scope=scope,
                             exact=scope.exact(export.breakdown(table), f), version=_version(),
                             synthetic=_is_synthetic(), made=dt.date.today())


def download_data(table: pd.DataFrame, info: export.ExportInfo, shown: pd.DataFrame | None = None) -> str:
    """What "Download CSV" gives: the metadata block and the table, as `python -m kpi table` prints it (or the
    reader-shaped `shown` table in its place)."""
    return export.csv_text(table, info, shown=shown)


def download_xlsx(table: pd.DataFrame, info: export.ExportInfo, shown: pd.DataFrame | None = None) -> bytes:
    """What "Download XLSX" gives: the same table on a "Data" sheet, the metadata on a "Metadata" sheet."""
    return export.xlsx_bytes(table, info, shown=shown)


@remembered
def plain_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table behind a chart for people: labels not codes, the figure with its unit, interval, n, comparison."""
    cols = [c for c in _LABEL_COLUMNS if c in table.columns]
    if "metric_title" in cols and table["metric_id"].nunique() == 1:
        cols.remove("metric_title")
    out = table[cols].copy()
    for col in cols:
        code_col, domain = _CODED.get(col, (None, None))
        if col == "area_name" and "area_code" in table.columns:
            out[col] = [state.area_label(c) if c in schema.AREAS else name
                        for c, name in zip(table["area_code"], table["area_name"])]
        elif code_col in table.columns:
            out[col] = [_(schema.LABELS[domain][c]) if c in schema.LABELS[domain] else label
                        for c, label in zip(table[code_col], table[col])]
    out = out.rename(columns={col: _(_LABEL_COLUMNS[col]) for col in cols})
    figure, interval, n, compared = [], [], [], []
    for _i, row in table.iterrows():
        k = registry.get(row["metric_id"])
        hidden = bool(row.get("suppressed", False))
        figure.append(_(SUPPRESSED_TEXT) if hidden else registry.format_value(k, number(row["value"])))
        lo, hi = number(row.get("lower")), number(row.get("upper"))
        interval.append("" if hidden or lo is None or hi is None
                        else _("{lower} to {upper}").format(lower=registry.format_value(k, lo),
                                                             upper=registry.format_value(k, hi)))
        den = number(row.get("denominator"))
        n.append("" if hidden or den is None or k.table == "people_supported" else f"{den:,.0f}")
        against = text.benchmark_phrase(row["benchmark_name"]) if row.get("benchmark_name") else ""
        compared.append("" if row.get("comparison") in (None, "not compared") else
                        views.compared_with(str(row["comparison"]), against))
    out[_("Figure")] = figure
    out[_("{level} interval").format(level=_confidence(table))] = interval
    out[_("Number of answers (n)")] = n
    if any(compared):
        out[_("Compared with the benchmark")] = compared
    if "compared_with_similar" in table.columns:  # a scheme against its comparator group (kpi.metrics.similar)
        out[_("Compared with similar schemes")] = [views.word(w) for w in
                                                   table["compared_with_similar"].fillna("").astype(str)]
    if "status" in table.columns:
        out[_("Growing, flat or falling")] = [views.word(w) for w in table["status"].fillna("").astype(str)]
    return out.reset_index(drop=True)


def _confidence(table: pd.DataFrame) -> str:
    if "confidence" in table.columns and len(table):
        return str(table["confidence"].iloc[0])
    return "95%"


def _answers(table: pd.DataFrame) -> str:
    """n for the footer: answers behind the figures (per measure when several are stacked)."""
    if "denominator" not in table.columns or "metric_id" not in table.columns or table.empty:
        return ""
    # Two columns as arrays and a sum per KHI in Python (tables here have tens of rows): a filtered copy of the
    # table, then a pandas groupby, was most of the footer's time, and this runs under every chart of every view.
    ids = table["metric_id"].to_numpy(dtype=object)
    answers = pd.to_numeric(table["denominator"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    survey = {m: registry.get(m).table != "people_supported" for m in set(ids)}
    per_metric: dict = {}
    for m, n in zip(ids, answers.tolist()):
        if survey[m]:
            per_metric[m] = per_metric.get(m, 0.0) + (0.0 if n != n else n)  # a missing n adds nothing (NaN != NaN)
    if not per_metric:
        return ""
    lo, hi = min(per_metric.values()), max(per_metric.values())
    if lo == hi:
        return _("n = {n} answers").format(n=f"{lo:,.0f}")
    return _("n = {lower} to {upper} answers per measure").format(lower=f"{lo:,.0f}", upper=f"{hi:,.0f}")


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
    details = [_answers(table), _("{level} confidence intervals").format(level=_confidence(table)),
               _(PROTECTION_NOTE), _version()]
    ids = table["metric_id"].unique() if "metric_id" in table.columns else ()
    return text.footer_text(period or state.period_label(), dt.date.today(), _is_synthetic(), details=details,
                            source=text.source_of(ids))


_NOTHING_SHOWN = N_("No chart for this selection: every figure in it rests on fewer than {n} answers, which is "
                    "{suppressed} without risking someone being recognised. Choose fewer filters (a wider area, more "
                    "years) to see figures.")
NOTHING_SHOWN = _NOTHING_SHOWN.format(n=MIN_DENOMINATOR, suppressed=SUPPRESSED_TEXT)  # in English


def chart_block(fig, table: pd.DataFrame, *, key: str, filename: str, title: str | None = None,
                period: str | None = None, shown: pd.DataFrame | None = None) -> None:
    """A chart with its "Show as table" alternative, a CSV of exactly the table shown, and a footer line.

    shown: a table already shaped for readers (e.g. kpi.render.growth.reader_table) to show and export instead of
    the KHI table; the footer and the audit record still read `table`."""
    if views.nothing_shown(table):
        # Empty axes under a title about nothing would mislead: say why there is no chart.
        st.info(_(_NOTHING_SHOWN).format(n=MIN_DENOMINATOR, suppressed=_(SUPPRESSED_TEXT)),
                icon=":material/visibility_off:")
        return
    alt = title or (fig.layout.title.text or "").replace("<br>", " ") or None
    charts.plotly_chart(fig, key=key, alt=alt, config={
        "displaylogo": False, "toImageButtonOptions": {"filename": filename.removesuffix(".csv")}})
    table_block(table, key=key, filename=filename, period=period, shown=shown, title=alt)


def table_block(table: pd.DataFrame, *, key: str, filename: str, period: str | None = None,
                toggle: bool = True, shown: pd.DataFrame | None = None, title: str | None = None) -> None:
    """The table part of a chart block on its own (for figures shown as cards rather than a chart); `shown` as in
    chart_block (its downloads carry the same metadata block)."""
    if not toggle or st.toggle(_("Show as table"), key=f"{key}-table"):
        st.dataframe(plain_table(table) if shown is None else shown, hide_index=True, width="stretch",
                     column_config=None if shown is None else _thousands(shown))
    # One horizontal container, not three columns: each block is a message, and per-element messages are most of a
    # warm view's cost under load (docs/performance.md, fifth round). What does not fit wraps onto the next line.
    row = st.container(horizontal=True, vertical_alignment="center")
    filters = state.current_filters()
    # Made now, not in the click: a download's callable runs outside the page, without the session's state.
    info = export_info(table, title=title or filename.removesuffix(".csv"), period=period)
    # data as a function: the file is built when someone clicks, not on every view of the page, and the download
    # is logged then when it is of scheme-level or exact figures (ui.downloads; no rerun on click).
    row.download_button(_("Download CSV"), file_name=filename, mime="text/csv", on_click="ignore",
                        data=downloads.logged(functools.partial(download_data, table, info, shown), table, "csv",
                                              filters),
                        key=f"{key}-csv", icon=":material/download:")
    row.download_button(_("Download XLSX"), file_name=filename.removesuffix(".csv") + ".xlsx",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
                        data=downloads.logged(functools.partial(download_xlsx, table, info, shown), table, "xlsx",
                                              filters),
                        key=f"{key}-xlsx", icon=":material/table_view:")
    row.caption(footer_text(table, period))


def _thousands(table: pd.DataFrame) -> dict:
    """Counts in a reader table shown with thousands separators (11,940), as everywhere else; years as they are."""
    return {c: st.column_config.NumberColumn(format="localized") for c in table.columns
            if pd.api.types.is_numeric_dtype(table[c]) and "year" not in str(c).lower()}


def say_result(key: str) -> None:
    """Show, once, what a form's callback did: the ("success" | "error", text) it left in st.session_state[key]
    (callbacks run before the page, so the page says it where the form is)."""
    result = st.session_state.pop(key, None)
    if result:
        (st.error if result[0] == "error" else st.success)(result[1])
