"""Similar schemes: a comparator group for one scheme, its k nearest neighbours in size and mix, and the scheme
compared with that group as well as with the benchmark.

The idea is Fingertips' and CIPFA's nearest-neighbour comparator groups (areas alike in their make-up, found by
distance on standardised features), applied to schemes. The method is in docs/statistics.md ("Similar schemes"):

- candidates: the schemes of the same programme with at least `MIN_ANSWERS` answers in the years in view;
- features (from the answers in those years): size, the log of the number of answers; the arrangement mix, the age
  mix and the needs mix, each the share of answers in each category;
- each feature standardised over the candidates (z-scores; a feature that does not vary is left out);
- distance: Euclidean, with each of the four blocks (size, arrangement, age, needs) weighted equally, so the 8 needs
  do not outvote the one size; the k nearest (ties by scheme id), k = 5 by default, 5 to 10 allowed; no group when
  fewer than 5 are alike.

Scheme-level: only a scope that may see the chosen scheme gets its group (ScopeError otherwise, and always for the
public). Neighbours the scope may not see are listed by their area only, never by name. The group's pooled figure is
computed from published (protected) counts unless the scope sees every figure exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi.data import queries, schema
from kpi.data.queries import Filters
from kpi.i18n import N_, _
from kpi.metrics import disclosure, registry, stats, tables
from kpi.metrics.scope import Scope, ScopeError

K_DEFAULT = 5
K_CHOICES = tuple(range(5, 11))
MIN_ANSWERS = disclosure.MIN_DENOMINATOR  # a scheme with fewer answers has no mix worth matching on
BLOCKS = {"arrangement": schema.ARRANGEMENTS, "age_band": schema.AGE_BANDS, "primary_need": schema.PRIMARY_NEEDS}
GROUP_LABEL = N_("Similar schemes ({k}, pooled)")  # the group's row, in the reader's language


def share_column(block: str, category: str) -> str:
    return f"{block}:{category}"


def profiles(cur, filters: Filters = Filters()) -> pd.DataFrame:
    """Each scheme's size and mix in the years in view: scheme_id, scheme_name, area_code, programme, answers, and
    one share column per arrangement, age band and primary need (`share_column`); schemes with answers only. Only
    the years filter applies: the mix describes the whole scheme, whatever else the view is narrowed to."""
    mix = queries.scheme_mix(cur, Filters(years=filters.years))
    mix["scheme_id"] = mix["scheme_id"].astype(str)
    info = queries.schemes(cur)[["scheme_id", "scheme_name", "area_code", "programme"]]
    info = info.assign(scheme_id=info["scheme_id"].astype(str))
    # Every answer has exactly one row in each block (unrecorded ones under None): a block's sum is the answers.
    answers = mix[mix["block"] == "arrangement"].groupby("scheme_id")["responses"].sum().rename("answers")
    out = info.merge(answers, left_on="scheme_id", right_index=True).sort_values("scheme_id", ignore_index=True)
    total = out["answers"].to_numpy(float)
    # Each block's answers per (scheme, category) summed into a matrix: the schemes of `out`, the categories named
    # (unrecorded ones count in the total only). Built as arrays and joined once: a column insert copies the frame.
    row = pd.Index(out["scheme_id"]).get_indexer(mix["scheme_id"])
    block_of, category = mix["block"].to_numpy(dtype=object), mix["category"]
    responses = mix["responses"].to_numpy(dtype=np.int64)
    shares = {}
    for block, categories in BLOCKS.items():
        column = pd.Index(categories).get_indexer(category)
        kept = (block_of == block) & (row >= 0) & (column >= 0)
        wide = np.zeros((len(out), len(categories)), dtype=np.int64)
        np.add.at(wide, (row[kept], column[kept]), responses[kept])
        for i, c in enumerate(categories):  # shares of all the scheme's answers (unrecorded ones included)
            shares[share_column(block, c)] = wide[:, i].astype(float) / total
    return pd.DataFrame({**{c: out[c].array for c in out.columns}, **shares})


def nearest(profile: pd.DataFrame, scheme_id: str, k: int = K_DEFAULT) -> pd.DataFrame:
    """The k schemes nearest to `scheme_id` (a `profiles` table), nearest first: the profile's id columns, answers,
    distance and rank. Empty when the scheme is not a candidate (too few answers) or has no candidate alike."""
    if k < 1:
        raise ValueError(f"a comparator group needs at least one scheme, not k={k}")
    profile = profile.assign(scheme_id=profile["scheme_id"].astype(str))
    target = profile[profile["scheme_id"] == str(scheme_id)]
    columns = [*profile.columns, "distance", "rank"]
    if target.empty or int(target["answers"].iloc[0]) < MIN_ANSWERS:
        return pd.DataFrame(columns=columns)
    pool = profile[(profile["programme"] == target["programme"].iloc[0])
                   & (profile["answers"] >= MIN_ANSWERS)].reset_index(drop=True)
    me = int(np.flatnonzero(pool["scheme_id"].to_numpy() == str(scheme_id))[0])
    blocks = [np.log(pool["answers"].to_numpy(float))[:, None],
              *(pool[[share_column(b, c) for c in cs]].to_numpy(float) for b, cs in BLOCKS.items())]
    squared = np.zeros(len(pool))
    for features in blocks:
        sd = features.std(axis=0)  # population SD
        varying = sd > 1e-12
        if not varying.any():
            continue
        z = (features[:, varying] - features[:, varying].mean(axis=0)) / sd[varying]
        # Each block weighs the same: its squared distance averaged over its varying features.
        squared += ((z - z[me]) ** 2).sum(axis=1) / int(varying.sum())
    pool["distance"] = np.sqrt(squared)
    others = pool.drop(index=me).sort_values(["distance", "scheme_id"], kind="stable").head(k)
    return others.assign(rank=np.arange(1, len(others) + 1)).reset_index(drop=True)[columns]


def answers_based(metric_id: str) -> bool:
    """Whether a KHI comes from people's answers (the groups are matched on answers; a count of people supported or
    a rate per population is not a scheme's figure to pool)."""
    return registry.get(metric_id).table != "people_supported"


