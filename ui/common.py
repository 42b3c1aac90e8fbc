"""The shared UI layer: one cached connection, cached KHI tables, the sidebar filters (kept in the URL), and the
blocks every page is built from (chart with table, CSV and footer; headline card; plain-English help).

Pages stay thin: they read widgets, call these functions and render. No SQL and no metric logic here either:
figures come from `kpi.metrics.api`, wording from `kpi.metrics.registry`, charts from `kpi.render.charts`.
"""

from __future__ import annotations

import functools

import datetime as dt
from typing import Iterable, Mapping, Sequence

import pandas as pd
import streamlit as st

from kpi.data import paths, schema, store
from kpi.metrics import api, disclosure, registry
from kpi.render import tables
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from kpi.data.queries import Filters

__all__ = [
    "Filters", "FILTER_NAMES", "PARAM_KEYS", "SOURCE", "GLOSSARY",
    "connection", "store_problem", "coverage", "available_years",
    "khi", "khi_tables", "headline", "trend", "funnel",
    "filters_sidebar", "current_filters", "period_label", "place_label",
    "chart_block", "table_block", "plain_table", "download_data", "footer_text",
    "sample_notice", "explain", "glossary", "metric_card", "negative_id", "through_app", "page_start", "khi_parts", "url_choice",
]

def page_start(title: str, show: Sequence[str] | None = None) -> Filters:
    """What every dashboard page does first: go through app.py, its title, the sample notice, the filters
    (`show`: which filters, default all)."""
    through_app()
    st.title(title)
    sample_notice()
    return filters_sidebar() if show is None else filters_sidebar(show=show)


def through_app() -> None:
    """Run every page through app.py's st.navigation, even on a fresh server's first request. Each page calls this
    first (at run time, not when this module is imported: a rerun raised inside an import fails the import for
    every session importing at that moment, which the load test caught).

    Because a pages/ folder sits beside app.py, Streamlit starts in its legacy multipage mode and, if the very first
    request is a deep link (/health), runs pages/health.py directly: no page config, no navigation, the file names
    in the sidebar. Calling st.navigation switches that mode off for the process, but app.py never ran. Switching
    it off here and rerunning sends that first request through app.py. (Streamlit 1.67 internals: checked, guarded.)
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    except ImportError:
        return
    if PagesManager.uses_pages_directory and get_script_run_ctx() is not None:
        PagesManager.uses_pages_directory = False
        st.rerun()


SOURCE = "Shared Lives Plus outcomes tool"
ENGLAND = "E92000001"  # a shortcut in the place picker: the nine English regions

# ---------------------------------------------------------------------------------------------------------------
# Plain-English help. One place for every explanation of jargon (short sentences, common words).

GLOSSARY: dict[str, str] = {
    "confidence interval": (
        "We asked some people, not everyone. So the true figure could be a bit higher or a bit lower. "
        "The 95% interval is the range where the true figure very likely is. A narrow range means we can be "
        "more sure."
    ),
    "n": (
        "n is the number of people who answered this question. More answers make the figure more certain."
    ),
    "significance": (
        "A change or a difference is 'significant' when it is too big to be down to chance. "
        "'No significant change' means the figure may have moved a little, but we cannot be sure it really changed."
    ),
    "benchmark": (
        "The benchmark is the figure we compare with, usually the figure for the whole country. "
        "'Better' or 'worse' means the area's range does not overlap the benchmark. 'Similar' means we cannot "
        "tell them apart."
    ),
    "suppressed": (
        f"'{SUPPRESSED_TEXT}' means fewer than {disclosure.MIN_DENOMINATOR} people answered. We do not show "
        "these figures. This keeps people from being recognised, and small numbers can mislead. Counts are "
        "rounded to the nearest 5 for the same reason."
    ),
    "median": (
        "The median is the middle number. Half of people have fewer, half have more."
    ),
    "denominator": "The denominator is the 'out of' number: everyone we count from, like all who answered.",
    "percentage points": (
        "Percentage points are the gap between two percentages. Going from 80% to 85% is 5 percentage points."
    ),
    "net impact": (
        "Net impact is the percentage who said support made things better, take away the percentage who said "
        "it made things worse."
    ),
    "funnel plot": (
        "A funnel plot shows each scheme as a dot. Small schemes sit on the left, big ones on the right. "
        "The funnel lines show how far a scheme can be from the national figure by chance. Dots outside the "
        "funnel are unusual."
    ),
    "distance travelled": (
        "Distance travelled compares the same people's first answer with their latest answer. "
        "It shows whether things changed for them over time."
    ),
}


def glossary(term: str) -> str:
    """The plain-English explanation of a term (for `help=` tooltips)."""
    return GLOSSARY[term]


def explain(term: str, *, label: str | None = None) -> None:
    """A small expander explaining one term in plain words."""
    with st.expander(label or f"What does “{term}” mean?", icon=":material/help:"):
        st.markdown(GLOSSARY[term])


@st.cache_resource(show_spinner=False)
def favicon():
    """A small person icon drawn here: a Material or emoji page icon makes the browser fetch it from Google's CDN,
    which fails offline (at a conference) and leaks a request."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((0, 0, 63, 63), fill=(0, 102, 110, 255))  # the theme's primary teal
    draw.ellipse((24, 10, 40, 26), fill="white")
    draw.rounded_rectangle((18, 29, 46, 56), radius=10, fill="white")
    return img


