"""Responses, made in fixed blocks: block b from a generator seeded by (seed, 1, b), so chunking never changes content.

Every answer comes from one ordered-logit model: a latent score = scheme effect + person effect + "distance
travelled" for later responses + logistic noise, cut at the calibrated thresholds. A person keeps their effect
across responses, so later answers correlate with earlier ones.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from kpi.data import schema
from kpi.data.sample.calibration import CONNECTIONS_CUTS, EXPERIENCE_CUTS, LONELY_CUTS, ordinal
from kpi.data.sample.story import (
    AGE_PROBS, EPOCH, GAP_DAYS, HELP_PROB_BY_NEED, IMPACTS, LAST_DAY, LONELY_PROBS, NEED_PROBS, PERSON_SD, REPEAT_PROBS,
    YEARS,
)
from kpi.data.sample.world import World

# The unit responses are made in. It defines the content: changing it changes every sample, so it is a constant.
BLOCK_ROWS = 50_000
_AGE_CUM = {p: np.cumsum(v) for p, v in AGE_PROBS.items()}
_NEED_CUM = {k: np.cumsum(v) for k, v in NEED_PROBS.items()}


def _draw(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw of category codes from cumulative probabilities."""
    return np.minimum(np.searchsorted(cum, u, side="right"), cum.size - 1).astype(np.int8)


