"""`python -m kpi sample`: a synthetic, national-scale sample store, made deterministically from a seed.

Everything here is made up: no scheme, council or person is real. The numbers are shaped to look like the
published Shared Lives figures (see `docs/sample-data.md` and `../shared/reference/README.md` §4), so the pages
have a believable story to show before real exports arrive.

How the content is defined (so a seed always gives the same rows, whatever the chunk size):

* the "world" (schemes, people supported, each scheme's quality) comes from one generator seeded by (seed, 0);
* responses are made in fixed blocks of `BLOCK_ROWS`, block b from a generator seeded by (seed, 1, b). Chunking
  only decides how many rows go into each Parquet file, never what the rows are.

Every answer comes from one ordered-logit model: a latent score = scheme effect + person effect + "distance
travelled" for later responses + logistic noise, cut at thresholds calibrated so the national answer shares hit
their targets. A person keeps their effect across responses, so later answers correlate with earlier ones.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kpi.data import derive, schema, store

DEFAULT_RESPONSES = 60_000
DEFAULT_SEED = 1
DEFAULT_CHUNK_ROWS = 500_000
# The unit responses are made in. It defines the content: changing it changes every sample, so it is a constant.
BLOCK_ROWS = 50_000
MAX_RESPONSES = 999_999_999  # response_id is "R" + nine digits

YEARS = np.array(schema.SAMPLE_YEARS)
LAST_DAY = dt.date(schema.SAMPLE_YEARS[-1] + 1, 3, 31)  # end of 2024-25
_EPOCH = dt.date(1970, 1, 1)


class SampleError(Exception):
    """The sample cannot be written; the message says why."""


# ---------------------------------------------------------------------------------------------------------------
# The published story, as knots that years in between interpolate. People supported by Shared Lives, per area.
# Sized so England is just under 12,000 around 2017-18 and the UK about 9,900-10,200 in 2024-25 (§4): the national
# fall is carried by the South East and Yorkshire, the growth by the North West (about half), London, the South West,
# the North East (from 2020) and Scotland.
KNOT_YEARS = (2014, 2016, 2018, 2020, 2022, 2024)
SHARED_LIVES_PEOPLE: dict[str, tuple[int, ...]] = {
    "E12000001": (640, 620, 600, 590, 680, 800),  # North East: flat, growing late
    "E12000002": (1350, 1550, 1800, 1950, 2050, 2150),  # North West: strong growth
    "E12000003": (1950, 2250, 2100, 1500, 950, 680),  # Yorkshire: strong years, then falling
    "E12000004": (1050, 1100, 1080, 1040, 1030, 1045),  # East Midlands: flat
    "E12000005": (1300, 1350, 1330, 1300, 1290, 1310),  # West Midlands: flat
    "E12000006": (460, 450, 420, 350, 260, 210),  # East of England: smallest, falling
    "E12000007": (470, 520, 580, 600, 640, 680),  # London: growing
    "E12000008": (2500, 2850, 2700, 1800, 1000, 620),  # South East: strong years, then falling
    "E12000009": (1050, 1100, 1170, 1180, 1220, 1260),  # South West: growing
    "W92000004": (1000, 1050, 1100, 1080, 900, 700),  # Wales: about 1,100 around 2019-20
    "S92000003": (330, 390, 470, 530, 572, 560),  # Scotland: 435 in 2017-18, 572 in 2021-22
    "N92000002": (200, 210, 210, 190, 180, 170),
}
HOMESHARE_PEOPLE = (420, 500, 600, 700, 850, 1000)  # UK Homeshare, growing as new programmes open

# Schemes per area: Shared Lives (Scotland has 15 in the published figures) and Homeshare programmes (none in the
# East of England, so its story stays "smallest and falling").
SHARED_LIVES_SCHEMES = {
    "E12000001": 6, "E12000002": 19, "E12000003": 12, "E12000004": 8, "E12000005": 11, "E12000006": 5,
    "E12000007": 9, "E12000008": 15, "E12000009": 10, "W92000004": 7, "S92000003": 15, "N92000002": 3,
}
HOMESHARE_SCHEMES = {
    "E12000001": 1, "E12000002": 4, "E12000003": 2, "E12000004": 1, "E12000005": 2, "E12000007": 6,
    "E12000008": 5, "E12000009": 4, "W92000004": 2, "S92000003": 3,
}

# Shared Lives arrangement mix (live-in, short breaks, day support) by year: about half live-in early on, day
# support collapsing in 2020 (COVID) and live-in near 58% by 2024-25 (§4).
MIX_KNOTS = np.array(
    [[0.47, 0.30, 0.23], [0.49, 0.29, 0.22], [0.50, 0.28, 0.22], [0.58, 0.27, 0.15], [0.57, 0.27, 0.16],
     [0.57, 0.26, 0.17]]
)
# Approved carers per person: about 0.9 until 2021-22 (9,193 for 10,549), 1.05 by 2024-25 (10,406 for 9,898).
CARER_RATIO = ((2014, 0.92), (2021, 0.92), (2022, 0.97), (2023, 1.03), (2024, 1.06))  # small rows round down a little

# Who answers. Age bands in schema order; needs in schema order, conditional on programme and age.
AGE_PROBS = {
    "shared_lives": (0.11, 0.19, 0.26, 0.25, 0.11, 0.06, 0.02),
    "homeshare": (0.00, 0.00, 0.02, 0.05, 0.15, 0.38, 0.40),
}
#                LD    autism MH    dement phys  older leave other
NEED_PROBS = {
    ("shared_lives", "18-24"): (0.62, 0.12, 0.08, 0.00, 0.03, 0.00, 0.13, 0.02),
    ("shared_lives", "25-64"): (0.72, 0.08, 0.10, 0.00, 0.05, 0.00, 0.00, 0.05),
    ("shared_lives", "65+"): (0.45, 0.02, 0.10, 0.18, 0.08, 0.14, 0.00, 0.03),
    ("homeshare", "18-24"): (0.00, 0.10, 0.25, 0.00, 0.50, 0.00, 0.00, 0.15),
    ("homeshare", "25-64"): (0.00, 0.10, 0.25, 0.00, 0.50, 0.00, 0.00, 0.15),
    ("homeshare", "65+"): (0.00, 0.00, 0.04, 0.25, 0.12, 0.55, 0.00, 0.04),
}
HELP_PROB_BY_NEED = np.array([0.54, 0.40, 0.22, 0.55, 0.30, 0.27, 0.18, 0.27])  # completed_with_help, ~45% overall

# Impact domains: national share positive and negative among positive/none/negative, not applicable, unanswered,
# and the average logit gain per later response ("distance travelled": friendships and connectedness improve most).
IMPACTS = {
    #                          positive negative n/a   null  gain
    "impact_connected": (0.90, 0.03, 0.02, 0.04, 0.35),
    "impact_friendships": (0.82, 0.04, 0.04, 0.05, 0.40),
    "impact_physical_health": (0.83, 0.05, 0.05, 0.05, 0.05),
    "impact_emotional_health": (0.88, 0.03, 0.03, 0.04, 0.10),
    "impact_control": (0.85, 0.04, 0.08, 0.06, 0.10),
    "impact_safety": (0.89, 0.025, 0.03, 0.03, 0.05),
    "impact_doing_things": (0.87, 0.03, 0.03, 0.04, 0.10),
    "impact_community": (0.78, 0.05, 0.10, 0.07, 0.15),
}
# Other items, best answer first: probabilities, unanswered share, how strongly the person effect loads, gain.
CONNECTIONS_PROBS = (0.75, 0.21, 0.04)  # helps, no difference, gets in the way
LONELY_PROBS = (0.20, 0.25, 0.25, 0.20, 0.10)  # never ... often/always (reverse of schema order)
EXPERIENCE_PROBS = (0.72, 0.21, 0.05, 0.02)  # always, mostly, sometimes, never

SCHEME_SD = 0.10  # common scheme effect (logit): the rest stay close to national
SCHEME_DOMAIN_SD = 0.06  # per-domain wobble on top
PERSON_SD = 1.10  # a person's own effect, shared by all their answers and responses
OUTLIER_SHIFT = {"high": 1.4, "low": -1.1}  # about +8..+12 and -13..-17 points: clear funnel outliers
REPEAT_PROBS = (0.60, 0.30, 0.10)  # 1, 2 or 3 responses per person: 40% answer more than once
GAP_DAYS = (182, 15, 150, 215)  # mean, sd, min, max days between a person's responses (about six months)


# ---------------------------------------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="folder for the new store (must be new or empty)")
    parser.add_argument("--responses", type=int, default=DEFAULT_RESPONSES,
                        help=f"number of responses (default {DEFAULT_RESPONSES:,})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS,
                        help=f"responses per write; bounds memory, not content (default {DEFAULT_CHUNK_ROWS:,})")


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        manifest = generate(args.out, responses=args.responses, seed=args.seed, chunk_rows=args.chunk_rows)
    except SampleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = manifest.rows
    print(
        f"Wrote a synthetic sample to {args.out}: {rows['schemes']:,} schemes, {rows['people_supported']:,} "
        f"people-supported rows, {rows['responses']:,} responses in {len(manifest.tables['responses'])} files "
        f"({time.perf_counter() - started:.1f} s). {manifest.note}."
    )
    return 0


def generate(
    out_dir: str | os.PathLike,
    responses: int = DEFAULT_RESPONSES,
    seed: int = DEFAULT_SEED,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> store.Manifest:
    """Write a synthetic store (schemes, people_supported, responses) into the new or empty folder `out_dir`.

    The rows depend only on `seed` and `responses`; `chunk_rows` only sets how many responses are held and written
    at a time (memory stays bounded by it). Responses go to `responses/fy=YYYY/part-*.parquet`. Returns the
    committed manifest (marked synthetic). Raises SampleError when `out_dir` already holds anything or an argument
    is out of range.
    """
    root = Path(out_dir)
    _check_arguments(responses, seed, chunk_rows)
    _check_empty(root)
    world = _World(seed)
    tables: dict[str, list[str]] = {
        "schemes": [store.write_parquet(root, f"schemes/{store.new_file_name()}", world.schemes_table())],
        "people_supported": [
            store.write_parquet(root, f"people_supported/{store.new_file_name()}", world.people_table())
        ],
        "responses": [],
    }
    for chunk in _chunks(world, responses, seed, chunk_rows):
        tables["responses"].extend(_write_responses(root, world, chunk))
    manifest = store.Manifest(
        synthetic=True,
        note=f"Synthetic sample data (seed {seed}, {responses:,} responses): made up, not real people",
        tables=tables,
        rows={"schemes": world.n_schemes, "people_supported": world.people_rows, "responses": responses},
    )
    with store.locked(root):
        if store.read_manifest(root).tables:  # another writer got there while we were generating
            raise SampleError(f"{root}: a store appeared here while the sample was being written; not replacing it")
        return derive.commit(root, manifest)


def _check_arguments(responses: int, seed: int, chunk_rows: int) -> None:
    if not 1 <= responses <= MAX_RESPONSES:
        raise SampleError(f"--responses must be between 1 and {MAX_RESPONSES:,}, not {responses}")
    if seed < 0:
        raise SampleError(f"--seed must be 0 or more, not {seed}")
    if chunk_rows < 1:
        raise SampleError(f"--chunk-rows must be 1 or more, not {chunk_rows}")


def _check_empty(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise SampleError(f"{root} is a file; --out needs a new or empty folder")
    if root.exists():
        contents = [p.name for p in root.iterdir() if p.name != ".lock"]  # a bare lock file is harmless
        if contents:
            what = "holds a store" if (root / store.MANIFEST).exists() else "is not empty"
            raise SampleError(
                f"{root} {what} ({', '.join(sorted(contents)[:5])}); the sample only writes into a new or empty "
                "folder, so nothing is overwritten. Choose another --out or remove that folder first."
            )


# ---------------------------------------------------------------------------------------------------------------
# Calibration: thresholds of an ordered logit so that, averaged over the random effects, answers hit target shares.
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(40)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _thresholds(probs: tuple[float, ...], sd: float, gain: float) -> np.ndarray:
    """Descending cut points t_k with P(latent > t_k) = P(answer is among the k+1 best) on average.

    The latent is N(0, sd²) + gain × (response number: 0, 1, 2 in REPEAT_PROBS proportions) + logistic noise.
    """
    later = np.array([1.0, 1 - REPEAT_PROBS[0], REPEAT_PROBS[2]])
    seq_share = later / later.sum()  # share of responses that are a person's 1st, 2nd, 3rd
    shifts = (_GH_NODES[:, None] * sd + gain * np.arange(3)[None, :]).ravel()
    weights = (_GH_WEIGHTS[:, None] * seq_share[None, :]).ravel()
    cuts = []
    for target in np.cumsum(probs)[:-1]:
        lo, hi = -30.0, 30.0
        for _ in range(60):  # bisection: the average is monotone in t
            mid = (lo + hi) / 2
            if weights @ _sigmoid(shifts - mid) > target:
                lo = mid
            else:
                hi = mid
        cuts.append((lo + hi) / 2)
    return np.array(cuts)


def _ordinal(latent: np.ndarray, cuts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Answer codes 0 (best) .. len(cuts) for latent scores plus logistic noise."""
    u = rng.random(latent.shape[0])
    y = latent + np.log(u / (1.0 - u))
    return (y[:, None] <= cuts[None, :]).sum(axis=1).astype(np.int8)


