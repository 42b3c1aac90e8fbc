"""Built outputs remembered by what they were built from, so a warm page view builds no figure and no CSV.

Where a page view's time goes (docs/performance.md): the queries are cached and take milliseconds; building the
plotly figures and the CSV text took most of it. `@remembered` keeps a builder's output keyed by the builder and a
fingerprint of its arguments (for a table: a digest of its values, index, column names and types), in a bounded LRU per process.

Content-addressed, so it is safe across viewers: an output is exactly what the same inputs would build again.
Tables reach the builders already narrowed and protected for the viewer's scope (kpi.metrics.api), so two viewers
share an output only when the figures it is built from are the same figures. The outputs are shared objects:
callers treat them as read-only (kpi.render.images copies a figure before adding its footer).
"""

from __future__ import annotations

import collections
import functools
import hashlib
import math
import threading
from typing import Any, Callable, TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kpi import i18n

MAX_ENTRIES = 512  # per process; a figure is tens of KB, so at most some tens of MB
F = TypeVar("F", bound=Callable[..., Any])

_cache: collections.OrderedDict = collections.OrderedDict()
_lock = threading.Lock()
stats = {"hits": 0, "misses": 0}


class _Unkeyable(Exception):
    """An argument with no reliable fingerprint: the builder runs uncached."""


def fingerprint(value: Any) -> Any:
    """A hashable stand-in for an argument, equal exactly when the values are."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return ("frame", _digest(value.to_frame() if isinstance(value, pd.Series) else value))
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else repr(value))  # nan != nan would never hit
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(fingerprint(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, fingerprint(v)) for k, v in sorted(value.items(), key=lambda kv: repr(kv[0]))))
    raise _Unkeyable(type(value).__name__)


def _digest(frame: pd.DataFrame) -> str:
    """A digest of a table's index, column names, types and values, the same for equal tables however they were
    made (pickles differ with the memory layout; pd.util.hash_pandas_object is five times slower on text)."""
    h = hashlib.blake2b(digest_size=16)
    index = frame.index
    h.update(repr((type(index).__name__, index.names, frame.shape, list(map(str, frame.columns)))).encode())
    if not isinstance(index, pd.RangeIndex) or index.start != 0 or index.step != 1:
        h.update(repr(index.tolist()).encode())
    for array, dtype in zip(column_arrays(frame), frame.dtypes):
        h.update(repr(str(dtype)).encode())
        if not _array_bytes(h, array):
            try:
                h.update("\x1f".join(map(repr, array.tolist())).encode("utf-8", "surrogatepass"))
            except Exception as exc:  # a cell whose repr fails
                raise _Unkeyable from exc
    return h.hexdigest()


def column_arrays(frame: pd.DataFrame):
    """A table's column arrays in order, without making a Series per column (50-150 µs each in pandas 3)."""
    iterate = getattr(frame, "_iter_column_arrays", None)  # pandas' own fast path (private, so with a fallback)
    return iterate() if iterate is not None else (column.array for _, column in frame.items())


def _array_bytes(h, array) -> bool:
    """Digest a column by its memory: a numpy array's bytes, a masked array's values and mask, an Arrow-backed
    array's buffers (pandas 3's text). The type goes in first, so equal digests mean equal values; equal values laid
    out differently (a NaN's payload, a chunking) only miss. False for anything else (object columns)."""
    if isinstance(array, np.ndarray):
        if array.dtype.kind in "biufcmM":
            h.update(np.ascontiguousarray(array).tobytes())
            return True
        return False
    data, mask = getattr(array, "_data", None), getattr(array, "_mask", None)
    if isinstance(data, np.ndarray) and isinstance(mask, np.ndarray):  # Int64, Float64, boolean
        h.update(np.ascontiguousarray(data).tobytes())
        h.update(np.ascontiguousarray(mask).tobytes())
        return True
    return _arrow_buffers(h, array)


def _arrow_buffers(h, array) -> bool:
    """Digest an Arrow-backed array by its Arrow buffers, without making a Python object per cell (that was most
    of a warm view's fingerprinting). The type, offset and length of each chunk go in with its buffers. False if
    not Arrow."""
    chunked = getattr(array, "_pa_array", None)
    if chunked is None or not hasattr(chunked, "chunks"):
        return False
    h.update(repr((str(chunked.type), chunked.num_chunks)).encode())
    for chunk in chunked.chunks:
        h.update(repr((chunk.offset, len(chunk))).encode())
        for buf in chunk.buffers():
            h.update(b"\x00" if buf is None else b"\x01" + repr(buf.size).encode() + b"\x02")
            if buf is not None:
                h.update(memoryview(buf))
    return True


def remembered(builder: F) -> F:
    """Decorate a pure builder (same arguments, same output) so its outputs are remembered."""
    name = f"{builder.__module__}.{builder.__qualname__}"

    @functools.wraps(builder)
    def wrapper(*args, **kwargs):
        try:
            key = (name, i18n.lang(), fingerprint(args), fingerprint(kwargs))  # the words are in a language
        except _Unkeyable:
            return builder(*args, **kwargs)
        with _lock:
            if key in _cache:
                _cache.move_to_end(key)
                stats["hits"] += 1
                return _cache[key]
        out = _frozen(builder(*args, **kwargs))
        with _lock:
            stats["misses"] += 1
            _cache[key] = out
            while len(_cache) > MAX_ENTRIES:
                _cache.popitem(last=False)
        return out

    wrapper.uncached = builder  # for tests and the benchmark: the builder itself
    return wrapper  # type: ignore[return-value]


class _FrozenFigure(go.Figure):
    """A remembered figure: built once, shown on many views. Its dict (what st.plotly_chart sends, through
    `to_dict`: a deep copy of every trace and a walk that packs arrays, 5-35 ms a chart) is made once and the same
    dict returned after that. Read-only, like every remembered output (a copy, `go.Figure(fig)`, is an ordinary
    figure again)."""

    def to_dict(self):
        made = self.__dict__.get("_khi_dict")
        if made is None:
            made = self.__dict__["_khi_dict"] = super().to_dict()
        return made


def _frozen(out):
    if type(out) is go.Figure:
        out.__class__ = _FrozenFigure
    return out


def clear() -> None:
    with _lock:
        _cache.clear()
