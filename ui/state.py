"""Filters and URL state: the sidebar filters, a page's own choices, and the one code that reads and writes the
query parameters (so a copied link reopens the same view, and an unrecognised part of it is reported, not obeyed).
"""

from __future__ import annotations

import urllib.parse
from typing import Callable, Mapping, Sequence
from urllib.parse import urlencode

import streamlit as st

from kpi.data import schema
from kpi.data.queries import Filters
from kpi import i18n
from kpi.i18n import N_, _
from kpi.render import text
from ui import data

ENGLAND = schema.ENGLAND  # a shortcut in the place picker: the nine English regions
# The benchmark choice (Filters.benchmark), offered where places are compared, kept in the URL as `bench`.
BENCHMARK_LABELS = {"auto": N_("England for English areas, the nation for the others"),
                    "uk": N_("The whole UK for every area")}


def benchmark_labels() -> dict[str, str]:
    """BENCHMARK_LABELS in the page's language (the options of a url_choice)."""
    return {code: _(label) for code, label in BENCHMARK_LABELS.items()}


def benchmark_name(name: str) -> str:
    """A benchmark's name as tables hold it (schema.BENCHMARK_NAMES: "England", "UK"...) in the page's language."""
    code = next((c for c, n in schema.BENCHMARK_NAMES.items() if n == name), None)
    if code == schema.UK:
        return _("UK")
    return area_label(code) if code else name


def area_label(code: str) -> str:
    """An area's name (GSS code) in the page's language: the one place pages name an area, so a Welsh name list
    elsewhere can be plugged in here."""
    if code == ENGLAND:
        return _("England")
    return _(schema.AREAS.get(code, code))


# ---------------------------------------------------------------------------------------------------------------
# Query parameters


def read_params(key: str, parse: Callable[[str], object], *, single: bool = False) -> tuple[list, list[str]]:
    """The values of query parameter `key` that `parse` recognises (it returns None for the others), in order and
    without repeats, and the rejected ones as 'key=value'. `single`: only the last value counts, as in a
    one-value parameter."""
    raws = st.query_params.get_all(key)
    values, rejected = [], []
    for raw in raws[-1:] if single else raws:
        value = parse(raw)
        if value is None:
            rejected.append(f"{key}={raw}")
        elif value not in values:
            values.append(value)
    return values, rejected


def write_params(wanted: Mapping[str, Sequence[str]]) -> None:
    """Set each key to its values (an empty list removes the key); keys already right are left alone."""
    for key, values in wanted.items():
        values = list(values)
        if values:
            if st.query_params.get_all(key) != values:
                st.query_params[key] = values
        elif key in st.query_params:
            del st.query_params[key]


def warn_unrecognised(rejected: Sequence[str]) -> None:
    """The one notice for parts of a link we ignored (nothing when there are none)."""
    if rejected:
        st.warning(_("Part of this link was not recognised and has been ignored: {parts}.").format(
                   parts=", ".join(rejected)),
                   icon=":material/link_off:")


def url_choice(param: str, options: Mapping[str, str], default: str, widget, label: str, *, key: str,
               **kw) -> str:
    """A page's own choice (a widget over `options`, code -> label) whose value lives in the URL (`?param=value`),
    so a copied link reopens the same view.

    A value the page does not know is ignored with a short notice. The value is kept across page switches (which
    empty the URL) and written back. `options` labels and `label` are shown as given (the caller translates them).
    """
    memo = f"_{key}"
    if key not in st.session_state:
        chosen, rejected = read_params(param, lambda raw: raw if raw in options else None, single=True)
        warn_unrecognised(rejected)
        st.session_state[key] = chosen[0] if chosen else st.session_state.get(memo, default)
    value = widget(label, list(options), format_func=options.get, key=key, **kw)
    st.session_state[memo] = value
    write_params({param: [value]})
    return value


