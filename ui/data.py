"""Cached data access: one shared DuckDB connection and cached `kpi.metrics.api` calls, all keyed on the store.

Every cache (ui.cache: shared by the sessions of a process, and by the workers of the stack) is keyed on
`store_key()` (data dir, manifest version), so a new ingest is picked up at once. Calls go
through the `api` module attribute (`api.khi_tables(...)`), so perf/bench's wrappers see every call.

A cache whose result holds words (titles, names, labels, sentences) also takes the language (`lang`, last, so
nothing cached in one language shows in the other) and computes inside `i18n.using(lang)`.

Every wrapper that returns figures or schemes takes the viewer's `scope` (kpi.metrics.scope.Scope) as a required
keyword and passes it to the api, which narrows or refuses the request (ScopeError); the scope is part of each cache
key, so two viewers never share a cached result. `viewer_scope()` is the one place pages get it from.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import urllib.parse
from typing import Iterable, Sequence

import pandas as pd
import streamlit as st

from kpi.data import audit, journal, paths, schema, store, users
from kpi.data.queries import Filters
from kpi import i18n
from kpi.i18n import _
from kpi.metrics import access, api
from kpi.metrics.scope import Scope
from kpi.render import text
from kpi.render import growth as growth_render
from ui import auth, cache, per_run

# Sign-in off and the store synthetic (the bundled sample, a demo): everyone may see every scheme's protected
# figures, and the banner says the data is made up and that sign-in is off.
_ALL_SCHEMES_PROTECTED = Scope.hub(*schema.AREAS)


@per_run.once
def viewer_scope(*, schemes: bool = False) -> Scope:
    """The scope this session reads with, decided here on the server, never by hiding a widget.

    - Sign-in configured: the signed-in person's row in the roles table (by verified e-mail, else subject); signed
      out, expired or not in the table: the public.
    - Sign-in off: the public — except on a synthetic store, where views about schemes (`schemes=True`) show every
      scheme's protected figures, as the demo always has.
    """
    if auth.configured():
        who = auth.identity()
        if who is None:
            return Scope.public()
        return access.scope_for(users.Identity(email=who.email, subject=who.subject), folder=access_folder())
    if schemes and store_info().get("synthetic"):
        return _ALL_SCHEMES_PROTECTED
    return Scope.public()


def access_folder():
    """The roles table's folder for this store, or None (then everyone is public: no table, no rights)."""
    try:
        return paths.access_dir()
    except paths.AccessDirError:
        return None


def audit_view(scope: Scope, metric, by=(), filters: Filters = Filters(), action: str = "view") -> None:
    """Log a view (or download) of scheme-level or exact figures: who, when, what and which filters (kpi.data.audit).

    Once per session for the same request: a rerun of the same page is not a new view.
    """
    if not (auth.configured() and audit.needs_audit(scope, by, filters)):
        return
    folder = access_folder()
    seen = st.session_state.setdefault("_khi_audited", set())
    key = (action, tuple(metric) if not isinstance(metric, str) else metric, tuple(by), filters, scope)
    if folder is None or key in seen:
        return
    _record(folder, action, scope, metric, by, filters)
    seen.add(key)


def _record(folder, action: str, scope: Scope, metric, by, filters: Filters, fmt: str = "") -> None:
    """One audit record for the signed-in person, on the page being viewed."""
    audit.record(folder, action=action, **audit_entry(scope, metric, by, filters, fmt))


def audit_entry(scope: Scope, metric, by, filters: Filters, fmt: str = "") -> dict:
    """What an audit record says besides its folder and action: who (the signed-in person), the page being viewed,
    the KHIs, breakdown, filters, format and scope. Read in the page run, where the session is."""
    who = auth.identity()
    return {"who": who.label if who else "signed out", "page": _page(), "metric": metric, "by": by,
            "filters": filters, "fmt": fmt, "scope": scope}


def _page() -> str:
    """The page being viewed (its URL path), for the audit log."""
    try:
        return urllib.parse.urlsplit(st.context.url).path.strip("/").rsplit("/", 1)[-1] or "overview"
    except Exception:  # the audit line must never break a page
        return ""


LATEST_ROLES = frozenset({"scheme_manager", "hub", "analyst", "admin"})  # may see figures not yet published
_LATEST = "_khi_read_latest"  # this session reads the latest version (set by read_latest for those roles only)


