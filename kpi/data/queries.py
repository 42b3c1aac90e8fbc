"""Every SQL statement of the project, with bound parameters.

Values (years, areas, answers...) are always bound as parameters. Identifiers (column names) are the only text
assembled here, and they come from fixed allow-lists built from kpi.data.schema, never from input.

How the pages stay fast at national scale: raw responses are scanned only when the store is written
(kpi.data.derive builds three small aggregate tables). Pages sum those aggregates (or their place roll-ups, below),
which answer any filter combination in milliseconds; the raw `responses` view stays for checks, bench and oracles.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import duckdb
import pandas as pd
import pyarrow.csv as pacsv

from kpi.data import paths, schema, store
from kpi.data.filters import Filters  # every query's argument; callers import it from here too

# Filter -> (dummy value of its type, the aggregate column it restricts). `c` is an aggregate table whose cells carry
# the scheme's area and programme (denormalised at build time, so the hot path needs no join).
_FILTERS = {
    "years": (0, "c.fy"), "areas": ("-", "c.area_code"), "programmes": ("-", "c.programme"),
    "arrangements": ("-", "c.arrangement"), "age_bands": ("-", "c.age_band"), "needs": ("-", "c.primary_need"),
    "schemes": ("-", "c.scheme_id"),
}


def _where(keys=tuple(_FILTERS)) -> str:
    """Each filter binds a flag and a list: `NOT $f_x` lets an empty filter through; lists are never empty."""
    return " AND ".join(f"(NOT $f_{k} OR list_contains(${k}, {_FILTERS[k][1]}))" for k in keys)


def _filter_params(f: Filters, keys=tuple(_FILTERS)) -> dict:
    params = {}
    for key in keys:
        values = getattr(f, key)
        params[f"f_{key}"] = bool(values)
        params[key] = list(values) if values else [_FILTERS[key][0]]
    return params


_WHERE = _where()
# people_supported has no age band or need: those filters do not apply to it.
_PEOPLE_FILTERS = ("years", "areas", "programmes", "arrangements", "schemes")
_PEOPLE_WHERE = _where(_PEOPLE_FILTERS)


# Breakdown name -> the output columns and the SQL expressions that make them.
BREAKDOWNS: dict[str, tuple[tuple[str, str], ...]] = {
    "region": (("area_code", "c.area_code"),),
    "nation": (("area_code", schema.NATION_SQL.format(area="c.area_code")),),  # England as one area, and the others
    "scheme": (("scheme_id", "c.scheme_id"), ("scheme_name", "c.scheme_name"), ("area_code", "c.area_code")),
    "year": (("year", "c.fy"),),
    "arrangement": (("arrangement", "c.arrangement"),),
    "age_band": (("age_band", "c.age_band"),),
    "primary_need": (("primary_need", "c.primary_need"),),
    "programme": (("programme", "c.programme"),),
}


def group_columns(by: Sequence[str]) -> list[str]:
    cols: list[str] = []
    for b in by:
        if b not in BREAKDOWNS:
            raise ValueError(f"cannot break down by {b!r}: choose from {', '.join(BREAKDOWNS)}")
        cols += [name for name, _ in BREAKDOWNS[b] if name not in cols]
    return cols


def _group_sql(by: Sequence[str]) -> tuple[str, str]:
    """(select list, group by list) for a breakdown; both empty-safe."""
    exprs: list[tuple[str, str]] = []
    for b in by:
        for item in BREAKDOWNS[b]:
            if item not in exprs:
                exprs.append(item)
    select = "".join(f"{expr} AS {name}, " for name, expr in exprs)
    group = ("GROUP BY " + ", ".join(expr for _, expr in exprs)) if exprs else ""
    return select, group


def _quote(identifier: str) -> str:
    if identifier not in ALLOWED_IDENTIFIERS:
        raise ValueError(f"{identifier!r} is not a column of the aggregate tables")
    return '"' + identifier + '"'


# ---------------------------------------------------------------------------------------------------------------
# The aggregate tables (built by kpi.data.derive at each store commit)

CATEGORICAL = {
    **{c: "impact" for c in schema.IMPACT_COLUMNS},
    "connections_support": "connections",
    "lonely": "lonely",
    **{c: "experience" for c in schema.EXPERIENCE_COLUMNS},
}


def cube_column(source: str, answer: str) -> str:
    """Name of the aggregate column counting `answer` to `source` ('unanswered' counts empties)."""
    return f"{source}__{answer}"


def key_column(count_column: str) -> str:
    """Name of the column holding the sum of the record keys of the records a count column counts."""
    return f"{count_column}__key"


# A record's key (cell key method, kpi.metrics.perturb): 0-255 from a keyed hash of its id. The secret is the
# store's (manifest.key_secret), set as a variable on the connection that builds the aggregates.
def _record_key(id_sql: str) -> str:
    return f"(md5_number_lower(getvariable('khi_key_secret') || {id_sql}) % 256)::BIGINT"


_RESPONSE_KEY = "r.rk"  # computed once per response (below), not once per count column


def _cube_definitions() -> list[tuple[str, str | None]]:
    """(column name, the condition a response meets to be counted, None for all) for every count in the cube."""
    defs: list[tuple[str, str | None]] = [("responses", None)]
    for col, domain in CATEGORICAL.items():
        for answer in schema.DOMAINS[domain]:
            defs.append((cube_column(col, answer), f"r.{col} = '{answer}'"))
        defs.append((cube_column(col, "unanswered"), f"r.{col} IS NULL"))
    defs += [
        (cube_column("friends_count", "answered"), "r.friends_count IS NOT NULL"),
        (cube_column("friends_count", "0"), "r.friends_count = 0"),
        (cube_column("friends_count", "3_or_more"), "r.friends_count >= 3"),
        ("completed_with_help__true", "r.completed_with_help"),
    ]
    return defs


def _counted(name: str, condition: str | None, key_sql: str) -> str:
    """A count and the sum of its records' keys, as two aggregate columns."""
    where = f" FILTER (WHERE {condition})" if condition else ""
    return f"count(*){where} AS {name}, coalesce(sum({key_sql}){where}, 0) AS {key_column(name)}"