# ---------------------------------------------------------------------------------------------------------------
@dataclass
class _Cells:
    """Everything a response is drawn from: one cell per scheme x year x arrangement, weighted by people."""

    scheme: np.ndarray
    year: np.ndarray
    arrangement: np.ndarray
    cum_weight: np.ndarray


class _World:
    """Schemes, people supported and scheme quality: small, made once per seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
        self._make_schemes(rng)
        self._make_people(rng)
        self._make_quality(rng)

    # -- schemes
    def _make_schemes(self, rng: np.random.Generator) -> None:
        rows = []
        for programme, counts, prefix, label in (
            ("shared_lives", SHARED_LIVES_SCHEMES, "SL", "Shared Lives"),
            ("homeshare", HOMESHARE_SCHEMES, "HS", "Homeshare"),
        ):
            for area in schema.AREAS:
                for k in range(1, counts.get(area, 0) + 1):
                    rows.append((prefix, programme, area, f"Synthetic {label} {schema.AREAS[area]} {k}", k))
        n = len(rows)
        self.n_schemes = n
        self.scheme_id = np.array([f"{r[0]}{i + 1:03d}" for i, r in enumerate(rows)])
        self.scheme_name = [r[3] for r in rows]
        self.programme = np.array([r[1] for r in rows])
        self.area = np.array([r[2] for r in rows])
        # Made-up council names; about one scheme in seven serves several councils and names none.
        self.local_authority = [
            None if rng.random() < 0.15 else f"Synthetic Council {schema.AREAS[r[2]]} {chr(64 + r[4])}"
            for r in rows
        ]
        # CQC inspects Shared Lives in England only: other nations have other regulators, Homeshare is unregulated.
        cqc = []
        for prog, area in zip(self.programme, self.area):
            if prog == "shared_lives" and area.startswith("E") and rng.random() > 0.05:
                cqc.append(schema.CQC_RATINGS[rng.choice(4, p=[0.22, 0.70, 0.07, 0.01])])
            else:
                cqc.append(None)
        self.cqc_rating = cqc
        self.is_homeshare = self.programme == "homeshare"

    def schemes_table(self) -> pa.Table:
        return pa.table(
            {
                "scheme_id": pa.array(self.scheme_id.tolist()),
                "scheme_name": pa.array(self.scheme_name),
                "programme": pa.array(self.programme.tolist()),
                "area_code": pa.array(self.area.tolist()),
                "local_authority": pa.array(self.local_authority, pa.string()),
                "cqc_rating": pa.array(self.cqc_rating, pa.string()),
            },
            schema=schema.arrow_schema("schemes"),
        )

    # -- people supported
    def _make_people(self, rng: np.random.Generator) -> None:
        n, ny = self.n_schemes, len(YEARS)
        size = rng.lognormal(0.0, 0.5, n)  # schemes differ in size within an area
        drift = np.cumsum(rng.normal(0.0, 0.04, (n, ny)), axis=1)  # each scheme's own wobble over the years
        weight = size[:, None] * np.exp(drift)
        # Homeshare grew by opening programmes: 14 run from 2014, the others open between 2015 and 2021 and ramp up.
        start = np.full(n, YEARS[0])
        hs = np.flatnonzero(self.is_homeshare)
        late = rng.permutation(hs)[14:]
        start[late] = rng.integers(2015, 2022, late.size)
        ramp = np.clip((YEARS[None, :] - start[:, None] + 1) / 3.0, 0.0, 1.0)
        weight *= ramp
        totals = np.zeros((n, ny))
        for area, knots in SHARED_LIVES_PEOPLE.items():
            members = (self.area == area) & ~self.is_homeshare
            w = weight[members]
            totals[members] = w / w.sum(axis=0) * np.interp(YEARS, KNOT_YEARS, knots)[None, :]
        w = weight[self.is_homeshare]
        totals[self.is_homeshare] = w / w.sum(axis=0) * np.interp(YEARS, KNOT_YEARS, HOMESHARE_PEOPLE)[None, :]

        # Each Shared Lives scheme keeps its own leaning (some offer no day support); the national mix moves by year.
        base = MIX_KNOTS[0]
        lean = rng.dirichlet(base * 30, n)
        lean[rng.random(n) < 0.2, 2] = 0.0
        year_mix = np.stack([np.interp(YEARS, KNOT_YEARS, MIX_KNOTS[:, j]) for j in range(3)], axis=1) / base
        mix = lean[:, None, :] * year_mix[None, :, :]
        mix /= mix.sum(axis=2, keepdims=True)
        people = np.zeros((n, ny, 4))
        people[:, :, :3] = totals[:, :, None] * mix
        people[self.is_homeshare] = 0.0
        people[self.is_homeshare, :, 3] = totals[self.is_homeshare]
        people = np.rint(people).astype(np.int64)

        # Rows: arrangements a scheme offers, years it runs.
        offered = np.zeros((n, ny, 4), dtype=bool)
        offered[~self.is_homeshare, :, :3] = (lean[~self.is_homeshare] > 0)[:, None, :]
        offered[self.is_homeshare, :, 3] = True
        offered &= (YEARS[None, :] >= start[:, None])[:, :, None]
        s_idx, y_idx, a_idx = np.nonzero(offered)
        self.people_rows = s_idx.size
        ppl = people[s_idx, y_idx, a_idx]
        ratio = np.interp(YEARS, *zip(*CARER_RATIO))[y_idx]
        carers = np.rint(ppl * ratio * rng.lognormal(0.0, 0.08, ppl.size)).astype(np.int64)
        carers_missing = rng.random(ppl.size) < 0.03  # some schemes did not report carers that year
        self._people = (s_idx, YEARS[y_idx], a_idx, ppl, carers, carers_missing)
        keep = ppl > 0
        self.cells = _Cells(s_idx[keep], YEARS[y_idx][keep], a_idx[keep].astype(np.int8),
                            np.cumsum(ppl[keep]) / ppl[keep].sum())

    def people_table(self) -> pa.Table:
        s_idx, year, a_idx, ppl, carers, carers_missing = self._people
        return pa.table(
            {
                "scheme_id": pa.array(self.scheme_id[s_idx].tolist()),
                "year": pa.array(year.astype(np.int32)),
                "arrangement": pc.take(pa.array(schema.ARRANGEMENTS), pa.array(a_idx)),
                "people": pa.array(ppl),
                "carers": pa.array(carers, mask=carers_missing),
            },
            schema=schema.arrow_schema("people_supported"),
        )

    # -- quality: the latent effect each scheme adds to every answer
    def _make_quality(self, rng: np.random.Generator) -> None:
        n = self.n_schemes
        common = rng.normal(0.0, SCHEME_SD, n)
        # Clear outliers, both ways: three high and three low among the larger English Shared Lives schemes,
        # so they stand out on a funnel plot even in a small sample.
        size = np.bincount(self.cells.scheme, weights=np.diff(self.cells.cum_weight, prepend=0.0), minlength=n)
        english_sl = np.flatnonzero((np.char.startswith(self.area.astype(str), "E")) & ~self.is_homeshare)
        large = english_sl[np.argsort(-size[english_sl], kind="stable")][:24]
        picked = rng.choice(large, 6, replace=False)
        self.outliers = {"high": np.sort(picked[:3]), "low": np.sort(picked[3:])}
        for kind, idx in self.outliers.items():
            common[idx] = OUTLIER_SHIFT[kind]
        self.quality = common[:, None] + rng.normal(0.0, SCHEME_DOMAIN_SD, (n, len(IMPACTS)))
        self.quality_common = common


# ---------------------------------------------------------------------------------------------------------------
# Response blocks.
_IMPACT_CUTS = {
    col: _thresholds((pos, 1 - pos - neg, neg), np.hypot(SCHEME_SD, PERSON_SD), gain)
    for col, (pos, neg, _na, _null, gain) in IMPACTS.items()
}
_CONNECTIONS_CUTS = _thresholds(CONNECTIONS_PROBS, 0.5 * PERSON_SD, 0.15)
_LONELY_CUTS = _thresholds(LONELY_PROBS, 0.5 * PERSON_SD, 0.15)
_EXPERIENCE_CUTS = _thresholds(EXPERIENCE_PROBS, np.hypot(0.5 * PERSON_SD, SCHEME_SD), 0.0)
_AGE_CUM = {p: np.cumsum(v) for p, v in AGE_PROBS.items()}
_NEED_CUM = {k: np.cumsum(v) for k, v in NEED_PROBS.items()}


def _draw(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw of category codes from cumulative probabilities."""
    return np.minimum(np.searchsorted(cum, u, side="right"), cum.size - 1).astype(np.int8)


