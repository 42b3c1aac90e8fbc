"""Data downloads that describe themselves: the one export of a figures table, as CSV and as XLSX.

Used by every "Download CSV" / "Download XLSX" button (ui.blocks) and by `python -m kpi table`, so the two match.

- **Columns** close to OHID Fingertips' data export: indicator id and name, time period, area code, name and type,
  the breakdown's category, benchmark name and value, the comparison, recent trend (where computed), count,
  denominator, value, lower and upper confidence limits, unit and a value note ("suppressed: fewer than 10
  answers"). `frame` maps the api's tidy columns onto these names here and nowhere else; columns it does not know
  (a funnel's limits, a headline's change) follow under their own names.
- **Metadata**: title, source, whether the data is synthetic, the date made, the store version, the period, the
  filters, the benchmark, the confidence level, the protection applied and whom the figures are for. In a CSV it is
  a block of `METADATA_LINES` lines at the top, each beginning with "#", so the table is read with
  `pandas.read_csv(path, skiprows=METADATA_LINES)` (the number is the same in every export, and the first line says
  it); in an XLSX it is a sheet of its own beside the "Data" sheet.
- **Safety**: every text cell goes through `kpi.data.spreadsheet.neutralise` (the CSV guard), and in a workbook is
  also stored as text, never as a formula; numbers stay numbers.
- **Protection** is never added here: the table is the one the viewer's scope got from `kpi.metrics.api` (perturbed,
  suppressed and rounded unless exact); this module only relabels it and says which it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kpi.data import queries, schema
from kpi.data.queries import Filters
from kpi.data.spreadsheet import neutralise, neutralise_frame
from kpi.metrics import disclosure, registry
from kpi.metrics.scope import Scope
from kpi.render import tables, text

__all__ = ["ExportInfo", "METADATA_FIELDS", "METADATA_LINES", "frame", "metadata", "csv_text", "xlsx_bytes",
           "breakdown", "filters_text", "protection_text", "UK_BENCHMARK"]

UK_BENCHMARK = "UK"  # the benchmark's name when the table does not carry a `benchmark_name` column
UK = ("K02000001", "United Kingdom")
ENGLAND = ("E92000001", "England")

METADATA_FIELDS = ("Title", "Source", "Synthetic data", "Date made", "Store version", "Period", "Filters",
                   "Benchmark", "Confidence level", "Protection applied", "Figures for", "Columns")
METADATA_LINES = 1 + len(METADATA_FIELDS)  # the first line says how to read the file, then one line per field

_CATEGORIES = {"programme_label": "Programme", "arrangement_label": "Arrangement", "age_band_label": "Age band",
               "primary_need_label": "Primary need"}
# Columns said otherwise in an export: the level in the CI columns' names, suppression in Value note, a breakdown's
# code by its label (each dropped only when what replaces it is there).
_SAID_OTHERWISE = {"confidence": "lower", "suppressed": "metric_id", "suppression": "metric_id",
                   "year": "year_label", "programme": "programme_label", "arrangement": "arrangement_label",
                   "age_band": "age_band_label", "primary_need": "primary_need_label"}
_COLUMNS_NOTE = ("Count and Denominator are the counts the value is worked out from (as published: see Protection "
                 "applied); Lower and Upper CI are the confidence limits; Value note says why a value is missing")


@dataclass(frozen=True)
class ExportInfo:
    """What an export says about itself, besides its table (the metadata block or sheet)."""

    title: str
    period: str
    filters: Filters = Filters()
    scope: Scope = Scope.public()
    exact: bool = False  # the figures are exact (the scope may see every row exactly); else protected
    version: str = ""  # which version of the store: `text.version_text`
    synthetic: bool = False
    made: dt.date = field(default_factory=dt.date.today)


def breakdown(table: pd.DataFrame) -> tuple[str, ...]:
    """The breakdown a table is by, read off its columns (a scheme row carries its area: a scheme breakdown)."""
    # A nation's rows have the same columns as a region's: an area_code column reads as a region breakdown.
    by = tuple(b for b in queries.BREAKDOWNS
               if b != "nation" and all(c in table.columns for c in queries.group_columns([b])))
    return tuple(b for b in by if b != "region") if "scheme" in by else by


def filters_text(f: Filters) -> str:
    """The filters in words: "Year: 2019-20; Nation or region: North West" ("none: all the data" when empty)."""
    parts = []
    if f.years:
        parts.append("Year: " + ", ".join(schema.fy_label(y) for y in f.years))
    if f.areas:
        parts.append("Nation or region: " + ", ".join(schema.AREAS.get(a, a) for a in f.areas))
    for name, values, domain in (("Programme", f.programmes, "programme"),
                                 ("Arrangement", f.arrangements, "arrangement"),
                                 ("Age band", f.age_bands, "age_band"), ("Primary need", f.needs, "primary_need")):
        if values:
            parts.append(f"{name}: " + ", ".join(schema.LABELS[domain].get(v, v) for v in values))
    if f.schemes:
        parts.append("Scheme: " + ", ".join(f.schemes))
    return "; ".join(parts) if parts else "none: all the data"


def protection_text(exact: bool, scope: Scope) -> str:
    """The disclosure control the figures went through (kpi.metrics.disclosure), as the viewer's scope got them."""
    if exact:
        return (f"none: exact figures (no perturbation, suppression or rounding) for {scope.describe()}; "
                "not for sharing outside the people allowed to see them")
    return (f"{disclosure.PROTECTION_NOTE}: every count is perturbed (cell key method); a row with fewer answers "
            f"than its indicator's minimum (at least {disclosure.MIN_DENOMINATOR}) is suppressed (value, interval "
            "and counts left blank, see Value note); values are rounded to the precision shown on screen")