# ---------------------------------------------------------------------------------------------------------------
# Store, connection and cached results


def _store_key() -> tuple[str, int]:
    """(data dir, manifest version): every cache is keyed on it, so a new ingest is picked up at once."""
    root = paths.data_dir()
    try:  # a stat per call; the manifest is parsed again only when it changes
        changed = (root / store.MANIFEST).stat().st_mtime_ns
    except OSError:
        changed = 0
    return str(root), _manifest_version(str(root), changed)


@functools.lru_cache(maxsize=8)
def _manifest_version(root: str, changed: int) -> int:
    return store.read_manifest(root).version


def store_problem() -> str | None:
    """Why the store cannot be read, in a sentence (None when it is fine)."""
    root = paths.data_dir()
    try:
        store.require_store(root)
        connection()
    except store.StoreError as exc:
        return str(exc)
    except Exception as exc:  # a damaged Parquet file: say so rather than show a traceback
        return f"{root}: the data store could not be opened ({type(exc).__name__}: {exc})"
    return None


@st.cache_resource(show_spinner=False, max_entries=4)
def _connect(root: str, version: int):
    return api.connect(root)


def connection():
    """The shared DuckDB connection (kpi.metrics.api runs each query on its own cursor, so sessions can share it)."""
    root, version = _store_key()
    return _connect(root, version)


def khi(metric_id: str, by: Sequence[str] | str = (), filters: Filters = Filters(),
        confidence: float = 0.95) -> pd.DataFrame:
    """`kpi.metrics.api.khi_table`, cached by its arguments and the store version (through the one khi_tables cache:
    khi_table is khi_tables of one KHI)."""
    return khi_tables((metric_id,), by, filters, confidence)


@st.cache_data(show_spinner=False, max_entries=2000)
def _khi_tables(metric_ids, by, filters, confidence, root, version, _con) -> pd.DataFrame:
    return api.khi_tables(list(metric_ids), by, filters, con=_con, confidence=confidence)


def khi_tables(metric_ids: Iterable[str], by: Sequence[str] | str = (), filters: Filters = Filters(),
               confidence: float = 0.95) -> pd.DataFrame:
    """Several KHIs stacked in one table: `kpi.metrics.api.khi_tables` (one query per aggregate), cached as one."""
    by = (by,) if isinstance(by, str) else tuple(by)
    root, version = _store_key()
    return _khi_tables(tuple(metric_ids), by, filters, confidence, root, version, connection())


