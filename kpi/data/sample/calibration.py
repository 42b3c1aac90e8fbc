"""Calibration: thresholds of an ordered logit so that, averaged over the random effects, answers hit target shares."""

from __future__ import annotations

import numpy as np

from kpi.data.sample.story import (
    CONNECTIONS_PROBS, EXPERIENCE_PROBS, IMPACTS, LONELY_PROBS, PERSON_SD, REPEAT_PROBS, SCHEME_SD,
)

_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(40)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _thresholds(probs: tuple[float, ...], sd: float, gain: float, offsets=(0.0,),
                offset_weights=(1.0,)) -> np.ndarray:
    """Descending cut points t_k with P(latent > t_k) = P(answer is among the k+1 best) on average.

    The latent is N(0, sd²) + gain × (response number: 0, 1, 2 in REPEAT_PROBS proportions) + logistic noise, plus
    one of `offsets` (schemes' effects) in proportion to `offset_weights` (their shares of responses).
    """
    later = np.array([1.0, 1 - REPEAT_PROBS[0], REPEAT_PROBS[2]])
    seq_share = later / later.sum()  # share of responses that are a person's 1st, 2nd, 3rd
    offset_share = np.asarray(offset_weights, float) / np.sum(offset_weights)
    shifts = (_GH_NODES[:, None, None] * sd + np.asarray(offsets, float)[None, :, None]
              + gain * np.arange(3)[None, None, :]).ravel()
    weights = (_GH_WEIGHTS[:, None, None] * offset_share[None, :, None] * seq_share[None, None, :]).ravel()
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


def ordinal(latent: np.ndarray, cuts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Answer codes 0 (best) .. len(cuts) for latent scores plus logistic noise."""
    u = rng.random(latent.shape[0])
    y = latent + np.log(u / (1.0 - u))
    return (y[:, None] <= cuts[None, :]).sum(axis=1).astype(np.int8)


def impact_cuts(scheme_effect: np.ndarray, scheme_share: np.ndarray) -> dict[str, np.ndarray]:
    """Cut points per impact domain for a world's schemes: effects (scheme x domain, in IMPACTS order) weighted by
    each scheme's share of responses, so the clear outliers (large and asymmetric in effect) do not pull the
    national shares off their targets: the headline figures land on the published ones."""
    return {
        col: _thresholds((pos, 1 - pos - neg, neg), PERSON_SD, gain, scheme_effect[:, d], scheme_share)
        for d, (col, (pos, neg, _na, _null, gain)) in enumerate(IMPACTS.items())
    }


# The cut points every response block uses for the other items (no scheme effect, or a small symmetric one).
CONNECTIONS_CUTS = _thresholds(CONNECTIONS_PROBS, 0.5 * PERSON_SD, 0.15)
LONELY_CUTS = _thresholds(LONELY_PROBS, 0.5 * PERSON_SD, 0.15)
EXPERIENCE_CUTS = _thresholds(EXPERIENCE_PROBS, np.hypot(0.5 * PERSON_SD, SCHEME_SD), 0.0)
