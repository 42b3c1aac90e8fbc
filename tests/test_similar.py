"""Similar schemes (kpi.metrics.similar): the nearest-neighbour comparator group on a hand-made fixture whose answer
is known, and on the fixture store: who may see it, and the group's pooled figure against the api's own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpi.data import schema, store
from kpi.data.queries import Filters
from kpi.metrics import api, registry, similar, stats
from tests.scopes import EXACT, PUBLIC, SCHEMES, Scope, ScopeError


def _scheme(scheme_id, answers, arrangement="live_in", age="35-49", need="learning_disability",
            programme="shared_lives", area="E12000002", mix=None):
    """One profile row: every answer in one arrangement, age band and need, unless `mix` gives shares."""
    row = {"scheme_id": scheme_id, "scheme_name": f"Scheme {scheme_id}", "area_code": area, "programme": programme,
           "answers": answers}
    for block, categories in similar.BLOCKS.items():
        for c in categories:
            row[similar.share_column(block, c)] = 0.0
    for block, category in (("arrangement", arrangement), ("age_band", age), ("primary_need", need)):
        row[similar.share_column(block, category)] = 1.0
    row.update(mix or {})
    return row


@pytest.fixture()
def fixture_profiles() -> pd.DataFrame:
    """A and its three clones B, C, D (the same mix, larger and larger); E, F, G unlike A in every mix; H like A but
    Homeshare; S like A but with too few answers to be matched."""
    rows = [
        _scheme("A", 100), _scheme("B", 110), _scheme("C", 130), _scheme("D", 200),
        _scheme("E", 100, "short_breaks", "75-84", "dementia"),
        _scheme("F", 105, "day_support", "65-74", "physical_disability"),
        _scheme("G", 95, "short_breaks", "85+", "older_age"),
        _scheme("H", 100, programme="homeshare"),
        _scheme("S", similar.MIN_ANSWERS - 1),
    ]
    return pd.DataFrame(rows)


def test_the_nearest_schemes_are_the_ones_alike_in_mix_then_in_size(fixture_profiles):
    found = similar.nearest(fixture_profiles, "A", k=3)
    assert found["scheme_id"].tolist() == ["B", "C", "D"]  # same mix; nearest in size first
    assert found["rank"].tolist() == [1, 2, 3]
    assert (np.diff(found["distance"]) > 0).all() and (found["distance"] > 0).all()
    wider = similar.nearest(fixture_profiles, "A", k=10)
    assert wider["scheme_id"].tolist()[:3] == ["B", "C", "D"]
    assert set(wider["scheme_id"]) == {"B", "C", "D", "E", "F", "G"}  # never H (Homeshare) nor S (too few answers)
    assert wider["distance"].iloc[3] > wider["distance"].iloc[2]  # the unlike schemes come after


def test_the_group_of_an_unlike_scheme_and_the_edges(fixture_profiles):
    # E's nearest: G, the other short-breaks scheme (sharing its arrangement; the others share nothing with it).
    assert similar.nearest(fixture_profiles, "E", k=1)["scheme_id"].tolist() == ["G"]
    assert similar.nearest(fixture_profiles, "S", k=3).empty  # too few answers to have a mix worth matching
    assert similar.nearest(fixture_profiles, "nobody", k=3).empty
    assert similar.nearest(fixture_profiles, "H", k=3).empty  # the only Homeshare scheme: no one alike
    with pytest.raises(ValueError):
        similar.nearest(fixture_profiles, "A", k=0)


def test_equal_distances_are_ordered_by_scheme_id_and_size_alone_works(fixture_profiles):
    twins = pd.DataFrame([_scheme("A", 100), _scheme("Z", 150), _scheme("Y", 150), _scheme("X", 1000)])
    found = similar.nearest(twins, "A", k=3)
    assert found["scheme_id"].tolist() == ["Y", "Z", "X"]  # only size varies; Y and Z tie and go by id
    assert found["distance"].iloc[0] == found["distance"].iloc[1]


def test_each_block_weighs_the_same_whatever_its_number_of_categories():
    # P differs from A only in size (a little), Q only in one need: both one block away. With the block averaged
    # over its varying features, a 1.5x larger scheme is nearer than one with a different need entirely.
    rows = [_scheme("A", 100), _scheme("P", 150), _scheme("Q", 100, need="autism"),
            _scheme("R", 400, "short_breaks", "85+", "dementia")]
    assert similar.nearest(pd.DataFrame(rows), "A", k=2)["scheme_id"].tolist() == ["P", "Q"]


# ---------------------------------------------------------------------------------------------------------------
# On the fixture store


@pytest.fixture(scope="module")
def con(sample_store):
    return api.connect(str(sample_store))


@pytest.fixture(scope="module")
def schemes(sample_store) -> pd.DataFrame:
    return store.read_table(sample_store, "schemes").to_pandas()


def _a_scheme(con) -> str:
    """A Shared Lives scheme with plenty of answers."""
    found = similar.profiles(con.cursor())
    return str(found[found["programme"] == "shared_lives"].sort_values("answers").iloc[-1]["scheme_id"])


def test_profiles_count_the_raw_answers(sample_store, con):
    raw = store.read_table(sample_store, "responses").to_pandas()
    found = similar.profiles(con.cursor()).set_index("scheme_id")
    assert found["answers"].to_dict() == raw.groupby("scheme_id").size().to_dict()
    sid = found.index[0]
    mine = raw[raw["scheme_id"] == sid]
    for c in schema.ARRANGEMENTS:
        assert found.loc[sid, similar.share_column("arrangement", c)] == pytest.approx((mine["arrangement"] == c).mean())


@pytest.mark.parametrize("scope", [PUBLIC, Scope.ambassador()])
def test_the_public_gets_no_group_and_no_comparison(con, scope):
    sid = _a_scheme(con)
    with pytest.raises(ScopeError):
        api.similar_schemes(sid, scope=scope, con=con)
    with pytest.raises(ScopeError):
        api.compare_with_similar("connected_positive", sid, scope=scope, con=con)


def test_a_hub_sees_its_own_schemes_group_with_other_regions_schemes_unnamed(con, schemes):
    sid = _a_scheme(con)
    area = schemes.set_index("scheme_id").loc[sid, "area_code"]
    other = next(a for a in schema.AREAS if a != area)
    with pytest.raises(ScopeError):
        api.similar_schemes(sid, scope=Scope.hub(other), con=con)
    with pytest.raises(ScopeError):
        api.similar_schemes("NO-SUCH-SCHEME", scope=Scope.hub(area), con=con)
    hub = api.similar_schemes(sid, scope=Scope.hub(area), con=con)
    exact = api.similar_schemes(sid, scope=EXACT, con=con)
    assert len(hub) == len(exact) == similar.K_DEFAULT and "answers" not in hub and "distance" not in hub
    elsewhere = hub["area_code"] != area
    assert elsewhere.any(), "the fixture should give a group across regions"
    assert (hub.loc[elsewhere, "scheme_id"] == "").all()
    assert hub.loc[elsewhere, "scheme_name"].str.startswith("A scheme in ").all()
    names = set(schemes["scheme_name"])
    assert not set(hub.loc[elsewhere, "scheme_name"]) & names
    assert hub["area_code"].tolist() == exact["area_code"].tolist()  # the same group, only less said about it


def test_the_scheme_is_compared_with_its_group_pooled(con):
    sid = _a_scheme(con)
    f = Filters(years=(2022, 2023, 2024))
    members = api.similar_schemes(sid, f, scope=EXACT, con=con, k=7)["scheme_id"].tolist()
    assert len(members) == 7 and sid not in members
    both = api.compare_with_similar("connected_positive", sid, f, scope=EXACT, con=con, k=7)
    mine, pooled = both.iloc[0], both.iloc[1]
    # The group's row is the pooled figure of its members: the api's own table for those schemes together.
    expected = api.khi_table("connected_positive", (), Filters(years=f.years, schemes=tuple(members)),
                             scope=EXACT, con=con).iloc[0]
    for col in ("numerator", "denominator", "value", "lower", "upper", "benchmark"):
        assert pooled[col] == pytest.approx(expected[col]), col
    assert pooled["scheme_name"] == "Similar schemes (7, pooled)"
    own = api.khi_table("connected_positive", "scheme", Filters(years=f.years, schemes=(sid,)), scope=EXACT,
                        con=con).iloc[0]
    assert mine["scheme_id"] == sid and mine["value"] == pytest.approx(own["value"])
    assert mine["comparison"] == own["comparison"]  # against the benchmark, as everywhere else
    k = registry.get("connected_positive")
    assert mine["compared_with_similar"] == stats.compare_to_benchmark(
        np.array([own["lower"]]), np.array([own["upper"]]), np.array([expected["value"]]), k.direction)[0]
    assert mine["compared_with_similar"] in ("better", "similar", "worse")
    with pytest.raises(ValueError):  # a pooled figure of one or two schemes is not offered
        api.compare_with_similar("connected_positive", sid, f, scope=EXACT, con=con, k=2)
    with pytest.raises(ValueError):  # nor a pooled count of people supported
        api.compare_with_similar("people_supported", sid, f, scope=EXACT, con=con)


def test_a_scheme_manager_gets_their_scheme_exact_and_the_group_protected(con):
    sid = _a_scheme(con)
    manager = Scope.scheme_manager(sid)
    both = api.compare_with_similar("dignity_always_mostly", sid, scope=manager, con=con)
    exact = api.compare_with_similar("dignity_always_mostly", sid, scope=EXACT, con=con)
    assert both.iloc[0]["value"] == pytest.approx(exact.iloc[0]["value"])  # their own scheme: exact
    members = tuple(api.similar_schemes(sid, scope=EXACT, con=con)["scheme_id"])
    # The group's row as the protected figures give it (a hub over every region reads the same counts protected).
    protected = api.khi_table("dignity_always_mostly", (), Filters(schemes=members), scope=SCHEMES, con=con).iloc[0]
    exact_pooled = exact.iloc[1]
    for col in ("denominator", "value", "lower", "upper"):
        assert both.iloc[1][col] == protected[col], col
    assert (both.iloc[1]["value"], both.iloc[1]["denominator"]) != (exact_pooled["value"], exact_pooled["denominator"])
    group = api.similar_schemes(sid, scope=manager, con=con)
    assert (group["scheme_id"] == "").all()  # none of the others is theirs


def test_no_group_when_fewer_than_five_are_alike(fixture_profiles, monkeypatch):
    monkeypatch.setattr(similar, "profiles", lambda cur, filters: fixture_profiles)
    five = similar.members(None, "A", Filters(), 5)["scheme_id"].tolist()
    assert len(five) == 5 and five[:3] == ["B", "C", "D"]
    fewer = fixture_profiles[~fixture_profiles["scheme_id"].isin(["E", "F"])]  # A has four candidates left
    monkeypatch.setattr(similar, "profiles", lambda cur, filters: fewer)
    assert len(similar.nearest(fewer, "A", 5)) == 4
    assert similar.members(None, "A", Filters(), 5).empty