def section_tabs(param: str, options: Mapping[str, str], *, key: str) -> tuple[str, dict]:
    """Tabs of which only the open one is built (st.tabs with a callback, so `.open` is known): a page's first view
    stays light and a section's figures and charts are made when someone opens it. Returns (the open tab's code,
    code -> tab container); the page builds only under the open one.

    `options`: code -> label (the caller translates). The open tab lives in the URL (`?param=code`, none for the
    first), so a copied link reopens it, in either language: the link holds the code, not the label.
    """
    memo = f"_{key}"
    chosen, rejected = read_params(param, lambda raw: raw if raw in options else None, single=True)
    warn_unrecognised(rejected)
    first = next(iter(options))
    code = chosen[0] if chosen else st.session_state.get(memo, first)
    st.session_state[key] = options[code]  # the tab's own state is its label, in the language shown now
    tabs = st.tabs(list(options.values()), key=key, on_change=_tab_opened,
                   args=(param, key, {label: c for c, label in options.items()}, first))
    st.session_state[memo] = code
    write_params({param: [] if code == first else [code]})
    return code, dict(zip(options, tabs))


def _tab_opened(param: str, key: str, codes: Mapping[str, str], first: str) -> None:
    code = codes.get(st.session_state.get(key), first)
    st.session_state[f"_{key}"] = code
    write_params({param: [] if code == first else [code]})


# ---------------------------------------------------------------------------------------------------------------
# Filters in the sidebar and the URL

FILTER_NAMES = ("period", "place", "programme", "arrangement", "age_band", "need")
# filter name -> query-parameter key (repeated keys hold several values)
PARAM_KEYS = {"period": "year", "place": "area", "programme": "programme", "arrangement": "arrangement",
              "age_band": "age", "need": "need"}
_LABELS = {"period": N_("Period (financial year)"), "place": N_("Nation or region"), "programme": N_("Programme"),
           "arrangement": N_("Arrangement"), "age_band": N_("Age band"), "need": N_("Primary need")}
_PLACEHOLDERS = {"period": N_("All years"), "place": N_("All of the UK"), "programme": N_("Both programmes"),
                 "arrangement": N_("All arrangements"), "age_band": N_("All ages"), "need": N_("All needs")}
ENGLAND_LABEL = N_("England (all nine regions)")
_STATE = "_khi_filters"  # filter name -> list of chosen values (survives page switches)
_URL_SEEN = "_khi_url"  # the query params as we last wrote them


def _options(name: str) -> dict:
    """value -> English label for one filter, in the order people expect (a hand-typed link may use a label)."""
    if name == "period":
        return {y: schema.fy_label(y) for y in data.available_years()}
    if name == "place":
        return {ENGLAND: ENGLAND_LABEL, **schema.AREAS}
    domain = {"programme": "programme", "arrangement": "arrangement", "age_band": "age_band",
              "need": "primary_need"}[name]
    return dict(schema.LABELS[domain])


def _shown(name: str, options: Mapping) -> Callable[[object], str]:
    """How a filter's option is shown: its label in the page's language."""
    if name == "period":
        return options.get
    if name == "place":
        return lambda code: _(ENGLAND_LABEL) if code == ENGLAND else area_label(code)
    return lambda value: _(options[value])


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
        options = _options(name)
        chosen[name], wrong = read_params(PARAM_KEYS[name], lambda raw: _from_param(name, raw, options))
        rejected += wrong
    return chosen, rejected


def _url_snapshot() -> dict[str, list[str]]:
    return {key: list(st.query_params.get_all(key)) for key in PARAM_KEYS.values()}


def _remember(name: str) -> None:
    st.session_state[_STATE][name] = _as_options(name, st.session_state[f"khi_filter_{name}"])