CUBE_COLUMNS = tuple(name for name, _ in _cube_definitions())
# Counts in the change table (people who answered twice or more) and the condition each counts.
_CHANGE_COUNTS = {
    "people": None,
    "friends_pairs": "r.friends_change IS NOT NULL",
    "friends_more": "r.friends_change > 0",
    "connected_pairs": "r.c_first IS NOT NULL AND r.c_latest IS NOT NULL",
    "connected_both": "r.c_first AND r.c_latest",
    "connected_first_only": "r.c_first AND NOT r.c_latest",
    "connected_latest_only": "NOT r.c_first AND r.c_latest",
    "connected_neither": "NOT r.c_first AND NOT r.c_latest",
}
CHANGE_COLUMNS = (*_CHANGE_COUNTS, "friends_change_sum", "friends_change_sumsq")
KEYED_COLUMNS = frozenset(CUBE_COLUMNS) | frozenset(_CHANGE_COUNTS)  # the counts that carry key sums
ALLOWED_IDENTIFIERS = (frozenset(CUBE_COLUMNS) | frozenset(CHANGE_COLUMNS)
                       | frozenset(key_column(c) for c in KEYED_COLUMNS) | {"n", key_column("n")})  # n: friends_hist

_FY = "(CASE WHEN month(r.completed_on) >= 4 THEN year(r.completed_on) ELSE year(r.completed_on) - 1 END)"

# The answer codes inside these statements come from kpi.data.schema (constants), not from input.
# The scheme's name, area and programme ride along in every cell (schemes are few; the cells stay as many).
_CELL = "r.scheme_id, s.scheme_name, s.area_code, s.programme, " + _FY + " AS fy, r.arrangement, r.age_band, r.primary_need"
_WITH_SCHEME = (" FROM (SELECT *, " + _record_key("response_id") + " AS rk FROM responses) r "
                "JOIN schemes s ON s.scheme_id = r.scheme_id ")

CUBE_SQL = ("SELECT " + _CELL + ", "
            + ", ".join(_counted(name, condition, _RESPONSE_KEY) for name, condition in _cube_definitions())
            + _WITH_SCHEME + "GROUP BY ALL ORDER BY ALL")

FRIENDS_HIST_SQL = ("SELECT " + _CELL + ", r.friends_count, " + _counted("n", None, _RESPONSE_KEY)
                    + _WITH_SCHEME + "WHERE r.friends_count IS NOT NULL GROUP BY ALL ORDER BY ALL")

