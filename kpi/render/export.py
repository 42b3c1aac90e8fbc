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
- **Language**: the column names, the metadata and the words in cells ("better", "Region", area names) are in the
  export's language (`ExportInfo.lang`: the current one when the info was made); codes, ids and numbers are the same
  in both. The table the api gives stays English
  (code compares its words): they are translated here, as they are written out.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from kpi import i18n
from kpi.data import queries, schema
from kpi.data.queries import Filters
from kpi.data.spreadsheet import neutralise, neutralise_frame
from kpi.metrics import disclosure, registry
from kpi.metrics.scope import Scope
from kpi.i18n import N_, _
from kpi.render import tables, text

__all__ = ["ExportInfo", "METADATA_FIELDS", "METADATA_LINES", "frame", "metadata", "csv_text", "xlsx_bytes",
           "breakdown", "filters_text", "protection_text", "UK_BENCHMARK", "title_by", "words"]

UK_BENCHMARK = "UK"  # the benchmark's name when the table does not carry a `benchmark_name` column
UK = ("K02000001", N_("United Kingdom"))
ENGLAND = ("E92000001", N_("England"))

# The fields' English names (what tests and code look up); an export writes each as `_(name)`.
METADATA_FIELDS = (N_("Title"), N_("Source"), N_("Synthetic data"), N_("Date made"), N_("Store version"),
                   N_("Period"), N_("Filters"), N_("Benchmark"), N_("Confidence level"), N_("Protection applied"),
                   N_("Figures for"), N_("Columns"))
METADATA_LINES = 1 + len(METADATA_FIELDS)  # the first line says how to read the file, then one line per field

_CATEGORIES = {"programme_label": N_("Programme"), "arrangement_label": N_("Arrangement"),
               "age_band_label": N_("Age band"), "primary_need_label": N_("Primary need")}
# Columns said otherwise in an export: the level in the CI columns' names, suppression in Value note, a breakdown's
# code by its label (each dropped only when what replaces it is there).
_SAID_OTHERWISE = {"confidence": "lower", "suppressed": "metric_id", "suppression": "metric_id",
                   "year": "year_label", "programme": "programme_label", "arrangement": "arrangement_label",
                   "age_band": "age_band_label", "primary_need": "primary_need_label"}
_COLUMNS_NOTE = N_("Count and Denominator are the counts the value is worked out from (as published: see Protection "
                    "applied); Lower and Upper CI are the confidence limits; Value note says why a value is missing")
# Words tables carry as data (code compares them, so the api keeps them English), written out in the reader's
# language: comparisons, trends, growth, units, statistics and area types.
_CELL_WORDS = (N_("better"), N_("similar"), N_("worse"), N_("not compared"), N_("increasing"), N_("decreasing"),
               N_("no significant change"), N_("cannot be calculated"), N_("not tested"), N_("growing"), N_("flat"),
               N_("falling"), N_("people"), N_("friends"), N_("percentage points"), N_("per 100,000 population"),
               N_("percentage"), N_("net percentage"), N_("median"), N_("mean change"), N_("change in percentage"),
               N_("count"), N_("change in count"), N_("percentage change"), N_("share of growth"),
               N_("rate per 100,000"), N_("Country"), N_("Region"), N_("Nation"), N_("Scheme"), N_("Areas"),
               N_("Not recorded"), N_("UK"), N_("the UK"))
_BREAKDOWN_WORDS = {"region": N_("region"), "nation": N_("nation"), "scheme": N_("scheme"), "year": N_("year"),
                    "arrangement": N_("arrangement"), "age_band": N_("age band"), "primary_need": N_("primary need"),
                    "programme": N_("programme")}  # "Feeling connected by age band": the CLI's title


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
    # The language it is written in: the current one when the info is made (the viewer's, in the page's run), so a
    # download built later, on a click in a thread of Streamlit's own, still comes out in the viewer's language.
    lang: str = field(default_factory=i18n.lang)