def url_choice(param: str, options: Mapping[str, str], default: str, widget, label: str, *, key: str,
               **kw) -> str:
    """A page's own choice (a widget over `options`, code -> label) whose value lives in the URL (`?param=value`),
    so a copied link reopens the same view.

    A value the page does not know is ignored with a short notice. The value is kept across page switches (which
    empty the URL) and written back.
    """
    memo = f"_{key}"
    if key not in st.session_state:
        raw = st.query_params.get(param)
        if raw is not None and raw not in options:
            st.warning(f"Part of this link was not recognised and has been ignored: {param}={raw}.",
                       icon=":material/link_off:")
        st.session_state[key] = raw if raw in options else st.session_state.get(memo, default)
    value = widget(label, list(options), format_func=options.get, key=key, **kw)
    st.session_state[memo] = value
    if st.query_params.get(param) != value:
        st.query_params[param] = value
    return value


def khi_parts(metric_ids: Iterable[str], by: Sequence[str] | str = (), filters: Filters = Filters(),
              confidence: float = 0.95) -> dict[str, pd.DataFrame]:
    """Several KHIs fetched together (one cached call) but returned one table each, each equal to its khi()."""
    return api.split_by_metric(khi_tables(metric_ids, by, filters, confidence))


@st.cache_data(show_spinner=False, max_entries=500)
def _headline(ids, filters, root, version, _con) -> pd.DataFrame:
    return api.headline(ids, filters, con=_con)


def headline(ids: Iterable[str], filters: Filters = Filters()) -> pd.DataFrame:
    """`kpi.metrics.api.headline`: latest year in view, the year before, the change and its significance."""
    root, version = _store_key()
    return _headline(tuple(ids), filters, root, version, connection())


@st.cache_data(show_spinner=False, max_entries=1000)
def _trend(metric_id, filters, root, version, _con):
    return api.trend(metric_id, filters, con=_con)


def trend(metric_id: str, filters: Filters = Filters()):
    """`kpi.metrics.api.trend`: (table by year, trend test result)."""
    root, version = _store_key()
    return _trend(metric_id, filters, root, version, connection())


@st.cache_data(show_spinner=False, max_entries=500)
def _funnel(metric_id, filters, root, version, _con) -> pd.DataFrame:
    return api.funnel(metric_id, filters, con=_con)


def funnel(metric_id: str, filters: Filters = Filters()) -> pd.DataFrame:
    """`kpi.metrics.api.funnel`: schemes with 95% and 99.8% funnel limits."""
    root, version = _store_key()
    return _funnel(metric_id, filters, root, version, connection())


@st.cache_data(show_spinner=False, max_entries=8)
def _coverage(root, version, _con) -> dict:
    return api.coverage(con=_con, data_dir=root)


def coverage() -> dict:
    """What the store holds and whether it is synthetic (`kpi.metrics.api.coverage`)."""
    root, version = _store_key()
    return _coverage(root, version, connection())


@st.cache_data(show_spinner=False, max_entries=8)
def _years(root, version, _con) -> list[int]:
    return api.years(con=_con)


def available_years() -> list[int]:
    root, version = _store_key()
    return _years(root, version, connection())


# ---------------------------------------------------------------------------------------------------------------
# Filters in the sidebar and the URL

FILTER_NAMES = ("period", "place", "programme", "arrangement", "age_band", "need")
# filter name -> query-parameter key (repeated keys hold several values)
PARAM_KEYS = {"period": "year", "place": "area", "programme": "programme", "arrangement": "arrangement",
              "age_band": "age", "need": "need"}
_LABELS = {"period": "Period (financial year)", "place": "Nation or region", "programme": "Programme",
           "arrangement": "Arrangement", "age_band": "Age band", "need": "Primary need"}
_PLACEHOLDERS = {"period": "All years", "place": "All of the UK", "programme": "Both programmes",
                 "arrangement": "All arrangements", "age_band": "All ages", "need": "All needs"}
_STATE = "_khi_filters"  # filter name -> list of chosen values (survives page switches)
_URL_SEEN = "_khi_url"  # the query params as we last wrote them


def _options(name: str) -> dict:
    """value -> label for one filter, in the order people expect."""
    if name == "period":
        return {y: schema.fy_label(y) for y in available_years()}
    if name == "place":
        return {ENGLAND: "England (all nine regions)", **schema.AREAS}
    domain = {"programme": "programme", "arrangement": "arrangement", "age_band": "age_band",
              "need": "primary_need"}[name]
    return dict(schema.LABELS[domain])