@per_run.once  # a run reads one version, even if a commit lands during it
def versions() -> tuple[int, int | None]:
    """(the live version, the published version or None), re-read only when the manifest or the journal changes."""
    root = str(paths.data_dir())
    stamps = []
    for name in (store.MANIFEST, journal.LOG):  # a stat each: cheap, and a new commit or publication shows at once
        try:
            stamps.append(os.stat(os.path.join(root, name)).st_mtime_ns)
        except OSError:
            stamps.append(0)
    return _versions(root, tuple(stamps))


@functools.lru_cache(maxsize=8)
def _versions(root: str, stamps: tuple) -> tuple[int, int | None]:
    live = store.read_manifest(root)
    return live.version, store.published_version(root, live)


def read_latest(scope: Scope, wanted: bool) -> bool:
    """Set (for this session) whether it reads the latest version: only for LATEST_ROLES, and always when nothing
    is published yet (they see it labelled as unpublished). Returns what was set."""
    live, published = versions()
    latest = scope.role in LATEST_ROLES and (wanted or published is None)
    if st.session_state.get(_LATEST) != latest:
        per_run.forget()  # the version this run reads changed: what the run worked out from it goes
    st.session_state[_LATEST] = latest
    return latest


def store_key() -> tuple[str, int | None]:
    """(data dir, the version this session reads): every cache is keyed on it.

    The published version; the latest one for a session `read_latest` allowed; None when nothing is published and
    the session may not see unpublished figures (nav.page_start then says so and shows nothing else).
    """
    live, published = versions()
    return str(paths.data_dir()), live if st.session_state.get(_LATEST) else published


def store_problem() -> str | None:
    """Why the store cannot be read, in a sentence (None when it is fine)."""
    root = paths.data_dir()
    try:
        live = store.require_store(root)
        _connect(str(root), live.version)
    except store.StoreError as exc:
        return str(exc)
    except Exception as exc:  # a damaged Parquet file: say so rather than show a traceback
        return _("{folder}: the data store could not be opened ({error})").format(
            folder=root, error=f"{type(exc).__name__}: {exc}")
    return None


@functools.lru_cache(maxsize=4)  # not st.cache_resource: it hashed its arguments on each of ~50 calls a page view
def _connect(root: str, version: int):
    return api.connect(root, version)


def connection():
    """The shared DuckDB connection to the version this session reads (kpi.metrics.api runs each query on its own
    cursor, so sessions can share it)."""
    root, version = store_key()
    if version is None:
        raise store.StoreError("no version of the figures is published yet")
    return _connect(root, version)


def khi(metric_id: str, by: Sequence[str] | str = (), filters: Filters = Filters(), confidence: float = 0.95, *,
        scope: Scope) -> pd.DataFrame:
    """`kpi.metrics.api.khi_table`, cached by its arguments, the scope and the store version (through the one
    khi_tables cache: khi_table is khi_tables of one KHI)."""
    return khi_tables((metric_id,), by, filters, confidence, scope=scope)


@cache.shared(max_entries=2000)
def _khi_tables(metric_ids, by, filters, confidence, scope, root, version, _con, lang=i18n.DEFAULT) -> pd.DataFrame:
    with i18n.using(lang):
        return api.khi_tables(list(metric_ids), by, filters, scope=scope, con=_con, confidence=confidence)


def khi_tables(metric_ids: Iterable[str], by: Sequence[str] | str = (), filters: Filters = Filters(),
               confidence: float = 0.95, *, scope: Scope) -> pd.DataFrame:
    """Several KHIs stacked in one table: `kpi.metrics.api.khi_tables` (one query per aggregate), cached as one."""
    by = (by,) if isinstance(by, str) else tuple(by)
    root, version = store_key()
    metric_ids = tuple(metric_ids)
    table = _khi_tables(metric_ids, by, filters, confidence, scope, root, version, connection(), i18n.lang())
    audit_view(scope, metric_ids, by, filters)
    return table


@cache.shared(max_entries=2000)
def _khi_parts(metric_ids, by, filters, confidence, scope, root, version, _con,
               lang=i18n.DEFAULT) -> dict[str, pd.DataFrame]:
    with i18n.using(lang):
        return api.split_by_metric(api.khi_tables(list(metric_ids), by, filters, scope=scope, con=_con,
                                                  confidence=confidence))