def check_scheme(cur, scheme_id: str, scope: Scope) -> pd.Series:
    """The chosen scheme's row, if the scope may see it; ScopeError otherwise (always for the public)."""
    if not isinstance(scope, Scope):
        raise TypeError(f"scope must be a kpi.metrics.scope.Scope, not {type(scope).__name__}")
    if not scope.sees_schemes:
        raise ScopeError()
    found = queries.schemes(cur, scheme_ids=[str(scheme_id)])
    if found.empty or not scope.scheme_visible(str(scheme_id), found["area_code"].iloc[0]):
        raise ScopeError()  # an unknown id reads the same as a hidden one
    return found.iloc[0]


def members(cur, scheme_id: str, filters: Filters, k: int) -> pd.DataFrame:
    """The group (`nearest`), or none when fewer than the smallest group offered are alike: a pooled figure is then
    never of one or two other schemes."""
    if k not in K_CHOICES:
        raise ValueError(f"a group of similar schemes has {K_CHOICES[0]} to {K_CHOICES[-1]} schemes, not {k}")
    found = nearest(profiles(cur, filters), str(scheme_id), k)
    return found if len(found) >= K_CHOICES[0] else found.iloc[:0]


def group(cur, scheme_id: str, filters: Filters = Filters(), *, scope: Scope, k: int = K_DEFAULT) -> pd.DataFrame:
    """The comparator group as the scope may see it: rank, scheme_id and scheme_name (empty for a scheme the scope
    may not see), area_code, area_name, programme; and, for the exact scopes only, answers and distance."""
    check_scheme(cur, scheme_id, scope)
    found = members(cur, scheme_id, filters, k)
    visible = np.array([scope.scheme_visible(s, a) for s, a in zip(found["scheme_id"], found["area_code"])], bool)
    out = tables.add_labels(found[["rank", "scheme_id", "scheme_name", "area_code", "programme"]].copy())
    out["scheme_id"] = np.where(visible, out["scheme_id"].astype(str), "")
    out["scheme_name"] = np.where(visible, out["scheme_name"].astype(str),
                                  [f"A scheme in {a}" for a in out["area_name"]])
    if scope.exact_everywhere:
        out["answers"], out["distance"] = found["answers"].to_numpy(), found["distance"].round(3).to_numpy()
    return out


def check_measure(metric_id: str) -> None:
    """ValueError for a KHI that is not from people's answers (`answers_based`)."""
    if not answers_based(metric_id):
        k = registry.get(metric_id)
        raise ValueError(f"similar schemes are compared on what people answered; {metric_id!r} is a {k.statistic}")


def compared(mine: pd.DataFrame, pooled: pd.DataFrame | None, size: int = 0) -> pd.DataFrame:
    """The scheme's own table (one row) and its group of `size` schemes pooled (one row; None when it has no group),
    stacked: the group's row labelled as such, and `compared_with_similar` on the scheme's row, better / similar /
    worse than the group's pooled value (`stats.compare_to_benchmark`, the group as the benchmark)."""
    if pooled is None or mine.empty:
        return mine.assign(compared_with_similar="not compared", similar_schemes=0)
    k = registry.get(str(mine["metric_id"].iloc[0]))
    pooled = pooled.assign(scheme_id="", scheme_name=_(GROUP_LABEL).format(k=size), area_code="", area_name="")
    both = pd.concat([mine, pooled[[c for c in mine.columns if c in pooled.columns]]], ignore_index=True)
    hidden = both["suppressed"].to_numpy(bool)
    group_value = np.nan if hidden[1] else float(both["value"].iloc[1])
    against = stats.compare_to_benchmark(both["lower"].to_numpy(float)[:1], both["upper"].to_numpy(float)[:1],
                                         np.array([group_value]), k.direction)[0]
    both["compared_with_similar"] = ["not compared" if hidden[0] else str(against), ""]
    both["similar_schemes"] = size
    return both