def _to_param(name: str, value) -> str:
    return schema.fy_label(value) if name == "period" else str(value)


def _from_param(name: str, raw: str, options: Mapping):
    """A URL value -> the option it names, or None when it names nothing we know."""
    if name == "period":
        year = schema.parse_fy_label(raw)
        return year if year in options else None
    if raw in options:
        return raw
    # Be forgiving of hand-typed labels ("North West", "Live-in"): match on the label too.
    by_label = {str(label).casefold(): value for value, label in options.items()}
    return by_label.get(raw.strip().casefold())


def _read_url(names: Sequence[str]) -> tuple[dict[str, list], list[str]]:
    chosen, rejected = {}, []
    for name in names:
        key, options = PARAM_KEYS[name], _options(name)
        values = []
        for raw in st.query_params.get_all(key):
            value = _from_param(name, raw, options)
            if value is None:
                rejected.append(f"{key}={raw}")
            elif value not in values:
                values.append(value)
        chosen[name] = values
    return chosen, rejected


def _url_snapshot() -> dict[str, list[str]]:
    return {key: list(st.query_params.get_all(key)) for key in PARAM_KEYS.values()}


def _remember(name: str) -> None:
    st.session_state[_STATE][name] = list(st.session_state[f"khi_filter_{name}"])


def _clear_filters() -> None:
    st.session_state[_STATE] = {name: [] for name in FILTER_NAMES}
    for name in FILTER_NAMES:
        st.session_state[f"khi_filter_{name}"] = []


def filters_sidebar(show: Sequence[str] = FILTER_NAMES) -> Filters:
    """Sidebar widgets for the chosen filters, kept in the URL so a copied link reopens the same view.

    Query parameters: year (e.g. 2019-20), area (GSS code; E92000001 = the nine English regions), programme,
    arrangement, age, need; repeat a key for several values. Values we do not recognise are dropped with a short
    warning. Filters a page does not show are kept for other pages but not applied on this one.
    """
    unknown = [s for s in show if s not in FILTER_NAMES]
    if unknown:
        raise ValueError(f"unknown filter(s) {unknown}; choose from {FILTER_NAMES}")
    state: dict[str, list] = st.session_state.setdefault(_STATE, {name: [] for name in FILTER_NAMES})
    url = _url_snapshot()
    # A link opened (first run) or the URL changed under us: the URL wins. A page switch empties the URL; then
    # the filters already chosen in this session stay and are written back below.
    if _URL_SEEN not in st.session_state or (any(url.values()) and url != st.session_state[_URL_SEEN]):
        chosen, rejected = _read_url(FILTER_NAMES)
        state.update(chosen)
        if rejected:
            st.warning("Part of this link was not recognised and has been ignored: " + ", ".join(rejected) + ".",
                       icon=":material/link_off:")

    if show:
        with st.sidebar:
            st.header("Filters")
            for name in show:
                key = f"khi_filter_{name}"
                options = _options(name)
                # Streamlit forgets widget values on a page switch; the session's own copy puts them back. User
                # changes reach that copy first, through on_change, so this never undoes them.
                st.session_state[key] = [v for v in state.get(name, []) if v in options]
                st.multiselect(_LABELS[name], list(options), format_func=options.get, key=key,
                               placeholder=_PLACEHOLDERS[name], on_change=_remember, args=(name,))
            st.button("Clear filters", on_click=_clear_filters, icon=":material/filter_alt_off:", width="stretch")

    for name in show:
        key = PARAM_KEYS[name]
        values = [_to_param(name, v) for v in state[name]]
        if values:
            if st.query_params.get_all(key) != values:
                st.query_params[key] = values
        elif key in st.query_params:
            del st.query_params[key]
    st.session_state[_URL_SEEN] = _url_snapshot()

    f = _filters_from(state, show)
    st.session_state["_khi_view"] = f
    return f