def _block(world: World, seed: int, block: int, rows: int) -> dict[str, np.ndarray]:
    """`rows` responses of block `block`, as numpy code arrays (-1 = unanswered)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1, block]))
    # People: each answers 1-3 times; the last person is cut short so the block holds exactly `rows` responses.
    counts = rng.choice(3, rows, p=REPEAT_PROBS).astype(np.int64) + 1
    ends = np.cumsum(counts)
    persons = int(np.searchsorted(ends, rows)) + 1
    counts = counts[:persons]
    counts[-1] -= ends[persons - 1] - rows
    ends = np.cumsum(counts)
    starts = ends - counts
    person = np.repeat(np.arange(persons), counts)
    seq = np.arange(rows) - starts[person]  # 0 for a person's first response

    # Person level: where and how they are supported, who they are, their own effect.
    cell = np.searchsorted(world.cells.cum_weight, rng.random(persons), side="right")
    cell = np.minimum(cell, world.cells.scheme.size - 1)
    p_scheme = world.cells.scheme[cell]
    p_year = world.cells.year[cell]
    p_arr = world.cells.arrangement[cell]
    p_home = world.is_homeshare[p_scheme]
    u = rng.random(persons)
    p_age = np.where(p_home, _draw(_AGE_CUM["homeshare"], u), _draw(_AGE_CUM["shared_lives"], u))
    age_group = np.where(p_age == 0, 0, np.where(p_age <= 3, 1, 2))
    u = rng.random(persons)
    p_need = np.zeros(persons, dtype=np.int8)
    for prog_i, prog in enumerate(("shared_lives", "homeshare")):
        for g, group in enumerate(("18-24", "25-64", "65+")):
            sel = (p_home == bool(prog_i)) & (age_group == g)
            p_need[sel] = _draw(_NEED_CUM[(prog, group)], u[sel])
    p_effect = rng.normal(0.0, PERSON_SD, persons)
    p_help = rng.random(persons) < HELP_PROB_BY_NEED[p_need]

    # Dates: a day in the drawn year falls somewhere inside the person's run of responses (about six months
    # apart), so responses spread over years as people do; runs are kept inside 2014-15 .. 2024-25.
    fy_start = np.array([(dt.date(int(y), 4, 1) - EPOCH).days for y in YEARS])
    fy_len = np.diff(np.append(fy_start, (LAST_DAY - EPOCH).days + 1))
    yi = p_year - YEARS[0]
    mean, sd, lo, hi = GAP_DAYS
    gap = np.clip(np.rint(rng.normal(mean, sd, rows)), lo, hi).astype(np.int64)
    gap[seq == 0] = 0
    offset = np.cumsum(gap)
    offset -= offset[starts][person]  # days since the person's first response
    span = offset[ends - 1]
    anchor = fy_start[yi] + (rng.random(persons) * fy_len[yi]).astype(np.int64)
    first = anchor - (rng.random(persons) * (span + 1)).astype(np.int64)
    first = np.clip(first, fy_start[0], fy_start[-1] + fy_len[-1] - 1 - span)
    day = first[person] + offset

    # Response level.
    r_scheme = p_scheme[person]
    r_effect = p_effect[person]
    out: dict[str, np.ndarray] = {
        "person": person,
        "scheme": r_scheme.astype(np.int32),
        "day": day.astype(np.int32),
        "arrangement": p_arr[person],
        "age_band": np.where(rng.random(rows) < 0.015, -1, p_age[person]).astype(np.int8),
        "primary_need": np.where(rng.random(rows) < 0.02, -1, p_need[person]).astype(np.int8),
    }
    # Mostly the same answer as last time, sometimes not (a different helper was around).
    redraw = rng.random(rows) < 0.2
    helped = np.where(redraw, rng.random(rows) < HELP_PROB_BY_NEED[p_need[person]], p_help[person])
    out["completed_with_help"] = np.where(rng.random(rows) < 0.02, -1, helped).astype(np.int8)

    for d, (col, (_pos, _neg, na, null, gain)) in enumerate(IMPACTS.items()):
        latent = world.quality[r_scheme, d] + r_effect + gain * seq
        code = ordinal(latent, world.impact_cuts[col], rng)  # 0 positive, 1 none, 2 negative, as in the schema
        u = rng.random(rows)
        code[u < na] = 3  # not applicable
        code[(u >= na) & (u < na + null)] = -1  # unanswered
        out[col] = code

    # Friends: about one in eight has none; the rest a skewed count with a median near 4; later responses a little
    # higher, and some who had none have made a friend.
    zero_person = rng.random(persons) < 0.13
    made_friend = (seq > 0) & (rng.random(rows) < 0.2 * seq)
    p_social = 0.5 * p_effect / PERSON_SD + np.sqrt(0.75) * rng.standard_normal(persons)
    friends = np.exp(np.log(4.2) + 0.9 * p_social[person] + 0.25 * rng.standard_normal(rows) + 0.10 * seq)
    friends = np.clip(np.rint(friends), 1, 100).astype(np.int16)
    friends[zero_person[person] & ~made_friend] = 0
    friends[rng.random(rows) < 0.06] = -1
    out["friends_count"] = friends

    soft = 0.5 * r_effect
    conn = ordinal(soft + 0.15 * seq, CONNECTIONS_CUTS, rng)
    out["connections_support"] = np.where(rng.random(rows) < 0.04, -1, conn).astype(np.int8)
    lonely = ordinal(soft + 0.15 * seq, LONELY_CUTS, rng)
    lonely = (len(LONELY_PROBS) - 1 - lonely).astype(np.int8)  # model runs best first; schema runs worst first
    out["lonely"] = np.where(rng.random(rows) < 0.05, -1, lonely).astype(np.int8)
    for col in schema.EXPERIENCE_COLUMNS:
        exp = ordinal(soft + world.quality_common[r_scheme], EXPERIENCE_CUTS, rng)
        out[col] = np.where(rng.random(rows) < 0.03, -1, exp).astype(np.int8)

    # Ids: nine-digit response numbers in block order; person ids scrambled so they reveal no order.
    out["response_no"] = (np.int64(block) * BLOCK_ROWS + np.arange(rows) + 1).astype(np.int64)
    out["person_no"] = (np.int64(block) * BLOCK_ROWS + person).astype(np.uint64)
    return out


def chunks(world: World, responses: int, seed: int, chunk_rows: int):
    """Blocks concatenated and re-cut into chunks of `chunk_rows` responses (the last may be shorter)."""
    pending: list[dict[str, np.ndarray]] = []
    held = 0
    blocks = -(-responses // BLOCK_ROWS)
    for b in range(blocks):
        pending.append(_block(world, seed, b, min(BLOCK_ROWS, responses - b * BLOCK_ROWS)))
        held += pending[-1]["day"].size
        while held >= chunk_rows:
            joined = {k: np.concatenate([p[k] for p in pending]) for k in pending[0]}
            yield {k: v[:chunk_rows] for k, v in joined.items()}
            rest = {k: v[chunk_rows:] for k, v in joined.items()}
            held -= chunk_rows
            pending = [rest] if held else []
    if held:
        yield {k: np.concatenate([p[k] for p in pending]) for k in pending[0]}