def _confidence(table: pd.DataFrame) -> str:
    if "confidence" in table.columns and len(table):
        return str(table["confidence"].iloc[0])
    return "95%"


def _ci_level(label: str) -> str:
    """'95%' -> '95.0' (Fingertips' 'Lower CI 95.0 limit')."""
    try:
        return f"{float(label.rstrip('%')):.1f}"
    except ValueError:
        return label


def _benchmark_names(table: pd.DataFrame) -> pd.Series:
    """Each row's benchmark name: the table's `benchmark_name` where it has one, else the UK; blank where the row is
    not compared with a benchmark."""
    compared = table["comparison"].ne("not compared") if "comparison" in table.columns else \
        pd.Series(False, index=table.index)
    if "benchmark" in table.columns:
        compared &= table["benchmark"].notna()
    names = (table["benchmark_name"].astype(object).where(table["benchmark_name"].notna(), UK_BENCHMARK)
             if "benchmark_name" in table.columns else pd.Series(UK_BENCHMARK, index=table.index, dtype=object))
    return names.where(compared, "")


def _place(f: Filters) -> tuple[str, str, str]:
    """(code, name, type) of the place a table without an area column is about."""
    if not f.areas:
        return (*UK, "Country")
    if set(f.areas) == set(schema.ENGLISH_REGIONS):
        return (*ENGLAND, "Country")
    if len(f.areas) == 1:
        code = f.areas[0]
        return code, schema.AREAS.get(code, code), "Region" if code.startswith("E12") else "Nation"
    return "; ".join(f.areas), "; ".join(schema.AREAS.get(a, a) for a in f.areas), "Areas"


def _value_notes(table: pd.DataFrame) -> list[str]:
    if "suppressed" not in table.columns or "metric_id" not in table.columns:
        return [""] * len(table)
    notes = []
    for mid, hidden in zip(table["metric_id"], table["suppressed"].fillna(False)):
        if not hidden:
            notes.append("")
            continue
        k = registry.get(mid)
        who = "people" if k.table == "people_supported" else "answers"
        notes.append(f"suppressed: fewer than {max(k.min_n, disclosure.MIN_DENOMINATOR)} {who}")
    return notes


def frame(table: pd.DataFrame, info: ExportInfo) -> pd.DataFrame:
    """The table under Fingertips-like column names (the one mapping, for the CSV and the XLSX alike)."""
    t = table.reset_index(drop=True)
    n = len(t)
    out: dict[str, object] = {}
    used = {c for c, instead in _SAID_OTHERWISE.items() if instead in t.columns}

    def take(col, name):
        if col in t.columns:
            out[name] = t[col]
            used.add(col)

    take("metric_id", "Indicator ID")
    take("metric_title", "Indicator Name")
    if "year_label" in t.columns:
        take("year_label", "Time period")
    else:
        out["Time period"] = info.period
    if "scheme_id" in t.columns:
        take("scheme_id", "Area Code")
        take("scheme_name", "Area Name")
        out["Area Type"] = "Scheme"
        take("area_code", "Parent Code")
        take("area_name", "Parent Name")
    elif "area_code" in t.columns:
        take("area_code", "Area Code")
        take("area_name", "Area Name")
        out["Area Type"] = np.where(t["area_code"].astype(str).str.startswith("E12"), "Region", "Nation")
    else:
        out["Area Code"], out["Area Name"], out["Area Type"] = _place(info.filters)
    for col, name in _CATEGORIES.items():
        take(col, name)
    out["Benchmark name"] = _benchmark_names(t)
    used.add("benchmark_name")
    take("benchmark", "Benchmark value")
    take("comparison", "Compared with benchmark")
    for col in ("recent_trend", "status"):
        if col in t.columns:
            take(col, "Recent trend")
            break
    take("numerator", "Count")
    take("denominator", "Denominator")
    take("value", "Value")
    level = _ci_level(_confidence(t))
    take("lower", f"Lower CI {level} limit")
    take("upper", f"Upper CI {level} limit")
    take("unit", "Unit")
    out["Value note"] = _value_notes(t)
    take("statistic", "Statistic")
    take("method", "Method")
    for col in t.columns:
        if col not in used:
            out[col] = t[col]
    return pd.DataFrame({k: (v if isinstance(v, pd.Series) else [v] * n if np.isscalar(v) else list(v))
                         for k, v in out.items()}, index=range(n))