def _filters_from(state: Mapping[str, list], show: Sequence[str]) -> Filters:
    def chosen(name):
        return tuple(state.get(name, [])) if name in show else ()

    areas = []
    for a in chosen("place"):
        for code in (schema.ENGLISH_REGIONS if a == ENGLAND else (a,)):
            if code not in areas:
                areas.append(code)
    return Filters(years=tuple(sorted(chosen("period"))), areas=tuple(sorted(areas)),
                   programmes=chosen("programme"), arrangements=chosen("arrangement"),
                   age_bands=chosen("age_band"), needs=chosen("need"))


def current_filters() -> Filters:
    """The filters the page set with filters_sidebar() on this run (all data if none)."""
    return st.session_state.get("_khi_view", Filters())


def period_label(f: Filters | None = None) -> str:
    """'2019-20', '2018-19 to 2020-21', or the whole span of the data."""
    f = current_filters() if f is None else f
    years = sorted(f.years) or available_years()
    if not years:
        return "no years"
    if len(years) == 1:
        return schema.fy_label(years[0])
    if years == list(range(years[0], years[-1] + 1)):
        return f"{schema.fy_label(years[0])} to {schema.fy_label(years[-1])}"
    return ", ".join(schema.fy_label(y) for y in years)


def place_label(f: Filters | None = None) -> str:
    """'North West', 'England', 'Wales and Scotland' or 'the UK'."""
    f = current_filters() if f is None else f
    if not f.areas:
        return "the UK"
    if set(f.areas) == set(schema.ENGLISH_REGIONS):
        return "England"
    names = [schema.AREAS[a] for a in f.areas]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# ---------------------------------------------------------------------------------------------------------------
# Charts, tables, downloads


_LABEL_COLUMNS = {"metric_title": "Measure", "scheme_name": "Scheme", "area_name": "Area", "year_label": "Year",
                  "programme_label": "Programme", "arrangement_label": "Arrangement",
                  "age_band_label": "Age band", "primary_need_label": "Primary need"}


def download_data(table: pd.DataFrame) -> str:
    """What "Download CSV" gives: the shown table in the CLI's one CSV rendering (`python -m kpi table`)."""
    return tables.to_csv(table)


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
        figure.append(SUPPRESSED_TEXT if hidden else registry.format_value(k, _num(row["value"])))
        lo, hi = _num(row.get("lower")), _num(row.get("upper"))
        interval.append("" if hidden or lo is None or hi is None
                        else f"{registry.format_value(k, lo)} to {registry.format_value(k, hi)}")
        den = _num(row.get("denominator"))
        n.append("" if hidden or den is None or k.table == "people_supported" else f"{den:,.0f}")
        compared.append("" if row.get("comparison") in (None, "not compared") else str(row["comparison"]))
    out["Figure"] = figure
    out[f"{_confidence(table)} interval"] = interval
    out["Number of answers (n)"] = n
    if any(compared):
        out["Compared with the benchmark"] = compared
    if "status" in table.columns:
        out["Growing, flat or falling"] = table["status"].fillna("").astype(str).to_numpy()
    return out.reset_index(drop=True)


def _num(x) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if x != x else x


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
        return bool(coverage().get("synthetic"))
    except Exception:  # the footer must never break a page
        return False


def footer_text(table: pd.DataFrame, period: str | None = None) -> str:
    """Source and period, date made, n, the interval level, and the synthetic-data notice when it applies."""
    parts = [f"Source: {SOURCE}, {period or period_label()}", f"Made {dt.date.today():%d %B %Y}"]
    n = _answers(table)
    if n:
        parts.append(n)
    parts.append(f"{_confidence(table)} confidence intervals")
    if _is_synthetic():
        parts.append("Synthetic sample data — not real people")
    return ". ".join(parts) + "."


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
    left.download_button("Download CSV", data=download_data(table), file_name=filename, mime="text/csv",
                         on_click="ignore", key=f"{key}-csv", icon=":material/download:")
    right.caption(footer_text(table, period))


def sample_notice() -> None:
    """A banner on every page when the data is synthetic."""
    info = coverage()
    if info.get("synthetic"):
        st.info("**This is sample data, made up for testing. It is not about real people.** "
                + (info.get("note") or ""), icon=":material/science:")