def _block(world: _World, seed: int, block: int, rows: int) -> dict[str, np.ndarray]:
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
    fy_start = np.array([(dt.date(int(y), 4, 1) - _EPOCH).days for y in YEARS])
    fy_len = np.diff(np.append(fy_start, (LAST_DAY - _EPOCH).days + 1))
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
        code = _ordinal(latent, _IMPACT_CUTS[col], rng)  # 0 positive, 1 none, 2 negative, as in the schema
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
    conn = _ordinal(soft + 0.15 * seq, _CONNECTIONS_CUTS, rng)
    out["connections_support"] = np.where(rng.random(rows) < 0.04, -1, conn).astype(np.int8)
    lonely = _ordinal(soft + 0.15 * seq, _LONELY_CUTS, rng)
    lonely = (len(LONELY_PROBS) - 1 - lonely).astype(np.int8)  # model runs best first; schema runs worst first
    out["lonely"] = np.where(rng.random(rows) < 0.05, -1, lonely).astype(np.int8)
    for col in schema.EXPERIENCE_COLUMNS:
        exp = _ordinal(soft + world.quality_common[r_scheme], _EXPERIENCE_CUTS, rng)
        out[col] = np.where(rng.random(rows) < 0.03, -1, exp).astype(np.int8)

    # Ids: nine-digit response numbers in block order; person ids scrambled so they reveal no order.
    out["response_no"] = (np.int64(block) * BLOCK_ROWS + np.arange(rows) + 1).astype(np.int64)
    out["person_no"] = (np.int64(block) * BLOCK_ROWS + person).astype(np.uint64)
    return out


