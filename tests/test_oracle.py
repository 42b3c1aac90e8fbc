"""Oracle tests: every KHI from kpi.metrics.api equals an independently written DuckDB query over the raw Parquet.

kpi computes from pre-built aggregates (kpi.data.derive); these queries read the raw responses and people_supported
files straight from the manifest, with their own SQL (arg_min/arg_max instead of window functions for the
first-and-latest pairs), and their own Wilson formula from scipy. They share only the registry's declared answers.
"""

from __future__ import annotations

import json
import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from kpi.data import paths
from kpi.metrics import api, registry
from tests.scopes import EXACT

BREAKDOWNS = [(), ("region",), ("year",), ("arrangement",), ("age_band",), ("scheme",)]
GROUP_SQL = {
    (): ([], ""),
    ("region",): (["area_code"], "s.area_code"),
    ("year",): (["year"], "fy"),
    ("arrangement",): (["arrangement"], "r.arrangement"),
    ("age_band",): (["age_band"], "r.age_band"),
    ("scheme",): (["scheme_id"], "r.scheme_id"),
}
FRIENDS_PREDICATES = {"0": "r.friends_count = 0", "3_or_more": "r.friends_count >= 3",
                      "answered": "r.friends_count IS NOT NULL"}


@pytest.fixture(scope="module")
def oracle(sample_store):
    manifest = json.loads((sample_store / "manifest.json").read_text())
    con = duckdb.connect()
    files = [str(sample_store / p) for p in manifest["tables"]["responses"]]
    con.execute(
        "CREATE TABLE raw AS SELECT *, CASE WHEN month(completed_on) >= 4 THEN year(completed_on) "
        "ELSE year(completed_on) - 1 END AS fy FROM read_parquet($f, hive_partitioning = false)", {"f": files}
    )
    con.execute("CREATE TABLE s AS SELECT * FROM read_parquet($f)",
                {"f": [str(sample_store / p) for p in manifest["tables"]["schemes"]]})
    con.execute("CREATE TABLE ps AS SELECT * FROM read_parquet($f)",
                {"f": [str(sample_store / p) for p in manifest["tables"]["people_supported"]]})
    return con


def _predicate(k, answers):
    if k.source == "friends_count":
        return " OR ".join(FRIENDS_PREDICATES[a] for a in answers)
    return f"r.{k.source} IN ({', '.join(repr(a) for a in answers)})"


def _oracle_counts(con, k, by):
    cols, expr = GROUP_SQL[by]
    select = f"{expr} AS {cols[0]}, " if cols else ""
    group = f"GROUP BY {expr} ORDER BY {expr}" if cols else ""
    sql = (f"SELECT {select}count(*) FILTER (WHERE {_predicate(k, k.numerator)}) AS num, "
           f"count(*) FILTER (WHERE {_predicate(k, k.denominator)}) AS den, "
           f"count(*) FILTER (WHERE r.{k.source} = 'positive') AS pos, "
           f"count(*) FILTER (WHERE r.{k.source} = 'negative') AS neg "
           f"FROM raw r JOIN s ON s.scheme_id = r.scheme_id {group}") if k.source != "friends_count" else (
        f"SELECT {select}count(*) FILTER (WHERE {_predicate(k, k.numerator)}) AS num, "
        f"count(*) FILTER (WHERE {_predicate(k, k.denominator)}) AS den "
        f"FROM raw r JOIN s ON s.scheme_id = r.scheme_id {group}")
    return con.execute(sql).df()


def _wilson(x, n, z):
    p = x / n
    centre = (2 * x + z * z) / (2 * (n + z * z))
    half = z * np.sqrt(z * z + 4 * x * (1 - p)) / (2 * (n + z * z))
    return centre - half, centre + half


def _merge(ours, theirs, cols):
    if not cols:
        return pd.concat([ours.reset_index(drop=True), theirs.reset_index(drop=True)], axis=1)
    ours = ours.assign(**{c: ours[c].astype(object) for c in cols})
    theirs = theirs.assign(**{c: theirs[c].astype(object) for c in cols})
    merged = ours.merge(theirs, on=cols, how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][cols]
    return merged


