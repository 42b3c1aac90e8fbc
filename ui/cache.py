"""The cache behind ui.data's kpi calls: one result per request, shared by every session of the process and, when the
serving stack gives a folder, by every worker.

Why not `st.cache_data`: it pickles a result when stored and unpickles a fresh copy on every hit, and hashes every
argument with Streamlit's hasher: on a warm page that was 20-60 ms of kpi calls per view (docs/performance.md). Here a
hit is a dict lookup and a shallow copy (pandas' copy-on-write keeps the cached table unchanged whatever a page does
with its copy). Why a folder shared by the workers (`KHI_SHARED_CACHE`, set by scripts/serve.sh): each worker kept its
own cache, so a room behind the balancer paid for every view once per worker; now the first worker to compute a
result writes it and the others read it.

The key is every argument whose name does not start with "_" (as in st.cache_data: `_con` is the connection), so the
viewer's scope, the store's folder and version and the language are in it: nothing crosses a viewer's scope. A result
is computed once at a time per key in a process (a room opening the same page at once waits for one computation).
Exceptions are not cached. Memory is bounded per function (max_entries) and per process (KHI_CACHE_MB, default
384: the least recently used results go first; results are held as live tables, not pickles). Files are written
whole (a temporary file renamed into place), so a reader never sees half of one; an unreadable file is a miss. The
folder is the server's own (0700, files 0600: pickles are code to whoever can write them); serve.sh empties it at
each start, and it is kept under KHI_SHARED_CACHE_MB (oldest files go first).
"""

from __future__ import annotations

import collections
import contextlib
import functools
import hashlib
import inspect
import logging
import os
import pickle
import threading
from pathlib import Path
from typing import Any, Callable, TypeVar

import pandas as pd

from kpi.data import store

F = TypeVar("F", bound=Callable[..., Any])
ENV_FOLDER, ENV_LIMIT, ENV_MEMORY = "KHI_SHARED_CACHE", "KHI_SHARED_CACHE_MB", "KHI_CACHE_MB"
DEFAULT_LIMIT_MB = 1024  # the shared folder
DEFAULT_MEMORY_MB = 384  # each process's results in memory
PRUNE_EVERY = 50  # writes between two size checks of the folder
_log = logging.getLogger(__name__)
_caches: list["_Cache"] = []
stats = collections.Counter()  # hits, misses, disk_hits, disk_writes: for tests and perf


class _Cache:
    """One function's results. Every cache of the process shares one lock and one least-recently-used order, so the
    process keeps at most KHI_CACHE_MB of results (tables are held as they are, not pickled: bounded by size too)."""

    def __init__(self, name: str, max_entries: int):
        self.name, self.max_entries = name, max_entries
        self.entries: collections.OrderedDict = collections.OrderedDict()
        self.computing: dict[Any, threading.Lock] = {}

    def get(self, key) -> tuple[bool, Any]:
        with _lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                _recent.move_to_end((self, key))
                return True, self.entries[key]
        return False, None

    def put(self, key, value) -> None:
        global _total
        size = _size(value)
        with _lock:
            _forget(self, key)
            self.entries[key] = value
            _recent[(self, key)] = size
            _total += size
            while len(self.entries) > self.max_entries:
                _forget(self, next(iter(self.entries)))
            limit = _memory_limit()
            while _total > limit and len(_recent) > 1:
                oldest_cache, oldest_key = next(iter(_recent))
                _forget(oldest_cache, oldest_key)

    @contextlib.contextmanager
    def one_at_a_time(self, key):
        with _lock:
            lock = self.computing.setdefault(key, threading.Lock())
        try:
            with lock:
                yield
        finally:
            with _lock:
                self.computing.pop(key, None)


_lock = threading.Lock()
_recent: collections.OrderedDict = collections.OrderedDict()  # (cache, key) -> bytes, least recently used first
_total = 0


def _forget(cache: _Cache, key) -> None:
    global _total
    _total -= _recent.pop((cache, key), 0)
    cache.entries.pop(key, None)


def _megabytes(env: str, default: float) -> float:
    """A size limit from the environment, in MB (the default when unset or not a number)."""
    try:
        return float(os.environ.get(env, default))
    except ValueError:
        return default


def _memory_limit() -> float:
    return _megabytes(ENV_MEMORY, DEFAULT_MEMORY_MB) * 1024 * 1024


