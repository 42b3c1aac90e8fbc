"""Who may see what (kpi.metrics.scope), enforced where the data is read (kpi.metrics.api) and in the UI's caches.

The rules are table-driven below; then the same rules through the real api on the fixture store: the public never
gets a scheme-level figure, a hub gets only its regions' schemes, a scheme manager's own schemes are exact (equal to an
analyst's), and anything outside a scope is refused with ScopeError.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kpi.data import schema
from kpi.data.queries import Filters
from kpi.metrics import api
from kpi.metrics.scope import NOT_AVAILABLE, Scope, ScopeError
from kpi.render import export, tables
from tests.exports import csv_parts
from tests.scopes import EXACT, PUBLIC

NW, YH = "E12000002", "E12000003"

# -- the rules, without data -----------------------------------------------------------------------------------------

HUB = Scope.hub(NW)
MANAGER = Scope.scheme_manager("S1", "S2")
ALL_SCOPES = [PUBLIC, Scope.ambassador(), HUB, MANAGER, EXACT, Scope.admin()]

# (by, filters) -> expected (filters queried, exact) per scope; "refused" = ScopeError.
NATIONAL = ((), Filters())
REGIONAL = (("region",), Filters(areas=(YH,)))
BY_SCHEME = (("scheme",), Filters())
OWN_SCHEME = (("year",), Filters(schemes=("S1",)))
OTHER_SCHEME = ((), Filters(schemes=("S9",)))
HUB_OTHER_REGION = (("scheme",), Filters(areas=(YH,)))

RULES = [
    # scope, request, expected
    (PUBLIC, NATIONAL, (Filters(), False)),
    (PUBLIC, REGIONAL, (REGIONAL[1], False)),
    (PUBLIC, BY_SCHEME, "refused"),
    (PUBLIC, OWN_SCHEME, "refused"),
    (Scope.ambassador(), REGIONAL, (REGIONAL[1], False)),
    (Scope.ambassador(), BY_SCHEME, "refused"),
    (HUB, NATIONAL, (Filters(), False)),
    (HUB, REGIONAL, (REGIONAL[1], False)),  # regional figures of other regions: public ones
    (HUB, BY_SCHEME, (Filters(areas=(NW,)), False)),  # narrowed to its region's schemes, protected
    (HUB, HUB_OTHER_REGION, "refused"),
    (MANAGER, NATIONAL, (Filters(), False)),  # everything but their own schemes: as the public
    (MANAGER, REGIONAL, (REGIONAL[1], False)),
    (MANAGER, BY_SCHEME, (Filters(schemes=("S1", "S2")), True)),  # narrowed to their own, so exact
    (MANAGER, OWN_SCHEME, (OWN_SCHEME[1], True)),
    (MANAGER, OTHER_SCHEME, "refused"),
    (MANAGER, ((), Filters(schemes=("S1", "S9"))), "refused"),  # one of them not theirs
    (EXACT, BY_SCHEME, (Filters(), True)),
    (EXACT, OTHER_SCHEME, (OTHER_SCHEME[1], True)),
    (Scope.admin(), NATIONAL, (Filters(), True)),
]


@pytest.mark.parametrize("scope, request_, expected", RULES,
                         ids=[f"{s.role}-{i}" for i, (s, _, _) in enumerate(RULES)])
def test_scope_rules(scope, request_, expected):
    by, filters = request_
    if expected == "refused":
        with pytest.raises(ScopeError, match=NOT_AVAILABLE):
            scope.restrict(by, filters)
        assert not scope.exact(by, filters)
    else:
        assert scope.restrict(by, filters) == expected
        assert scope.exact(by, filters) == expected[1]


def test_a_hub_naming_schemes_is_checked_against_their_areas():
    request = ((), Filters(schemes=("S1",)))
    assert HUB.needs_scheme_areas(request[1])
    assert HUB.restrict(*request, scheme_areas={"S1": NW}) == (Filters(areas=(NW,), schemes=("S1",)), False)
    for areas in ({"S1": YH}, {}):  # another region's scheme, or one that does not exist
        with pytest.raises(ScopeError):
            HUB.restrict(*request, scheme_areas=areas)


def test_scopes_are_frozen_hashable_and_normalised():
    assert Scope.hub(YH, NW, NW) == Scope("hub", regions=[NW, YH]) and len({Scope.hub(NW, YH), Scope.hub(YH, NW)}) == 1
    assert len(set(ALL_SCOPES)) == len(ALL_SCOPES)
    with pytest.raises(Exception):
        PUBLIC.role = "admin"
    assert issubclass(ScopeError, ValueError) and str(ScopeError()) == NOT_AVAILABLE


@pytest.mark.parametrize("args, message", [
    (("director",), "unknown role"), (("hub",), "at least one region"), (("hub", ("E99",)), "unknown area"),
    (("scheme_manager",), "at least one scheme"), (("public", (NW,)), "only a hub"),
    (("analyst", (), ("S1",)), "only a scheme manager"),
])
def test_invalid_scopes_are_refused(args, message):
    with pytest.raises(ValueError, match=message):
        Scope(*args)


# -- enforced through the real api on the fixture store ---------------------------------------------------------------

@pytest.fixture(scope="module")
def schemes(sample_store) -> pd.DataFrame:
    return api.scheme_list(scope=EXACT, data_dir=sample_store)


@pytest.fixture(scope="module")
def own(schemes) -> tuple[str, str]:
    """A North West scheme (the manager's own) and a scheme elsewhere."""
    mine = str(schemes.loc[schemes["area_code"] == NW, "scheme_id"].iloc[0])
    other = str(schemes.loc[schemes["area_code"] != NW, "scheme_id"].iloc[0])
    return mine, other


@pytest.mark.parametrize("call", ["breakdown", "filter", "funnel", "trend", "headline"])
@pytest.mark.parametrize("scope", [PUBLIC, Scope.ambassador()], ids=["public", "ambassador"])
def test_the_public_gets_no_scheme_level_figure(sample_store, own, scope, call):
    f = Filters(schemes=(own[0],))
    with pytest.raises(ScopeError, match=NOT_AVAILABLE):
        {"breakdown": lambda: api.khi_table("connected_positive", "scheme", scope=scope, data_dir=sample_store),
         "filter": lambda: api.khi_tables(["connected_positive"], "year", f, scope=scope, data_dir=sample_store),
         "funnel": lambda: api.funnel("connected_positive", scope=scope, data_dir=sample_store),
         "trend": lambda: api.trend("connected_positive", f, scope=scope, data_dir=sample_store),
         "headline": lambda: api.headline(["connected_positive"], f, scope=scope, data_dir=sample_store)}[call]()
    assert api.scheme_list(scope=scope, data_dir=sample_store).empty


def test_the_public_still_gets_the_benchmark_and_regions(sample_store):
    t = api.khi_table("connected_positive", "region", scope=PUBLIC, data_dir=sample_store)
    assert len(t) > 1 and set(t["area_code"]) <= set(schema.AREAS) and "scheme_id" not in t
    assert t["benchmark"].notna().all() and t["benchmark"].nunique() == 1  # the national figure


def test_a_hub_gets_only_its_regions_schemes_protected(sample_store, schemes):
    hub = Scope.hub(NW)
    t = api.khi_table("connected_positive", "scheme", scope=hub, data_dir=sample_store)
    assert set(t["area_code"]) == {NW} and set(t["scheme_id"].astype(str)) <= set(
        schemes.loc[schemes["area_code"] == NW, "scheme_id"].astype(str))
    # protected: the same rows the all-regions view shows (published counts, suppression, rounding)
    everyone = api.khi_table("connected_positive", "scheme", Filters(areas=(NW,)), scope=Scope.hub(*schema.AREAS),
                             data_dir=sample_store)
    pd.testing.assert_frame_equal(t, everyone)
    assert set(api.funnel("connected_positive", scope=hub, data_dir=sample_store)["area_code"]) == {NW}
    assert set(api.scheme_list(scope=hub, data_dir=sample_store)["area_code"]) == {NW}
    with pytest.raises(ScopeError):
        api.khi_table("connected_positive", "scheme", Filters(areas=(YH,)), scope=hub, data_dir=sample_store)


def test_a_hub_naming_another_regions_scheme_is_refused(sample_store, own):
    hub = Scope.hub(NW)
    mine = api.khi_table("connected_positive", (), Filters(schemes=(own[0],)), scope=hub, data_dir=sample_store)
    assert len(mine) == 1
    for scheme in (own[1], "no-such-scheme"):
        with pytest.raises(ScopeError):
            api.khi_table("connected_positive", (), Filters(schemes=(scheme,)), scope=hub, data_dir=sample_store)


@pytest.mark.parametrize("by", [(), ("year",), ("scheme",), ("scheme", "arrangement")], ids=lambda b: "-".join(b) or "all")
def test_a_scheme_managers_own_scheme_is_exact_and_equals_the_analysts(sample_store, own, by):
    manager = Scope.scheme_manager(own[0])
    f = Filters(schemes=(own[0],))
    ids = ["connected_positive", "lonely_often", "friends_median", "people_supported"]
    theirs = api.khi_tables(ids, by, f, scope=manager, data_dir=sample_store)
    analysts = api.khi_tables(ids, by, f, scope=EXACT, data_dir=sample_store)
    assert not theirs["suppressed"].any()
    # every figure the same, except the benchmark: the nation's figure they see is the public one
    pd.testing.assert_frame_equal(theirs.drop(columns=["benchmark", "comparison"]),
                                  analysts.drop(columns=["benchmark", "comparison"]))
    nation = schema.nation_of(api.scheme_list(scope=EXACT, data_dir=sample_store)
                              .set_index("scheme_id").loc[own[0], "area_code"])
    assert set(theirs["benchmark_name"]) <= {schema.NATIONS[nation], ""}
    public_national = api.khi_tables(ids, (*(b for b in by if b != "scheme"), "nation"), scope=PUBLIC,
                                     data_dir=sample_store)
    shown = set(public_national.loc[public_national["area_code"] == nation, "value"].dropna().round(6))
    assert set(theirs["benchmark"].dropna().round(6)) <= shown
    # a scheme breakdown with no filter is narrowed to their own scheme
    if "scheme" in by:
        alone = api.khi_tables(ids, by, scope=manager, data_dir=sample_store)
        pd.testing.assert_frame_equal(alone, theirs)


def test_a_scheme_manager_gets_public_figures_elsewhere_and_nothing_of_other_schemes(sample_store, own):
    manager = Scope.scheme_manager(own[0])
    national = api.khi_table("connected_positive", "region", scope=manager, data_dir=sample_store)
    pd.testing.assert_frame_equal(national, api.khi_table("connected_positive", "region", scope=PUBLIC,
                                                          data_dir=sample_store))
    with pytest.raises(ScopeError):
        api.khi_table("connected_positive", (), Filters(schemes=(own[1],)), scope=manager, data_dir=sample_store)
    assert list(api.scheme_list(scope=manager, data_dir=sample_store)["scheme_id"].astype(str)) == [own[0]]
    funnel = api.funnel("connected_positive", scope=manager, data_dir=sample_store)
    assert list(funnel["scheme_id"].astype(str)) == [own[0]]


def test_an_analyst_sees_every_scheme_exactly(sample_store, schemes):
    t = api.khi_table("connected_positive", "scheme", scope=EXACT, data_dir=sample_store)
    assert not t["suppressed"].any() and set(t["scheme_id"].astype(str)) <= set(schemes["scheme_id"].astype(str))
    assert len(api.scheme_list(scope=Scope.admin(), data_dir=sample_store)) == len(schemes)


def test_a_scope_is_required(sample_store):
    with pytest.raises(TypeError):
        api.khi_table("connected_positive", "region", data_dir=sample_store)  # no scope at all
    with pytest.raises(TypeError, match="must be a kpi.metrics.scope.Scope"):
        api.khi_table("connected_positive", "region", scope="analyst", data_dir=sample_store)


# -- the command line ---------------------------------------------------------------------------------------------

def test_kpi_table_is_public_unless_exact(sample_store, capsys):
    from kpi.cli import main

    assert main(["table", "connected_positive", "--by", "scheme", "--data", str(sample_store)]) == 2
    assert "not public" in capsys.readouterr().err
    assert main(["table", "connected_positive", "--by", "scheme", "--exact", "--data", str(sample_store)]) == 0
    meta, printed = csv_parts(capsys.readouterr().out)
    exact = api.khi_table("connected_positive", "scheme", scope=EXACT, data_dir=sample_store)
    assert printed == tables.to_csv(export.frame(exact, export.ExportInfo(title="", period=meta["Period"])))
    assert meta["Figures for"] == "analyst (exact)" and meta["Protection applied"].startswith("none: exact")


def test_kpi_slides_for_a_scheme_need_exact(sample_store, own, tmp_path, capsys):
    from kpi.cli import main

    argv = ["slides", "--scheme", own[0], "--metrics", "connected_positive", "--out", str(tmp_path / "s.pptx"),
            "--data", str(sample_store)]
    assert main(argv) == 2 and "not public" in capsys.readouterr().err and not (tmp_path / "s.pptx").exists()
    assert main([*argv, "--exact"]) == 0 and (tmp_path / "s.pptx").stat().st_size > 0


# -- the UI's caches are keyed by the scope ----------------------------------------------------------------------

def test_two_scopes_never_share_a_cached_result(sample_env, own):
    import streamlit as st

    from ui import cache, data

    st.cache_data.clear()
    cache.clear()
    f = Filters(schemes=(own[0],))
    manager = Scope.scheme_manager(own[0])
    exact = data.khi("connected_positive", "year", f, scope=manager)
    protected = data.khi("connected_positive", "year", f, scope=Scope.hub(*schema.AREAS))
    assert not exact.equals(protected)  # the exact figures did not come back from the protected call's cache
    assert protected.equals(api.khi_table("connected_positive", "year", f, scope=Scope.hub(*schema.AREAS),
                                          data_dir=sample_env))
    with pytest.raises(ScopeError):  # a public viewer after a manager: refused, not served from the cache
        data.khi("connected_positive", "year", f, scope=PUBLIC)
    assert data.schemes(scope=PUBLIC) == {} and list(data.schemes(scope=manager)) == [own[0]]
    assert data.viewer_scope() == PUBLIC