def _in_its_language(build):
    """Runs an export builder `build(table, info, ...)` in `info.lang`."""
    @functools.wraps(build)
    def in_language(table, info, *args, **kwargs):
        with i18n.using(info.lang):
            return build(table, info, *args, **kwargs)
    return in_language


def breakdown(table: pd.DataFrame) -> tuple[str, ...]:
    """The breakdown a table is by, read off its columns (a scheme row carries its area: a scheme breakdown)."""
    # A nation's rows have the same columns as a region's: an area_code column reads as a region breakdown.
    by = tuple(b for b in queries.BREAKDOWNS
               if b != "nation" and all(c in table.columns for c in queries.group_columns([b])))
    return tuple(b for b in by if b != "region") if "scheme" in by else by


def words(column: pd.Series) -> pd.Series:
    """A column of English words kept as data ("better", "North West", "Region") in the current language; other
    values (numbers, blanks) as they are. English: the column itself."""
    if i18n.lang() == i18n.DEFAULT:
        return column
    return column.map(lambda v: _(text.word(v)) if isinstance(v, str) else v)


def title_by(metric_id: str, by: Sequence[str] = ()) -> str:
    """An export's title for one KHI: "Feeling connected" or "Feeling connected by age band" (the CLI's)."""
    title = registry.get(metric_id).title
    if not by:
        return title
    return _("{title} by {breakdown}").format(title=title, breakdown=_(_BREAKDOWN_WORDS.get(by[0], by[0])))


def _listed(values) -> str:
    return ", ".join(_(str(v)) for v in values)


_FILTER_WORDS = ((N_("Programme: {values}"), "programmes", "programme"),
                 (N_("Arrangement: {values}"), "arrangements", "arrangement"),
                 (N_("Age band: {values}"), "age_bands", "age_band"),
                 (N_("Primary need: {values}"), "needs", "primary_need"))


def filters_text(f: Filters) -> str:
    """The filters in words: "Year: 2019-20; Nation or region: North West" ("none: all the data" when empty)."""
    parts = []
    if f.years:
        parts.append(_("Year: {years}").format(years=", ".join(schema.fy_label(y) for y in f.years)))
    if f.areas:
        parts.append(_("Nation or region: {areas}").format(areas=_listed(schema.AREAS.get(a, a) for a in f.areas)))
    for template, attribute, domain in _FILTER_WORDS:
        values = getattr(f, attribute)
        if values:
            parts.append(_(template).format(values=_listed(schema.LABELS[domain].get(v, v) for v in values)))
    if f.schemes:
        parts.append(_("Scheme: {schemes}").format(schemes=", ".join(f.schemes)))  # ids: not words
    return "; ".join(parts) if parts else _("none: all the data")


def protection_text(exact: bool, scope: Scope) -> str:
    """The disclosure control the figures went through (kpi.metrics.disclosure), as the viewer's scope got them."""
    if exact:
        return _("none: exact figures (no perturbation, suppression or rounding) for {who}; not for sharing outside "
                 "the people allowed to see them").format(who=scope.describe())
    return _("{note}: every count is perturbed (cell key method); a row with fewer answers than its indicator's "
             "minimum (at least {minimum}) is suppressed (value, interval and counts left blank, see Value note); "
             "values are rounded to the precision shown on screen").format(
        note=_(disclosure.PROTECTION_NOTE), minimum=disclosure.MIN_DENOMINATOR)


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
    """(code, name, type) of the place a table without an area column is about, in words of the current language."""
    if not f.areas:
        return UK[0], _(UK[1]), _("Country")
    if set(f.areas) == set(schema.ENGLISH_REGIONS):
        return ENGLAND[0], _(ENGLAND[1]), _("Country")
    if len(f.areas) == 1:
        code = f.areas[0]
        return code, _(schema.AREAS.get(code, code)), _("Region") if code.startswith("E12") else _("Nation")
    return "; ".join(f.areas), "; ".join(_(schema.AREAS.get(a, a)) for a in f.areas), _("Areas")