def khi_parts(metric_ids: Iterable[str], by: Sequence[str] | str = (), filters: Filters = Filters(),
              confidence: float = 0.95, *, scope: Scope) -> dict[str, pd.DataFrame]:
    """Several KHIs fetched together (one query per aggregate) but returned one table each, each equal to its khi();
    cached split (splitting costs more than the cached query on a page that asks for many)."""
    by = (by,) if isinstance(by, str) else tuple(by)
    root, version = store_key()
    metric_ids = tuple(metric_ids)
    parts = _khi_parts(metric_ids, by, filters, confidence, scope, root, version, connection(), i18n.lang())
    audit_view(scope, metric_ids, by, filters)
    return parts


GROWTH_TOTALS = ("people_growth_pct", "people_net_change")


def _growth_requests(filters: Filters) -> list[tuple[str, list[tuple[str, tuple, tuple, Filters]]]]:
    """Per programme in view (the sector counts Shared Lives and Homeshare apart): (programme, [(part, KHIs, by,
    filters)]): "england" (the English regions in view, as one total), "regions" (those regions, with their share of
    the growing regions' increase), "nations" (Wales, Scotland, Northern Ireland in view), "all" (the whole view)."""
    chosen = filters.areas or tuple(schema.AREAS)
    english = tuple(a for a in chosen if a in schema.ENGLISH_REGIONS)
    nations = tuple(a for a in chosen if a not in schema.ENGLISH_REGIONS)
    out = []
    for programme in filters.programmes or schema.PROGRAMMES:
        f = dataclasses.replace(filters, programmes=(programme,))
        # The whole view's total only when it adds up more than one of the places listed (else it repeats one).
        parts = [("all", GROWTH_TOTALS, (), f)] if bool(english) + len(nations) > 1 else []
        if english:
            in_england = dataclasses.replace(f, areas=english)
            parts += [("england", GROWTH_TOTALS, (), in_england),
                      ("regions", (*GROWTH_TOTALS, "people_growth_share"), ("region",), in_england)]
        if nations:
            parts.append(("nations", GROWTH_TOTALS, ("region",), dataclasses.replace(f, areas=nations)))
        out.append((programme, parts))
    return out


@cache.shared(max_entries=200)
def _growth_summary(filters, england, everywhere, scope, root, version, _con, lang=i18n.DEFAULT) -> dict:
    # The sentences and the table are built here, so they are cached with the figures they come from.
    with i18n.using(lang):
        stories, totals, figures = [], [], []
        programmes = _growth_requests(filters)
        # One computation for all the parts: each is summed from the view's counts by region, programme and year.
        tables = iter(api.khi_tables_many([(ids, by, f) for _programme, requests in programmes
                                           for _part, ids, by, f in requests], scope=scope, con=_con))
        for programme, requests in programmes:
            item = {"programme": programme}
            for part, _ids, _by, _f in requests:
                item[part] = api.split_by_metric(next(tables))
                if part != "regions":
                    figures += list(item[part].values())
            stories.append(growth_render.summary_story(item, england=england) if england else None)
            totals.append(growth_render.summary_table(item, england=england or "", everywhere=everywhere))
        return {"stories": [s for s in stories if s], "totals": pd.concat(totals, ignore_index=True),
                "figures": pd.concat(figures, ignore_index=True)}


def growth_summary(filters: Filters, *, scope: Scope, england: str | None, everywhere: str) -> dict:
    """The Regional growth page's lead: "stories" (kpi.render.growth.summary_story, one per programme in view, when
    the view has English regions), "totals" (summary_table: the English regions in view as one total named
    `england`, each nation, the whole view named `everywhere`) and "figures" (the KHI tables behind the totals)."""
    root, version = store_key()
    out = _growth_summary(filters, england, everywhere, scope, root, version, connection(), i18n.lang())
    for _programme, requests in _growth_requests(filters):
        for _part, ids, by, f in requests:
            audit_view(scope, ids, by, f)
    return out


@cache.shared(max_entries=500)
def _headline(ids, filters, scope, root, version, _con, lang=i18n.DEFAULT) -> pd.DataFrame:
    with i18n.using(lang):
        return api.headline(ids, filters, scope=scope, con=_con)


