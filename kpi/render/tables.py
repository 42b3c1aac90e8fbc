"""Tables for readers: the one CSV rendering shared by `python -m kpi table` and the dashboard's downloads, and the
Regional growth page's reader tables (start, end, change, % change and intervals), in the reader's language.

Reader tables are built with English headers and code values (other code finds their columns by name), then put in
the reader's language as the last step (`for_readers`); English output is the table as built.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi import i18n
from kpi.data import schema
from kpi.data.spreadsheet import neutralise_frame
from kpi.i18n import N_, _
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from kpi.render import places
from kpi.render.memo import remembered
from kpi.render.text import area_name, capitalised, word

__all__ = ["to_csv", "for_readers", "reader_table", "change_table", "english_change_table", "HEADERS"]


@remembered
def to_csv(table) -> str:
    """The one CSV rendering: the CLI and the dashboard's downloads both use it, so they match byte for byte.

    Text cells a spreadsheet would run as a formula are neutralised (`kpi.data.spreadsheet`).
    """
    return neutralise_frame(table).to_csv(index=False, float_format="%.6f", lineterminator="\n")


# The reader tables' headers, marked for translation (`for_readers` translates them).
HEADERS = (N_("Programme"), N_("Area"), N_("Place"), N_("Year"), N_("Arrangement"), N_("From"), N_("To"),
           N_("People at the start"), N_("People at the end"), N_("Change"), N_("% change"),
           N_("Growing, flat or falling"), N_("Share of the increase (%)"), N_("People supported"),
           N_("Population year"), N_("People per 100,000 population"), N_("Benchmark"),
           N_("Compared with the benchmark"), N_("Note"))


def for_readers(table: pd.DataFrame) -> pd.DataFrame:
    """A reader table (English headers and code values, as built) in the reader's language: headers, places,
    programme and arrangement names, growth status and comparison words, notes. In English, the table itself."""
    if not i18n.welsh():
        return table
    out = table.copy()
    for col in out.columns:
        if col in ("Growing, flat or falling", "Compared with the benchmark"):
            out[col] = out[col].map(lambda v: word(v) if isinstance(v, str) else v)
        elif col in ("Area", "Place"):
            out[col] = out[col].map(lambda v: capitalised(area_name(v)) if isinstance(v, str) else v)
        elif col in ("Programme", "Arrangement", "Note"):
            out[col] = out[col].map(lambda v: _(v) if isinstance(v, str) and v else v)
    return out.rename(columns={c: _(c) for c in out.columns if isinstance(c, str)})


# ---------------------------------------------------------------------------------------------------------------
# Tables a reader understands (the page's "Show as table" and CSVs): start, end, change, % change and intervals,
# not the KHI tables' internal columns (a net change's "denominator" is start + end, used only for suppression).

_LABELS = (("programme_label", "Programme"), ("area_name", "Area"), ("year_label", "Year"),
           ("arrangement_label", "Arrangement"))
_CHANGE_KINDS = ("net_change", "growth_pct", "growth_share")
_COMPARED = ("Benchmark", "Compared with the benchmark")


def _limits(table: pd.DataFrame, what: str) -> tuple[str, str]:
    level = str(table["confidence"].iloc[0]) if "confidence" in table and len(table) else "95%"
    return (_("{what}: lower {level} limit").format(what=_(what), level=level),
            _("{what}: upper {level} limit").format(what=_(what), level=level))


def _year(values) -> list[str]:
    return [schema.fy_label(int(v)) if pd.notna(v) else "" for v in values]


def reader_table(table: pd.DataFrame) -> pd.DataFrame:
    """`_reader_table` in the reader's language (`for_readers`)."""
    return for_readers(_reader_table(table))


