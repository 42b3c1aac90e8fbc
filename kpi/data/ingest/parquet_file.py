"""Reading Parquet files: the schema's names are the header; row n is the (n-1)th record, as in a spreadsheet.

Columns of lists, records (struct), maps or binary data are refused, naming the column: the contract's columns hold
single values, and turning `["positive"]` into `positive` or bytes into the text `b'...'` would alter data silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from kpi.data.ingest.errors import IngestError
from kpi.data.ingest.export import Sheet
from kpi.data.ingest.values import Unreadable, blank
from kpi.data.said import Said
from kpi.i18n import N_

_BATCH = 65_536


def refused_kind(t: pa.DataType) -> str | None:
    """What a column of this type holds, when the contract cannot store it; None when it can."""
    if pa.types.is_dictionary(t):
        return refused_kind(t.value_type)
    if isinstance(t, pa.ExtensionType):
        return refused_kind(t.storage_type)
    if pa.types.is_struct(t):
        return N_("records")
    if pa.types.is_map(t):
        return N_("maps")
    if pa.types.is_nested(t) or any(getattr(pa.types, f, lambda _: False)(t)
                                    for f in ("is_list_view", "is_large_list_view")):
        return N_("lists")
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t) or getattr(
            pa.types, "is_binary_view", lambda _: False)(t):
        return N_("binary data")
    return None


def _values(column: pa.Array) -> list[Any]:
    try:
        return column.to_pylist()
    except Exception:  # one bad value (a timestamp past year 9999, invalid UTF-8) must not lose the others
        out: list[Any] = []
        for i in range(len(column)):
            try:
                out.append(column[i].as_py())
            except Exception as exc:
                why = Said(N_("no Python value holds it: {error}"), error=f"{type(exc).__name__}: {str(exc)[:100]}")
                out.append(Unreadable(_raw_text(column, i), why))
        return out


def _raw_text(column: pa.Array, i: int) -> str:
    """The stored value as a person can check it: a timestamp past year 9999 as its raw number and type."""
    try:
        return str(column[i])
    except Exception:
        pass
    try:
        return f"{column.slice(i, 1).cast(pa.int64(), safe=False)[0].as_py()} ({column.type})"
    except Exception:
        return f"(a {column.type} value)"


def read_parquet(path: Path) -> Sheet:
    try:
        pf = pq.ParquetFile(path)
        schema = pf.schema_arrow
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError... for a damaged or truncated file
        raise IngestError(Said(N_("{path}: is not a readable Parquet file ({error})"), path=path,
                               error=str(exc)[:200])) from None
    for f in schema:
        kind = refused_kind(f.type)
        if kind:
            raise IngestError(Said(N_(
                "{path}: column '{column}' holds {kind} ({type}), which no column of the contract can hold;"
                " export it as plain text, numbers or dates (one value per cell)"), path=path, column=f.name,
                kind=Said(kind), type=f.type))
    rows: list[tuple[int, list[Any]]] = [(1, list(schema.names))]
    number = 1
    try:
        for batch in pf.iter_batches(batch_size=_BATCH):
            for values in zip(*(_values(col) for col in batch.columns)):
                number += 1
                if not all(blank(v) for v in values):
                    rows.append((number, list(values)))
    except Exception as exc:  # a damaged page: the footer read but the data does not
        raise IngestError(Said(N_("{path}: is damaged: its rows cannot be read after row {row} ({error})"),
                               path=path, row=number, error=str(exc)[:200])) from None
    return Sheet("", rows, fixed_header=True)