def _benchmark_text(table: pd.DataFrame) -> str:
    names = [x for x in dict.fromkeys(_benchmark_names(table.reset_index(drop=True))) if x]
    if not names:
        return "none: these figures are not compared with a benchmark"
    if len(names) == 1:
        against = f"the same indicator for {'the UK' if names[0] == UK_BENCHMARK else names[0]}"
    else:  # the rule of docs/statistics.md: each row names its own in the Benchmark name column
        against = ("each row against its own (England for an English region or scheme, the nation for a scheme in "
                   "Wales, Scotland or Northern Ireland, the UK for a nation), named in the Benchmark name column")
    return (f"{' or '.join(names)}: {against}, with the same other filters; better, similar or worse when the "
            f"{_confidence(table)} confidence interval is wholly on the good side of the benchmark, includes it, or "
            "is wholly on the bad side")


def _figures_for(table: pd.DataFrame, info: ExportInfo) -> str:
    """Whose figures these are: protected figures that are not scheme-level are the public's, whoever reads them
    (a hub's regional table is the public one); otherwise the scope they were read with."""
    if info.exact:
        return f"{info.scope.describe()} (exact)"
    if not Scope.scheme_level(breakdown(table), info.filters):
        return "public (protected)"
    return f"{info.scope.describe()} (protected)"


def metadata(table: pd.DataFrame, info: ExportInfo) -> list[tuple[str, str]]:
    """(field, value) for each of METADATA_FIELDS, in that order."""
    values = {
        "Title": info.title,
        "Source": text.source_of(table["metric_id"].unique() if "metric_id" in table.columns else ()),
        "Synthetic data": f"yes: {text.SYNTHETIC_NOTICE}" if info.synthetic else "no",
        "Date made": info.made.isoformat(),
        "Store version": info.version,
        "Period": info.period,
        "Filters": filters_text(info.filters),
        "Benchmark": _benchmark_text(table),
        "Confidence level": _confidence(table),
        "Protection applied": protection_text(info.exact, info.scope),
        "Figures for": _figures_for(table, info),
        "Columns": _COLUMNS_NOTE,
    }
    # One line each, always: the metadata block keeps its fixed number of lines.
    return [(name, " ".join(str(values[name]).split())) for name in METADATA_FIELDS]


def _how_to_read() -> str:
    return (f"metadata in the first {METADATA_LINES} lines (each starts with #); the table starts on line "
            f"{METADATA_LINES + 1}: pandas.read_csv(path, skiprows={METADATA_LINES})")


def csv_text(table: pd.DataFrame, info: ExportInfo, shown: pd.DataFrame | None = None) -> str:
    """The CSV download: the metadata block, then the table in the one CSV rendering (`tables.to_csv`); `shown`: a
    table already in words for readers (the Regional growth page's) exported as it is, under the same metadata."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["# Key Human Indicators data export", _how_to_read()])
    for name, value in metadata(table, info):
        w.writerow([f"# {name}", neutralise(value)])
    return out.getvalue() + tables.to_csv(frame(table, info) if shown is None else shown)


def _cell(value):
    """A value as openpyxl should store it: None for missing, plain Python numbers, neutralised text."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)) and np.isnan(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return ILLEGAL_CHARACTERS_RE.sub("", neutralise(str(value)))


def _write_rows(sheet, rows) -> None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula, whatever it begins with


def xlsx_bytes(table: pd.DataFrame, info: ExportInfo, shown: pd.DataFrame | None = None) -> bytes:
    """The XLSX download: a "Data" sheet (the same columns as the CSV) and a "Metadata" sheet."""
    from openpyxl import Workbook  # only when someone downloads a workbook

    data = neutralise_frame(frame(table, info) if shown is None else shown)
    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    _write_rows(sheet, [list(data.columns), *data.itertuples(index=False, name=None)])
    sheet.freeze_panes = "A2"
    meta = book.create_sheet("Metadata")
    _write_rows(meta, [("Field", "Value"), *metadata(table, info)])
    meta.column_dimensions["A"].width, meta.column_dimensions["B"].width = 20, 120
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