def _value_notes(table: pd.DataFrame) -> list[str]:
    if "suppressed" not in table.columns or "metric_id" not in table.columns:
        return [""] * len(table)
    notes = []
    for mid, hidden in zip(table["metric_id"], table["suppressed"].fillna(False)):
        if not hidden:
            notes.append("")
            continue
        k = registry.get(mid)
        n = max(k.min_n, disclosure.MIN_DENOMINATOR)
        notes.append(_("suppressed: fewer than {n} people").format(n=n) if k.table == "people_supported" else
                     _("suppressed: fewer than {n} answers").format(n=n))
    return notes


def _titles(t: pd.DataFrame) -> pd.Series:
    """Each row's KHI title in the current language (the registry's), whatever language the table was made in."""
    if i18n.lang() == i18n.DEFAULT or "metric_id" not in t.columns:
        return t["metric_title"]
    known = t["metric_id"].map(lambda m: registry.get(m).title if m in registry.BY_ID else None)
    return known.where(known.notna(), words(t["metric_title"]))


@_in_its_language
def frame(table: pd.DataFrame, info: ExportInfo) -> pd.DataFrame:
    """The table under Fingertips-like column names (the one mapping, for the CSV and the XLSX alike), with its
    column names and words in the current language."""
    t = table.reset_index(drop=True)
    n = len(t)
    out: dict[str, object] = {}
    used = {c for c, instead in _SAID_OTHERWISE.items() if instead in t.columns}

    def take(col, name, said=None):
        if col in t.columns:
            out[name] = t[col] if said is None else said(t[col])
            used.add(col)

    take("metric_id", _("Indicator ID"))
    take("metric_title", _("Indicator Name"), lambda _col: _titles(t))
    if "year_label" in t.columns:
        take("year_label", _("Time period"))
    else:
        out[_("Time period")] = info.period
    if "scheme_id" in t.columns:
        take("scheme_id", _("Area Code"))
        take("scheme_name", _("Area Name"))  # a scheme's own name: free text, never translated
        out[_("Area Type")] = _("Scheme")
        take("area_code", _("Parent Code"))
        take("area_name", _("Parent Name"), words)
    elif "area_code" in t.columns:
        take("area_code", _("Area Code"))
        take("area_name", _("Area Name"), words)
        out[_("Area Type")] = words(pd.Series(np.where(t["area_code"].astype(str).str.startswith("E12"), "Region",
                                                       "Nation"), dtype=object))
    else:
        out[_("Area Code")], out[_("Area Name")], out[_("Area Type")] = _place(info.filters)
    for col, name in _CATEGORIES.items():
        take(col, _(name), words)
    out[_("Benchmark name")] = words(_benchmark_names(t))
    used.add("benchmark_name")
    take("benchmark", _("Benchmark value"))
    take("comparison", _("Compared with benchmark"), words)
    for col in ("recent_trend", "status"):
        if col in t.columns:
            take(col, _("Recent trend"), words)
            break
    take("numerator", _("Count"))
    take("denominator", _("Denominator"))
    take("value", _("Value"))
    level = _ci_level(_confidence(t))
    take("lower", _("Lower CI {level} limit").format(level=level))
    take("upper", _("Upper CI {level} limit").format(level=level))
    take("unit", _("Unit"), words)
    out[_("Value note")] = _value_notes(t)
    take("statistic", _("Statistic"), words)
    take("method", _("Method"), words)
    for col in t.columns:
        if col not in used:
            out[col] = t[col]
    return pd.DataFrame({k: (v if isinstance(v, pd.Series) else [v] * n if np.isscalar(v) else list(v))
                         for k, v in out.items()}, index=range(n))


def _either(names: Sequence[str]) -> str:
    """'England or UK' (each name in the current language)."""
    said = [_(x) for x in names]
    return functools.reduce(lambda a, b: _("{first} or {second}").format(first=a, second=b), said)