PROPORTIONS = [k.id for k in registry.REGISTRY if k.kind in ("proportion", "net")]


@pytest.mark.parametrize("by", BREAKDOWNS, ids=lambda b: "-".join(b) or "overall")
@pytest.mark.parametrize("metric_id", PROPORTIONS)
def test_response_khi_matches_independent_sql(oracle, sample_store, metric_id, by):
    k = registry.get(metric_id)
    ours = api.khi_table(metric_id, by, data_dir=sample_store, scope=EXACT)
    theirs = _oracle_counts(oracle, k, by)
    cols = GROUP_SQL[by][0]
    m = _merge(ours, theirs, cols)
    m = m[m["den"] > 0]
    assert (m["denominator"].astype(float) == m["den"]).all()
    if k.kind == "proportion":
        assert (m["numerator"].astype(float) == m["num"]).all()
        np.testing.assert_allclose(m["value"], 100 * m["num"] / m["den"], rtol=0, atol=1e-9)
        lo, hi = _wilson(m["num"].to_numpy(float), m["den"].to_numpy(float), norm.ppf(0.975))
        np.testing.assert_allclose(m["lower"], 100 * lo, atol=1e-9)
        np.testing.assert_allclose(m["upper"], 100 * hi, atol=1e-9)
    else:  # net impact: positive minus negative over answered
        np.testing.assert_allclose(m["value"], 100 * (m["pos"] - m["neg"]) / m["den"], atol=1e-9)
        assert ((m["lower"] <= m["value"] + 1e-12) & (m["value"] <= m["upper"] + 1e-12)).all()


def test_median_friends_matches_duckdb_median(oracle, sample_store):
    ours = api.khi_table("friends_median", "region", data_dir=sample_store, scope=EXACT)
    theirs = oracle.execute(
        "SELECT s.area_code, median(r.friends_count) AS med, count(r.friends_count) AS n "
        "FROM raw r JOIN s ON s.scheme_id = r.scheme_id GROUP BY 1").df()
    m = _merge(ours, theirs, ["area_code"])
    np.testing.assert_allclose(m["value"], m["med"], atol=1e-9)
    assert (m["denominator"].astype(float) == m["n"]).all()


@pytest.fixture(scope="module")
def pairs(oracle):
    """First and latest answer of each person with two or more, by arg_min / arg_max (no window functions).

    Values are wrapped in a struct because arg_min/arg_max skip NULL values, and an unanswered question at the
    first or latest response must stay unanswered.
    """
    return oracle.execute(
        """
        SELECT person_id,
               arg_min({'v': friends_count}, (completed_on, response_id)).v AS f_first,
               arg_max({'v': friends_count}, (completed_on, response_id)).v AS f_latest,
               arg_min({'v': impact_connected}, (completed_on, response_id)).v AS c_first,
               arg_max({'v': impact_connected}, (completed_on, response_id)).v AS c_latest,
               arg_max(scheme_id, (completed_on, response_id)) AS scheme_id
        FROM raw GROUP BY person_id HAVING count(*) >= 2
        """
    ).df()


def test_distance_travelled_khis_match_independent_pairs(pairs, sample_store):
    both = pairs.dropna(subset=["f_first", "f_latest"])
    change = both["f_latest"] - both["f_first"]
    mean = api.khi_table("distance_friends_change", (), data_dir=sample_store, scope=EXACT).iloc[0]
    assert mean["denominator"] == len(both)
    assert math.isclose(mean["value"], change.mean(), abs_tol=1e-9)
    more = api.khi_table("distance_friends_more", (), data_dir=sample_store, scope=EXACT).iloc[0]
    assert more["numerator"] == (change > 0).sum()
    answered = pairs[pairs["c_first"].isin(["positive", "none", "negative"])
                     & pairs["c_latest"].isin(["positive", "none", "negative"])]
    diff = ((answered["c_latest"] == "positive").mean() - (answered["c_first"] == "positive").mean()) * 100
    paired = api.khi_table("distance_connected_change", (), data_dir=sample_store, scope=EXACT).iloc[0]
    assert paired["denominator"] == len(answered)
    assert math.isclose(paired["value"], diff, abs_tol=1e-9)
    assert paired["lower"] <= paired["value"] <= paired["upper"]


