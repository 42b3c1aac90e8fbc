"""Turning response code arrays into contract-shaped Arrow tables, written one Parquet file per financial year."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kpi.data import schema, store
from kpi.data.sample.story import EPOCH, YEARS
from kpi.data.sample.world import World


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


def _responses_table(world: World, seed: int, c: dict[str, np.ndarray]) -> pa.Table:
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
    starts = np.array([(dt.date(int(y), 4, 1) - EPOCH).days for y in YEARS])
    return YEARS[np.searchsorted(starts, days, side="right") - 1]


def write_responses(root: Path, world: World, c: dict[str, np.ndarray]) -> list[str]:
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