# First and latest answer of each person who answered at least twice; counted where the latest answer falls.
CHANGE_SQL = (
    """
WITH ranked AS (
    SELECT r.person_id, r.scheme_id, r.completed_on, r.arrangement, r.age_band, r.primary_need,
           r.friends_count,
           CASE WHEN r.impact_connected IN ('positive', 'none', 'negative')
                THEN r.impact_connected = 'positive' END AS connected_positive,
           row_number() OVER (PARTITION BY r.person_id ORDER BY r.completed_on, r.response_id) AS k,
           count(*) OVER (PARTITION BY r.person_id) AS m
    FROM responses r
),
pairs AS (
    SELECT l.scheme_id, s.scheme_name, s.area_code, s.programme, l.completed_on, l.arrangement, l.age_band, l.primary_need,
           l.friends_count - f.friends_count AS friends_change,
           f.connected_positive AS c_first, l.connected_positive AS c_latest,
           """ + _record_key("l.person_id") + """ AS rk
    FROM ranked f JOIN ranked l ON f.person_id = l.person_id AND f.k = 1 AND l.k = l.m
    JOIN schemes s ON s.scheme_id = l.scheme_id
    WHERE l.m >= 2
)
SELECT r.scheme_id, r.scheme_name, r.area_code, r.programme, """
    + _FY
    + """ AS fy, r.arrangement, r.age_band, r.primary_need,
       coalesce(sum(r.friends_change), 0) AS friends_change_sum,
       coalesce(sum(r.friends_change * r.friends_change), 0) AS friends_change_sumsq, """
    + ", ".join(_counted(name, condition, "r.rk") for name, condition in _CHANGE_COUNTS.items())
    + """
FROM pairs r GROUP BY ALL ORDER BY ALL
"""
)

DERIVED = {"cube": CUBE_SQL, "friends_hist": FRIENDS_HIST_SQL, "change": CHANGE_SQL}

# Place roll-ups, made when a connection opens: each aggregate summed by area, programme, year (and friends count). A
# request with no scheme, arrangement, age band or need sums these: the cells' sums exactly, from ~500x fewer rows.
_CELL_COLUMNS = ("scheme_id", "scheme_name", "area_code", "programme", "fy", "arrangement", "age_band", "primary_need")
_PLACE_DIMENSIONS = {"cube": _CELL_COLUMNS[2:5], "change": _CELL_COLUMNS[2:5],
                     "friends_hist": (*_CELL_COLUMNS[2:5], "friends_count")}
_PLACE_FILTERS, _PLACE_BREAKDOWNS = ("years", "areas", "programmes"), {"region", "nation", "year", "programme"}


def _rollup_sql(con, table: str) -> str:
    """The statement making `{table}_place`; its sums keep the cells' column types."""
    sums = [f"sum({_quote(name)}){'::BIGINT' if kind == 'BIGINT' else ''} AS {_quote(name)}"
            for name, kind in con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = $t "
                                          "ORDER BY column_index", {"t": table}).fetchall()
            if name not in _CELL_COLUMNS and name not in _PLACE_DIMENSIONS[table]]
    return (f"CREATE TABLE {table}_place AS SELECT {', '.join(_PLACE_DIMENSIONS[table])}, {', '.join(sums)} "
            f"FROM {table} GROUP BY ALL")


def _source(table: str, by: Sequence[str], f: Filters) -> tuple[str, str, dict]:
    """(table, WHERE clause, parameters) of a request on an aggregate: its place roll-up when that answers it."""
    if set(by) <= _PLACE_BREAKDOWNS and not (f.arrangements or f.age_bands or f.needs or f.schemes):
        return f"{table}_place", _where(_PLACE_FILTERS), _filter_params(f, _PLACE_FILTERS)
    return table, _WHERE, _filter_params(f)


def raw_connection(root: str | os.PathLike, manifest: store.Manifest, memory_limit: str = "1GB",
                   spill_dir: str | None = None):
    """A connection with views over the raw tables only: what kpi.data.derive aggregates from.

    With `spill_dir`, large aggregations spill there instead of growing past `memory_limit`.
    """
    con = duckdb.connect(config={"memory_limit": memory_limit, "preserve_insertion_order": False})
    if spill_dir:
        con.execute("SET temp_directory = $d", {"d": spill_dir}).fetchall()
    con.execute("SET VARIABLE khi_key_secret = $s", {"s": manifest.key_secret}).fetchall()
    root = Path(root)
    for table in store.RAW_TABLES:
        files = [str(p) for p in manifest.files(root, table)]
        if files:
            con.read_parquet(files, hive_partitioning=(table == "responses")).create_view(table)
        else:
            con.from_arrow(schema.arrow_schema(table).empty_table()).create_view(table)
    return con