def _size(value) -> int:
    """Bytes a result holds, roughly: its tables' columns (Arrow text counted by its buffers), 1 KB for anything else."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(index=True, deep=False).sum())
    if isinstance(value, pd.Series):
        return int(value.memory_usage(index=True, deep=False))
    if isinstance(value, dict):
        return sum(_size(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_size(v) for v in value)
    return 1024


def shared(max_entries: int) -> Callable[[F], F]:
    """Decorate a function returning kpi results (tables, dicts, tuples of them): results kept by its arguments
    (those not starting with "_"), at most `max_entries` in this process."""

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)
        keyed = [n for n in signature.parameters if not n.startswith("_")]
        cache = _Cache(f"{fn.__module__}.{fn.__qualname__}", max_entries)
        _caches.append(cache)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            key = tuple(bound.arguments[n] for n in keyed)
            hit, value = cache.get(key)
            if hit:
                stats["hits"] += 1
                return detached(value)
            with cache.one_at_a_time(key):
                hit, value = cache.get(key)  # computed by another session while this one waited
                if not hit:
                    value = _from_disk(cache.name, key, bound.arguments)
                    if value is _MISSING:
                        stats["misses"] += 1
                        value = fn(*args, **kwargs)
                        _to_disk(cache.name, key, bound.arguments, value)
                    cache.put(key, value)
            return detached(value)

        wrapper.cache = cache  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def clear() -> None:
    """Forget every result held in this process (the shared folder is left alone)."""
    global _total
    with _lock:
        for cache in _caches:
            cache.entries.clear()
        _recent.clear()
        _total = 0


def detached(value):
    """What a caller may change without changing the cached result: tables copied shallowly (copy-on-write makes a
    change to the copy copy the data), containers rebuilt; other values as they are (treated as read-only)."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    if isinstance(value, dict):
        return {k: detached(v) for k, v in value.items()}
    if isinstance(value, list):
        return [detached(v) for v in value]
    if isinstance(value, tuple):
        parts = [detached(v) for v in value]
        return type(value)(*parts) if hasattr(value, "_fields") else tuple(parts)
    return value


# -- the folder shared by the workers ------------------------------------------------------------------------------
_MISSING = object()
_writes = collections.Counter()


def folder() -> Path | None:
    path = os.environ.get(ENV_FOLDER, "").strip()
    return Path(path) if path else None


@functools.lru_cache(maxsize=64)
def _store_identity(root: str, version: int) -> str:
    # A store made again in the same folder starts at version 1 again: its commit time and its own secret (made
    # with the store, digested here: never written out) tell the two apart.
    try:
        manifest = store.read_manifest(root, version)
    except Exception:  # no such version any more: the key still differs by version
        return ""
    return manifest.updated_at + ":" + hashlib.blake2b(manifest.key_secret.encode(), digest_size=8).hexdigest()


def _path(base: Path, name: str, key: tuple, arguments: dict) -> Path:
    root, version = arguments.get("root"), arguments.get("version")
    identity = _store_identity(str(root), int(version)) if root is not None and version is not None else ""
    # repr of the key is the same in every process: str, int, float, tuples and frozen dataclasses of them.
    digest = hashlib.blake2b(repr((name, key, identity)).encode(), digest_size=20).hexdigest()
    return base / f"{digest}.pickle"


def _from_disk(name: str, key: tuple, arguments: dict):
    base = folder()
    if base is None:
        return _MISSING
    path = _path(base, name, key, arguments)
    try:
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if info.st_uid != os.getuid() or info.st_mode & 0o022:  # a pickle someone else could have written
                _log.warning("shared cache: %s is not the server's own file; not read", path.name)
                return _MISSING
            value = pickle.load(f)
    except FileNotFoundError:
        return _MISSING
    except Exception as exc:  # damaged or from another release: compute it again
        _log.warning("shared cache: %s unreadable (%s); computing it again", path.name, exc)
        return _MISSING
    stats["disk_hits"] += 1
    return value


def _to_disk(name: str, key: tuple, arguments: dict, value) -> None:
    base = folder()
    if base is None:
        return
    path = _path(base, name, key, arguments)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        stats["disk_writes"] += 1
    except Exception as exc:  # a full disk or an unpicklable result: the page still has its result
        _log.warning("shared cache: could not write %s (%s)", path.name, exc)
        with contextlib.suppress(OSError):
            tmp.unlink()
        return
    _writes[base] += 1
    if _writes[base] % PRUNE_EVERY == 0:
        prune(base)


def prune(base: Path, limit_mb: float | None = None) -> int:
    """Delete the oldest files until the folder is under its limit (KHI_SHARED_CACHE_MB); returns how many went."""
    if limit_mb is None:
        limit_mb = _megabytes(ENV_LIMIT, DEFAULT_LIMIT_MB)
    files = []
    for path in base.glob("*.pickle"):
        with contextlib.suppress(OSError):
            st = path.stat()
            files.append((st.st_mtime, st.st_size, path))
    total, removed = sum(size for _t, size, _p in files), 0
    for _mtime, size, path in sorted(files):
        if total <= limit_mb * 1024 * 1024:
            break
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
        total -= size
    return removed