def _benchmark_text(table: pd.DataFrame) -> str:
    names = [x for x in dict.fromkeys(_benchmark_names(table.reset_index(drop=True))) if x]
    if not names:
        return _("none: these figures are not compared with a benchmark")
    if len(names) == 1:
        against = _("the same indicator for {place}").format(place=_(text.benchmark_phrase(names[0])))
    else:  # the rule of docs/statistics.md: each row names its own in the Benchmark name column
        against = _("each row against its own (England for an English region or scheme, the nation for a scheme in "
                    "Wales, Scotland or Northern Ireland, the UK for a nation), named in the Benchmark name column")
    return _("{benchmarks}: {against}, with the same other filters; better, similar or worse when the {level} "
             "confidence interval is wholly on the good side of the benchmark, includes it, or is wholly on the bad "
             "side").format(benchmarks=_either(names), against=against, level=_confidence(table))


def _figures_for(table: pd.DataFrame, info: ExportInfo) -> str:
    """Whose figures these are: protected figures that are not scheme-level are the public's, whoever reads them
    (a hub's regional table is the public one); otherwise the scope they were read with."""
    if info.exact:
        return _("{who} (exact)").format(who=info.scope.describe())
    if not Scope.scheme_level(breakdown(table), info.filters):
        return _("public (protected)")
    return _("{who} (protected)").format(who=info.scope.describe())


@_in_its_language
def metadata(table: pd.DataFrame, info: ExportInfo) -> list[tuple[str, str]]:
    """(field, value) for each of METADATA_FIELDS, in that order, both in the current language."""
    values = {
        "Title": info.title,
        "Source": _(text.source_of(table["metric_id"].unique() if "metric_id" in table.columns else ())),
        "Synthetic data": (_("yes: {notice}").format(notice=_(text.SYNTHETIC_NOTICE)) if info.synthetic
                           else _("no")),
        "Date made": info.made.isoformat(),
        "Store version": info.version,
        "Period": info.period,
        "Filters": filters_text(info.filters),
        "Benchmark": _benchmark_text(table),
        "Confidence level": _confidence(table),
        "Protection applied": protection_text(info.exact, info.scope),
        "Figures for": _figures_for(table, info),
        "Columns": _(_COLUMNS_NOTE),
    }
    # One line each, always: the metadata block keeps its fixed number of lines.
    return [(_(name), " ".join(str(values[name]).split())) for name in METADATA_FIELDS]


def _how_to_read() -> str:
    return _("metadata in the first {lines} lines (each starts with #); the table starts on line {first}: "
             "pandas.read_csv(path, skiprows={lines})").format(lines=METADATA_LINES, first=METADATA_LINES + 1)


@_in_its_language
def csv_text(table: pd.DataFrame, info: ExportInfo, shown: pd.DataFrame | None = None) -> str:
    """The CSV download: the metadata block, then the table in the one CSV rendering (`tables.to_csv`); `shown`: a
    table already in words for readers (the Regional growth page's) exported as it is, under the same metadata."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["# " + _("Key Human Indicators data export"), _how_to_read()])
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


@_in_its_language
def xlsx_bytes(table: pd.DataFrame, info: ExportInfo, shown: pd.DataFrame | None = None) -> bytes:
    """The XLSX download: a "Data" sheet (the same columns as the CSV) and a "Metadata" sheet."""
    from openpyxl import Workbook  # only when someone downloads a workbook

    data = neutralise_frame(frame(table, info) if shown is None else shown)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Data")
    _write_rows(sheet, [list(data.columns), *data.itertuples(index=False, name=None)])
    sheet.freeze_panes = "A2"
    meta = book.create_sheet(_("Metadata"))
    _write_rows(meta, [(_("Field"), _("Value")), *metadata(table, info)])
    meta.column_dimensions["A"].width, meta.column_dimensions["B"].width = 20, 120
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