def build_derived(con: duckdb.DuckDBPyConnection, name: str, out_path: Path) -> int:
    """Run one derived aggregate over the raw views and write it to `out_path`; returns its row count."""
    rel = con.sql(DERIVED[name])
    rel.write_parquet(str(out_path), compression="zstd")
    return int(con.execute("SELECT count(*) FROM read_parquet($p)", {"p": str(out_path)}).fetchall()[0][0])


# ---------------------------------------------------------------------------------------------------------------
# The reading connection the app, the CLI and exports share


def connect(root: str | os.PathLike | None = None, manifest: store.Manifest | None = None, *,
            version: int | None = None) -> duckdb.DuckDBPyConnection:
    """Open DuckDB over a store: aggregates and small tables loaded in memory, raw responses as a view.

    The version read: `manifest` (one already read), else `version` (e.g. `store.published_version(root)`), else the
    live one; its files stay in the store while it may be in use (kpi.data.store).
    DuckDB 2.0 refuses one connection used by two threads at once: callers run each query on `con.cursor()`.
    """
    root = paths.data_dir(root)
    manifest = manifest if manifest is not None else store.require_store(root, version)
    con = duckdb.connect(config={"preserve_insertion_order": False})
    con.read_parquet([str(p) for p in manifest.files(root, "schemes")]).create("schemes")
    # A yearly return row is the record of the people counts: its key is fixed here, from the store's secret.
    con.from_arrow(store.read_table(root, "people_supported", manifest=manifest)).create("people_rows")  # 0 files: ok
    con.execute("CREATE TABLE people_supported AS SELECT *, (md5_number_lower($s || scheme_id || '|' || year || '|' "
                "|| arrangement) % 256)::BIGINT AS row_key FROM people_rows", {"s": manifest.key_secret})
    con.read_parquet([str(p) for p in manifest.files(root, "responses")], hive_partitioning=True).create_view(
        "responses"
    )
    for name in DERIVED:
        files = [str(p) for p in manifest.files(root, name)]
        if not files:
            raise store.StoreError(f"{root}: the store has no {name!r} aggregate; re-run ingest or sample")
        con.read_parquet(files).create(name)
        con.execute(_rollup_sql(con, name))
    con.from_arrow(pacsv.read_csv(paths.POPULATION_CSV)).create("population")
    return con


def _run(cur, sql: str, params: dict | None = None) -> pd.DataFrame:
    return cur.execute(sql, params or {}).df()


def cube_counts(cur, columns: Sequence[str], by: Sequence[str], f: Filters, table: str = "cube",
                keys: bool = False) -> pd.DataFrame:
    """Sum the named aggregate columns over the filtered cells, one row per breakdown group.

    With `keys`, each count column's record-key sum comes too (`key_column(name)`), for the public view.
    """
    if table not in ("cube", "change"):
        raise ValueError(f"unknown aggregate table {table!r}")
    if keys:
        columns = [*columns, *(key_column(c) for c in columns if c in KEYED_COLUMNS)]
    select, group = _group_sql(by)
    sums = ", ".join(f"coalesce(sum(c.{_quote(col)}), 0)::BIGINT AS {_quote(col)}" for col in columns)
    source, where, params = _source(table, by, f)
    sql = f"SELECT {select}{sums} FROM {source} c WHERE {where} {group} {'ORDER BY ALL' if group else ''}"
    return _run(cur, sql, params)


def friends_histogram(cur, by: Sequence[str], f: Filters) -> pd.DataFrame:
    """How many people gave each friends count, per breakdown group."""
    select, group = _group_sql(by)
    group = (group + ", c.friends_count") if group else "GROUP BY c.friends_count"
    source, where, params = _source("friends_hist", by, f)
    sql = (f"SELECT {select}c.friends_count, sum(c.n)::BIGINT AS n, sum(c.n__key)::BIGINT AS n__key "
           f"FROM {source} c WHERE {where} {group} ORDER BY ALL")
    return _run(cur, sql, params)