@remembered
def _reader_table(table: pd.DataFrame) -> pd.DataFrame:
    """One growth KHI's table (kpi.metrics.api, as the viewer may see it) with the columns a reader understands.

    Change KHIs: From, To, People at the start, People at the end, Change, then their own figure and its interval
    (% change, share of the increase); counts: the figure and its interval. A hidden row keeps its place and says
    why in "Note"; its figures stay empty.
    """
    k = places.khi_of(table)
    if k is None or k.table != "people_supported":
        raise ValueError("reader_table takes a growth KHI's table (people_supported, net change, % growth...)")
    out = pd.DataFrame({name: table[col].to_numpy() for col, name in _LABELS if col in table})
    if k.kind in _CHANGE_KINDS:
        out["From"], out["To"] = _year(table["period_start"]), _year(table["period_end"])
        # An empty table (no scheme of a programme in a place) comes without the count columns.
        start, end = (pd.to_numeric(table[c], errors="coerce").to_numpy(float) if c in table
                      else np.full(len(table), np.nan) for c in ("people_start", "people_end"))
        out["People at the start"], out["People at the end"] = start, end
        out["Change"] = end - start
    elif "year_label" not in table and "period_end" in table:
        out["Year"] = _year(table["period_end"])
    value, lower, upper = (table[c].to_numpy(float) for c in ("value", "lower", "upper"))
    if k.kind == "net_change":
        out[_limits(table, "Change")[0]], out[_limits(table, "Change")[1]] = lower, upper
    elif k.kind == "growth_pct":
        lo, hi = _limits(table, "% change")
        out["% change"], out[lo], out[hi] = value, lower, upper
        out["Growing, flat or falling"] = table["status"].to_numpy()
    elif k.kind == "growth_share":
        out["Share of the increase (%)"] = value
    elif k.kind == "per_100k":
        lo, hi = _limits(table, N_("Per 100,000"))
        out["People supported"], out["Population year"] = table["people_end"].to_numpy(), table["population_year"]
        out["People per 100,000 population"], out[lo], out[hi] = value, lower, upper
    else:  # people supported
        lo, hi = _limits(table, "People supported")
        out["People supported"], out[lo], out[hi] = value, lower, upper
    if "comparison" in table and (table["comparison"] != "not compared").any():  # as plain tables say it
        out[_COMPARED[0]], out[_COMPARED[1]] = table["benchmark"].to_numpy(float), table["comparison"].to_numpy()
    for col in out.columns:  # a rounded -0.0 reads as a fall: it is no change
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col] + 0.0
    hidden = places.suppressed(table).to_numpy()
    out["Note"] = np.where(hidden, SUPPRESSED_TEXT, "")
    if "area_code" in table:  # places in their usual order (England's regions, then Wales, Scotland, NI)
        order = table["area_code"].map({code: i for i, code in enumerate(schema.AREAS)}).to_numpy()
        out = out.iloc[np.argsort(order, kind="stable")]
    return out.reset_index(drop=True)


def change_table(pct: pd.DataFrame, net: pd.DataFrame, place: str | None = None) -> pd.DataFrame:
    """`english_change_table` in the reader's language (`for_readers`)."""
    return for_readers(english_change_table(pct, net, place))


def english_change_table(pct: pd.DataFrame, net: pd.DataFrame, place: str | None = None) -> pd.DataFrame:
    """Start, end, change with its interval, % change with its interval and the growth status, one row per place:
    the growth (% change) and net change tables of the same places merged. `place` names a one-row total."""
    a, b = _reader_table(net).copy(), _reader_table(pct)  # remembered outputs are shared: never changed in place
    if place is not None:
        a.insert(0, "Area", place)
    # The benchmark comparison is left out: the totals are the whole story here, not areas set against the UK.
    extra = [c for c in b.columns if (c not in a.columns or c == "Note") and c not in _COMPARED]
    out = pd.concat([a.drop(columns="Note"), b[extra].reset_index(drop=True)], axis=1)
    # A row is hidden when either figure is (the note says so once).
    out["Note"] = np.where((a["Note"] != "") | (b["Note"] != ""), SUPPRESSED_TEXT, "")
    return out.rename(columns={"Area": "Place"})