def test_people_supported_growth_matches_sql(oracle, sample_store):
    by_area = oracle.execute(
        "SELECT s.area_code, ps.year, sum(ps.people) AS people FROM ps JOIN s ON s.scheme_id = ps.scheme_id "
        "GROUP BY ALL").df()
    first, last = by_area["year"].min(), by_area["year"].max()
    wide = by_area.pivot(index="area_code", columns="year", values="people")
    people = api.khi_table("people_supported", "region", data_dir=sample_store, scope=EXACT).set_index("area_code")
    assert (people["value"] == wide[last].reindex(people.index)).all()
    growth = api.khi_table("people_growth_pct", "region", data_dir=sample_store, scope=EXACT).set_index(
        "area_code")
    expected = (wide[last] / wide[first] - 1) * 100
    np.testing.assert_allclose(growth["value"], expected.reindex(growth.index), atol=1e-9)
    share = api.khi_table("people_growth_share", "region", data_dir=sample_store, scope=EXACT).set_index(
        "area_code")
    gains = (wide[last] - wide[first]).clip(lower=0)
    np.testing.assert_allclose(share["value"], (gains / gains.sum() * 100).reindex(share.index), atol=1e-9)


def test_filters_restrict_like_a_where_clause(oracle, sample_store):
    f = api.Filters(years=(2019,), areas=("E12000002",), arrangements=("live_in",))
    ours = api.khi_table("connected_positive", (), f, data_dir=sample_store, scope=EXACT).iloc[0]
    num, den = oracle.execute(
        "SELECT count(*) FILTER (WHERE impact_connected = 'positive'), "
        "count(*) FILTER (WHERE impact_connected IN ('positive', 'none', 'negative')) "
        "FROM raw r JOIN s ON s.scheme_id = r.scheme_id "
        "WHERE fy = 2019 AND s.area_code = 'E12000002' AND r.arrangement = 'live_in'").fetchall()[0]
    assert (ours["numerator"], ours["denominator"]) == (num, den)


# --- intervals, computed here from the published formulas (not through kpi.metrics.stats) ----------------------
Z95 = norm.ppf(0.975)


def _square_and_add(p1, l1, u1, p2, l2, u2, phi):
    """Newcombe's (1998) method 10 for p1 - p2 from two Wilson intervals and their correlation phi."""
    d = p1 - p2
    lower = d - np.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
    return d, lower, upper


@pytest.mark.parametrize("metric_id", [k.id for k in registry.REGISTRY if k.kind == "net"])
def test_net_impact_interval_matches_newcombe_multinomial(oracle, sample_store, metric_id):
    k = registry.get(metric_id)
    ours = api.khi_table(metric_id, "region", data_dir=sample_store, scope=EXACT)
    m = _merge(ours, _oracle_counts(oracle, k, ("region",)), ["area_code"])
    n, pos, neg = (m[c].to_numpy(float) for c in ("den", "pos", "neg"))
    p1, p2 = pos / n, neg / n
    (l1, u1), (l2, u2) = _wilson(pos, n, Z95), _wilson(neg, n, Z95)
    phi = -np.sqrt(p1 * p2 / ((1 - p1) * (1 - p2)))  # the two shares come from one multinomial sample
    d, lower, upper = _square_and_add(p1, l1, u1, p2, l2, u2, phi)
    np.testing.assert_allclose(m["value"], 100 * d, atol=1e-9)
    np.testing.assert_allclose(m["lower"], 100 * lower, atol=1e-9)
    np.testing.assert_allclose(m["upper"], 100 * upper, atol=1e-9)