def _chunks(world: _World, responses: int, seed: int, chunk_rows: int):
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


# ---------------------------------------------------------------------------------------------------------------
# Turning code arrays into contract-shaped Arrow tables.
def _fixed_strings(prefix: bytes, digits: np.ndarray) -> pa.Array:
    """A string array of `prefix` + the given per-row characters (an (n, width) uint8 array), built without Python."""
    n, width = digits.shape
    buf = np.empty((n, len(prefix) + width), dtype=np.uint8)
    buf[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    buf[:, len(prefix):] = digits
    offsets = np.arange(n + 1, dtype=np.int32) * buf.shape[1]
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf.tobytes()))


def _response_ids(numbers: np.ndarray) -> pa.Array:
    powers = 10 ** np.arange(8, -1, -1, dtype=np.int64)
    return _fixed_strings(b"R", ((numbers[:, None] // powers) % 10 + 48).astype(np.uint8))


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _person_ids(numbers: np.ndarray, seed: int) -> pa.Array:
    # Multiplying by an odd constant modulo 2^40 is a bijection: ids stay unique but look random.
    key = np.uint64((seed * 0x9E3779B1 + 0x5DEECE66D) & (2**40 - 1))
    mixed = ((numbers * np.uint64(0xD1B54A32D193)) ^ key) & np.uint64(2**40 - 1)
    shifts = np.arange(36, -1, -4, dtype=np.uint64)
    return _fixed_strings(b"P", _HEX[((mixed[:, None] >> shifts) & np.uint64(15)).astype(np.intp)])


def _coded(values: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    return pc.take(pa.array(values), pa.array(codes, mask=codes < 0))


def _responses_table(world: _World, seed: int, c: dict[str, np.ndarray]) -> pa.Table:
    columns = {
        "response_id": _response_ids(c["response_no"]),
        "person_id": _person_ids(c["person_no"], seed),
        "scheme_id": pc.take(pa.array(world.scheme_id.tolist()), pa.array(c["scheme"])),
        "completed_on": pa.array(c["day"], pa.int32()).view(pa.date32()),
        "arrangement": _coded(schema.ARRANGEMENTS, c["arrangement"]),
        "age_band": _coded(schema.AGE_BANDS, c["age_band"]),
        "primary_need": _coded(schema.PRIMARY_NEEDS, c["primary_need"]),
        "completed_with_help": pa.array(c["completed_with_help"] == 1, mask=c["completed_with_help"] < 0),
        **{col: _coded(schema.IMPACT_ANSWERS, c[col]) for col in schema.IMPACT_COLUMNS},
        "friends_count": pa.array(c["friends_count"].astype(np.int32), mask=c["friends_count"] < 0),
        "connections_support": _coded(schema.CONNECTIONS_ANSWERS, c["connections_support"]),
        "lonely": _coded(schema.LONELY_ANSWERS, c["lonely"]),
        **{col: _coded(schema.EXPERIENCE_ANSWERS, c[col]) for col in schema.EXPERIENCE_COLUMNS},
    }
    return pa.table(columns, schema=schema.arrow_schema("responses"))


def _fy_of_days(days: np.ndarray) -> np.ndarray:
    starts = np.array([(dt.date(int(y), 4, 1) - _EPOCH).days for y in YEARS])
    return YEARS[np.searchsorted(starts, days, side="right") - 1]


def _write_responses(root: Path, world: _World, c: dict[str, np.ndarray]) -> list[str]:
    """One Parquet file per financial year present in the chunk; returns their relative paths."""
    fy = _fy_of_days(c["day"])
    order = np.argsort(fy, kind="stable")
    fy_sorted = fy[order]
    written = []
    for year in np.unique(fy_sorted):
        lo, hi = np.searchsorted(fy_sorted, [year, year + 1])
        part = {k: v[order[lo:hi]] for k, v in c.items()}
        table = _responses_table(world, world.seed, part)
        written.append(store.write_parquet(root, f"responses/fy={int(year)}/{store.new_file_name()}", table))
    return written