def headline(ids: Iterable[str], filters: Filters = Filters(), *, scope: Scope) -> pd.DataFrame:
    """`kpi.metrics.api.headline`: latest year in view, the year before, the change and its significance."""
    root, version = store_key()
    ids = tuple(ids)
    table = _headline(ids, filters, scope, root, version, connection(), i18n.lang())
    audit_view(scope, ids, ("year",), filters)
    return table


@cache.shared(max_entries=1000)
def _trend(metric_id, filters, scope, root, version, _con, lang=i18n.DEFAULT):
    with i18n.using(lang):
        return api.trend(metric_id, filters, scope=scope, con=_con)


def trend(metric_id: str, filters: Filters = Filters(), *, scope: Scope):
    """`kpi.metrics.api.trend`: (table by year, trend test result)."""
    root, version = store_key()
    result = _trend(metric_id, filters, scope, root, version, connection(), i18n.lang())
    audit_view(scope, metric_id, ("year",), filters)
    return result


@cache.shared(max_entries=200)
def _profile(metric_ids, level, filters, scope, root, version, _con, lang=i18n.DEFAULT) -> pd.DataFrame:
    with i18n.using(lang):
        return api.profile(list(metric_ids), level, filters, scope=scope, con=_con)


def profile(metric_ids: Iterable[str], level: str = "region", filters: Filters = Filters(), *,
            scope: Scope) -> pd.DataFrame:
    """`kpi.metrics.api.profile`: every KHI x every place for the latest year in view, with each cell's trend."""
    root, version = store_key()
    metric_ids = tuple(metric_ids)
    table = _profile(metric_ids, level, filters, scope, root, version, connection(), i18n.lang())
    audit_view(scope, metric_ids, (level,), filters)
    return table


@cache.shared(max_entries=500)
def _funnel(metric_id, filters, scope, root, version, _con, lang=i18n.DEFAULT) -> pd.DataFrame:
    with i18n.using(lang):
        return api.funnel(metric_id, filters, scope=scope, con=_con)


def funnel(metric_id: str, filters: Filters = Filters(), *, scope: Scope) -> pd.DataFrame:
    """`kpi.metrics.api.funnel`: the scope's schemes with 95% and 99.8% funnel limits."""
    root, version = store_key()
    table = _funnel(metric_id, filters, scope, root, version, connection(), i18n.lang())
    audit_view(scope, metric_id, ("scheme",), filters)
    return table


@cache.shared(max_entries=8)
def _store_info(root, version, stamps) -> dict:
    return api.store_info(root, version)


@per_run.once
def store_info() -> dict:
    """About the store, no figures: whether it is synthetic, its note, version and date (`kpi.metrics.api`)."""
    root, version = store_key()
    return _store_info(root, version, versions())


@per_run.once
def version_note() -> str:
    """Which version of the figures this is, for every footer, export and slide (`kpi.render.text.version_text`)."""
    return text.version_text(store_info())


@cache.shared(max_entries=32)
def _coverage(scope, root, version, _con) -> dict:
    return api.coverage(scope=scope, con=_con, data_dir=root, version=version)


def coverage(*, scope: Scope) -> dict:
    """What the store holds, as the scope may see it (`kpi.metrics.api.coverage`: totals rounded unless exact)."""
    root, version = store_key()
    return _coverage(scope, root, version, connection())


@cache.shared(max_entries=8)
def _years(root, version, _con) -> list[int]:
    return api.years(con=_con)


def available_years() -> list[int]:
    root, version = store_key()
    return _years(root, version, connection())


@cache.shared(max_entries=8)
def _people_years(root, version, _con) -> tuple[int, int]:
    return api.people_years(con=_con)


def people_years() -> tuple[int, int]:
    """The first and last year of the schemes' yearly returns (`kpi.metrics.api.people_years`)."""
    root, version = store_key()
    return _people_years(root, version, connection())


@cache.shared(max_entries=64)
def _schemes(scope, root, version, _con) -> dict[str, tuple[str, str]]:
    table = api.scheme_list(scope=scope, con=_con)
    return {str(r.scheme_id): (str(r.scheme_name), str(r.area_code))
            for r in table.sort_values("scheme_name").itertuples()}


def schemes(*, scope: Scope) -> dict[str, tuple[str, str]]:
    """scheme id -> (name, area code), by name, of the schemes the scope may see (`kpi.metrics.api.scheme_list`)."""
    root, version = store_key()
    return _schemes(scope, root, version, connection())