# ---------------------------------------------------------------------------------------------------------------
# Headline card

def negative_id(metric_id: str) -> str | None:
    """The KHI that shows harm beside a positive one (so harm is never hidden), or None: the registry's harm pair."""
    return registry.harm_of(metric_id)


def _change_words(row: Mapping) -> str:
    k = registry.get(row["metric_id"])
    change = _num(row.get("change"))
    year = str(row.get("year_label", ""))
    prev_year = schema.fy_label(int(row["year"]) - 1) if row.get("year") is not None else "the year before"
    if bool(row.get("suppressed")) or change is None:
        return f"No comparison with {prev_year}: too few answers in one of the years."
    unit = "percentage points" if k.unit in ("%", "percentage points") else k.unit
    size = f"{abs(change):.1f} {unit}"
    direction = "up" if change > 0 else "down" if change < 0 else "no change"
    significance = str(row.get("change_significance", ""))
    words = {"significantly better": "a real improvement (significant)",
             "significantly worse": "a real worsening (significant)",
             "significantly higher": "a real rise (significant)",
             "significantly lower": "a real fall (significant)",
             "no significant change": "not a significant change",
             "not tested": "not tested for significance"}.get(significance, significance)
    head = f"{direction} {size}" if change else "no change"
    return f"{year} compared with {prev_year}: {head}, {words}."


def _figure_lines(row: Mapping) -> str:
    k = registry.get(row["metric_id"])
    if bool(row.get("suppressed")):
        return SUPPRESSED_TEXT
    lo, hi, n = _num(row.get("lower")), _num(row.get("upper")), _num(row.get("denominator"))
    parts = []
    if n is not None:
        parts.append(f"n = {n:,.0f}")
    if lo is not None and hi is not None:
        parts.append(f"95% interval {registry.format_value(k, lo)} to {registry.format_value(k, hi)}")
    return " · ".join(parts)


def _figure(row: Mapping) -> None:
    k = registry.get(row["metric_id"])
    hidden = bool(row.get("suppressed"))
    # The title as markdown above the figure: metric labels are cut off at one line, and titles are long.
    st.markdown(f"**{k.title}**", help=k.explanation)
    points = " points" if k.unit == "percentage points" else ""
    st.metric(k.title, SUPPRESSED_TEXT if hidden else registry.format_value(k, _num(row["value"])) + points,
              label_visibility="collapsed")
    st.caption(_figure_lines(row), help=glossary("confidence interval"))


def figure_card(row: Mapping, programmes: tuple[str, ...] = ()) -> None:
    """One KHI as a card: its title, the big figure, n and the 95% interval, and its plain-English sentence."""
    row = dict(row)
    k = registry.get(row["metric_id"])
    hidden = bool(row.get("suppressed"))
    with st.container(border=True):
        _figure(row)
        st.markdown(registry.sentence(k, None if hidden else _num(row["value"]), programmes=programmes))


def figure_cards(table: pd.DataFrame, *, key: str, filename: str, programmes: tuple[str, ...] = ()) -> None:
    """A row of figure cards, one per KHI in `table`, with the show-as-table toggle and CSV download under them."""
    for col, row in zip(st.columns(len(table)), table.to_dict("records")):
        with col:
            figure_card(row, programmes=programmes)
    table_block(table, key=key, filename=filename)


def metric_card(row: Mapping, negative: Mapping | None = None) -> None:
    """The headline card: the plain-English sentence, the big figure, n, the 95% interval, the change on the year
    before in words, and the harm figure beside it. Judgements are written out; colour never carries them alone."""
    row = dict(row)
    k = registry.get(row["metric_id"])
    hidden = bool(row.get("suppressed"))
    with st.container(border=True):
        st.markdown(f"##### {row.get('sentence') or registry.sentence(k, None if hidden else row['value'])}")
        cols = st.columns(2) if negative is not None else [st.container()]
        with cols[0]:
            _figure(row)
        if negative is not None:
            with cols[1]:
                _figure(dict(negative))
        st.markdown(_change_words(row), help=glossary("significance"))
