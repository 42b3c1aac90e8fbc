"""The sample's world: schemes, people supported and each scheme's quality. Small, made once per seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kpi.data import schema
from kpi.data.sample.calibration import impact_cuts
from kpi.data.sample.story import (
    CARER_RATIO, HOMESHARE_PEOPLE, HOMESHARE_SCHEMES, IMPACTS, KNOT_YEARS, MIX_KNOTS, OUTLIER_SHIFT, SCHEME_DOMAIN_SD,
    SCHEME_SD, SHARED_LIVES_PEOPLE, SHARED_LIVES_SCHEMES, YEARS,
)


@dataclass
class Cells:
    """Everything a response is drawn from: one cell per scheme x year x arrangement, weighted by people."""

    scheme: np.ndarray
    year: np.ndarray
    arrangement: np.ndarray
    cum_weight: np.ndarray


class World:
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
        self.cells = Cells(s_idx[keep], YEARS[y_idx][keep], a_idx[keep].astype(np.int8),
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
        self.impact_cuts = impact_cuts(self.quality, size)