def test_mean_change_interval_matches_student_t(pairs, sample_store):
    from scipy.stats import t

    change = pairs.dropna(subset=["f_first", "f_latest"]).eval("f_latest - f_first").to_numpy(float)
    half = t.ppf(0.975, len(change) - 1) * change.std(ddof=1) / math.sqrt(len(change))
    ours = api.khi_table("distance_friends_change", (), data_dir=sample_store, scope=EXACT).iloc[0]
    assert math.isclose(ours["lower"], change.mean() - half, abs_tol=1e-9)
    assert math.isclose(ours["upper"], change.mean() + half, abs_tol=1e-9)


def test_paired_change_interval_matches_newcombe_paired(pairs, sample_store):
    answered = pairs[pairs["c_first"].isin(["positive", "none", "negative"])
                     & pairs["c_latest"].isin(["positive", "none", "negative"])]
    first, latest = answered["c_first"] == "positive", answered["c_latest"] == "positive"
    a, b = float((first & latest).sum()), float((first & ~latest).sum())
    c, d = float((~first & latest).sum()), float((~first & ~latest).sum())
    n = a + b + c + d
    (l_latest, u_latest), (l_first, u_first) = _wilson(a + c, n, Z95), _wilson(a + b, n, Z95)
    cross = a * d - b * c  # Newcombe's continuity-corrected correlation numerator
    corrected = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
    phi = corrected / math.sqrt((a + b) * (c + d) * (a + c) * (b + d))
    diff, lower, upper = _square_and_add((a + c) / n, l_latest, u_latest, (a + b) / n, l_first, u_first, phi)
    ours = api.khi_table("distance_connected_change", (), data_dir=sample_store, scope=EXACT).iloc[0]
    assert math.isclose(ours["value"], 100 * diff, abs_tol=1e-9)
    assert math.isclose(ours["lower"], 100 * lower, abs_tol=1e-9)
    assert math.isclose(ours["upper"], 100 * upper, abs_tol=1e-9)


def _people_by_area(oracle):
    by_area = oracle.execute(
        "SELECT s.area_code, ps.year, sum(ps.people) AS people FROM ps JOIN s ON s.scheme_id = ps.scheme_id "
        "GROUP BY ALL").df()
    return by_area.pivot(index="area_code", columns="year", values="people"), by_area["year"].min(), \
        by_area["year"].max()


def _byar(o, z):
    """Byar's approximation to the exact Poisson limits (Breslow & Day 1987, p. 69)."""
    lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    return lower, upper


def test_people_net_change_matches_sql_with_its_interval(oracle, sample_store):
    wide, first, last = _people_by_area(oracle)
    ours = api.khi_table("people_net_change", "region", data_dir=sample_store, scope=EXACT).set_index("area_code")
    o1, o0 = wide[last].reindex(ours.index).to_numpy(float), wide[first].reindex(ours.index).to_numpy(float)
    half = Z95 * np.sqrt(o1 + o0)  # difference of two Poisson counts, normal approximation
    np.testing.assert_allclose(ours["value"], o1 - o0, atol=1e-9)
    np.testing.assert_allclose(ours["lower"], o1 - o0 - half, atol=1e-9)
    np.testing.assert_allclose(ours["upper"], o1 - o0 + half, atol=1e-9)


def test_people_per_100k_matches_ons_population_with_its_interval(oracle, sample_store):
    wide, _, last = _people_by_area(oracle)
    pop = pd.read_csv(paths.POPULATION_CSV)
    pop = pop[(pop["age_group"] == "all") & (pop["year"] == pop.loc[pop["year"] <= last, "year"].max())]
    pop = pop.set_index("area_code")["population"]
    ours = api.khi_table("people_per_100k", "region", data_dir=sample_store, scope=EXACT).set_index("area_code")
    people = wide[last].reindex(ours.index).to_numpy(float)
    population = pop.reindex(ours.index).to_numpy(float)
    lower, upper = _byar(people, Z95)
    np.testing.assert_allclose(ours["value"], people / population * 1e5, rtol=1e-12)
    np.testing.assert_allclose(ours["lower"], lower / population * 1e5, rtol=1e-9)
    np.testing.assert_allclose(ours["upper"], upper / population * 1e5, rtol=1e-9)