def people_supported(cur, by: Sequence[str], f: Filters) -> pd.DataFrame:
    """People supported, summed per breakdown group (typically region x year x arrangement), with their key sum."""
    select, group = _group_sql(by)
    sql = (f"SELECT {select}sum(c.people)::BIGINT AS people, "
           "sum(c.row_key)::BIGINT AS people__key "
           "FROM (SELECT p.*, p.year AS fy, s.scheme_name, s.area_code, s.programme FROM people_supported p "
           "JOIN schemes s ON s.scheme_id = p.scheme_id) c "
           f"WHERE {_PEOPLE_WHERE} {group} ORDER BY ALL")
    return _run(cur, sql, _filter_params(f, _PEOPLE_FILTERS))


def people_years(cur) -> tuple[int, int]:
    """The first and last financial year the schemes' returns cover."""
    first, last = cur.execute("SELECT min(year), max(year) FROM people_supported").fetchall()[0]
    return int(first), int(last)


def population(cur, year: int) -> pd.DataFrame:
    """All-ages mid-year population per area for the nearest year the ONS table has (it ends before ours)."""
    sql = """
        SELECT area_code, population, year AS population_year FROM population
        WHERE age_group = 'all'
          AND year = (SELECT max(year) FROM population WHERE age_group = 'all' AND year <= greatest($y, 2014))
    """
    return _run(cur, sql, {"y": int(year)})


def schemes(cur, areas: Sequence[str] | None = None, scheme_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """The schemes table; only those in `areas` and/or with `scheme_ids` when given (None: no restriction)."""
    params = {"f_areas": areas is not None, "areas": list(areas or ()) or ["-"],
              "f_ids": scheme_ids is not None, "ids": [str(s) for s in scheme_ids or ()] or ["-"]}
    sql = ("SELECT * FROM schemes WHERE (NOT $f_areas OR list_contains($areas, area_code)) "
           "AND (NOT $f_ids OR list_contains($ids, CAST(scheme_id AS VARCHAR))) ORDER BY area_code, scheme_name")
    return _run(cur, sql, params)


def scheme_mix(cur, f: Filters) -> pd.DataFrame:
    """Answers per scheme (kpi.metrics.similar) by arrangement, age band, need: one scan, grouping sets."""
    b = ("arrangement", "age_band", "primary_need")
    sql = (f"SELECT c.scheme_id, CASE WHEN grouping(c.{b[0]}) = 0 THEN '{b[0]}' WHEN grouping(c.{b[1]}) = 0 THEN "
           f"'{b[1]}' ELSE '{b[2]}' END AS block, coalesce({', '.join(f'c.{x}' for x in b)}) AS category, sum("
           f"c.responses)::BIGINT AS responses FROM cube c WHERE {_WHERE} GROUP BY GROUPING SETS "
           f"({', '.join(f'(c.scheme_id, c.{x})' for x in b)}) ORDER BY ALL")
    return _run(cur, sql, _filter_params(f))


def years_available(cur) -> list[int]:
    return [int(y) for y in _run(cur, "SELECT DISTINCT fy FROM cube_place ORDER BY fy")["fy"]]


# Facts about the raw responses that need a full scan: computed once when the store is written (kpi.data.derive).
RAW_FACTS_SQL = """
    SELECT count(DISTINCT person_id) AS people, min(completed_on) AS first_date, max(completed_on) AS last_date
    FROM responses
"""


def raw_facts(con) -> dict:
    people, first, last = con.execute(RAW_FACTS_SQL).fetchall()[0]
    return {"people": int(people), "first_date": first.isoformat() if first else None,
            "last_date": last.isoformat() if last else None}


def coverage(cur) -> dict:
    """What the aggregates and small tables hold (the raw-scan facts come from the manifest)."""
    row = cur.execute(
        """SELECT (SELECT sum(responses) FROM cube) AS responses,
               (SELECT count(*) FROM schemes) AS schemes,
               (SELECT count(DISTINCT scheme_id) FROM cube) AS schemes_with_responses,
               (SELECT min(year) FROM people_supported) AS first_year,
               (SELECT max(year) FROM people_supported) AS last_year"""
    ).fetchall()[0]
    keys = ("responses", "schemes", "schemes_with_responses", "first_year", "last_year")
    return dict(zip(keys, row))