def _as_options(name: str, values) -> list:
    """A multiselect's values as the options they name. Streamlit sends a choice back as the label it showed and
    passes on a label it cannot match as the bare text (a label from before a language switch, or one formatted
    outside the session, as AppTest does): such a label is matched by its name in either language, else dropped."""
    options = _options(name)
    shown = _shown(name, options)
    by_label: dict = {}
    out = []
    for value in values:
        if value not in options and isinstance(value, str):
            if not by_label:  # only for a label, and once
                for language in i18n.LANGUAGES:
                    with i18n.using(language):
                        by_label.update({str(shown(o)): o for o in options})
            value = by_label[value] if value in by_label else _from_param(name, value, options)
        if value in options and value not in out:
            out.append(value)
    return out


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
        warn_unrecognised(rejected)

    if show:
        with st.sidebar:
            st.header(_("Filters"))
            for name in show:
                key = f"khi_filter_{name}"
                options = _options(name)
                # Streamlit forgets widget values on a page switch; the session's own copy puts them back. User
                # changes reach that copy first, through on_change, so this never undoes them.
                st.session_state[key] = [v for v in state.get(name, []) if v in options]
                st.multiselect(_(_LABELS[name]), list(options), format_func=_shown(name, options), key=key,
                               placeholder=_(_PLACEHOLDERS[name]), on_change=_remember, args=(name,))
            st.button(_("Clear filters"), on_click=_clear_filters, icon=":material/filter_alt_off:", width="stretch")

    write_params({PARAM_KEYS[name]: [_to_param(name, v) for v in state[name]] for name in show})
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


def view_link(url_path: str, **choices: str) -> str:
    """A relative link to another page (its url path, e.g. "compare") on this view: the filters as the URL carries
    them (as filters_sidebar wrote them), with that page's own `choices` set over them (metric=..., area=...), and
    the page's language."""
    params = {key: values for key, values in _url_snapshot().items() if values}
    params.update({key: [value] for key, value in choices.items()})
    params.update({key: [value] for key, value in _lang_param()})
    return f"{url_path}?{urllib.parse.urlencode(params, doseq=True)}"


def _lang_param() -> list[tuple[str, str]]:
    """("lang", code) for a link made on a page not in the default language (the URL's, as ui.lang wrote it), so
    the page it opens speaks the same language; nothing on an English page (its links stay as they were)."""
    code = i18n.parse(st.query_params.get("lang")) or i18n.lang()
    return [] if code == i18n.DEFAULT else [("lang", code)]


def current_filters() -> Filters:
    """The filters the page set with filters_sidebar() on this run (all data if none)."""
    return st.session_state.get("_khi_view", Filters())


def period_label(f: Filters | None = None) -> str:
    """'2019-20', '2018-19 to 2020-21', or the whole span of the data."""
    f = current_filters() if f is None else f
    return text.period_text(f.years or data.available_years())


def place_label(f: Filters | None = None) -> str:
    """'North West', 'England', 'Wales and Scotland' or 'the UK'."""
    f = current_filters() if f is None else f
    if not f.areas:
        return _("the UK")
    if set(f.areas) == set(schema.ENGLISH_REGIONS):
        return _("England")
    names = [area_label(a) for a in f.areas]
    if len(names) == 1:
        return names[0]
    return _("{names} and {last}").format(names=", ".join(names[:-1]), last=names[-1])


def compare_link(metric_id: str, level: str, areas: Sequence[str], f: Filters) -> str:
    """The Compare page's link for one KHI and place level, narrowed to `areas`, with the other filters and the
    benchmark of `f`: the detail behind a cell of the area profile."""
    params = [("metric", metric_id), ("level", level), ("bench", f.benchmark)]
    params += [(PARAM_KEYS["period"], schema.fy_label(y)) for y in f.years]
    params += [(PARAM_KEYS["place"], a) for a in areas]
    for name, values in (("programme", f.programmes), ("arrangement", f.arrangements), ("age_band", f.age_bands),
                         ("need", f.needs)):
        params += [(PARAM_KEYS[name], v) for v in values]
    return "compare?" + urlencode(params + _lang_param())
