"""The Parquet store: a folder of immutable Parquet files and one `manifest.json` that says which files are live.

Why a manifest: a write (sample, ingest) adds new files under fresh names, builds the derived aggregates from them,
and only then swaps `manifest.json` with an atomic rename. Readers open only files the manifest lists, so a failed
or killed write leaves the previous store intact and readable; its half-written files are orphans that the next
write removes.

Layout of a store directory::

    manifest.json
    responses/fy=2019/part-<id>.parquet     hive-partitioned by financial year
    schemes/part-<id>.parquet
    people_supported/part-<id>.parquet
    derived/<name>-<id>.parquet             aggregates the pages query (see kpi.data.derive)
    quarantine/<timestamp>-<file>.csv       rows ingest refused, each with its reason
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from kpi.data import schema

MANIFEST = "manifest.json"
FORMAT = 3  # 2: aggregates carry scheme name, area and programme; 3: and record-key sums (cell key method)
RAW_TABLES = ("responses", "schemes", "people_supported")


class StoreError(Exception):
    """The store cannot be read or written; the message says which file and why."""


@dataclass
class Manifest:
    format: int = FORMAT
    version: int = 0  # bumped by every commit; caches key on it
    synthetic: bool = False
    note: str = ""  # e.g. "Synthetic sample data (seed 1, 50,000 responses) - not real people"
    tables: dict[str, list[str]] = field(default_factory=dict)  # table -> relative Parquet paths
    rows: dict[str, int] = field(default_factory=dict)  # table -> row count
    quarantine: list[str] = field(default_factory=list)  # relative CSV paths
    quarantined_rows: int = 0
    facts: dict = field(default_factory=dict)  # raw-scan facts (people, first and last date), set by kpi.data.derive
    # Secret behind every record key (kpi.metrics.perturb): never published, kept across commits so a record's key,
    # and so every published count, stays the same.
    key_secret: str = ""
    updated_at: str = ""

    def files(self, root: Path, table: str) -> list[Path]:
        return [root / p for p in self.tables.get(table, [])]


def read_manifest(root: str | os.PathLike) -> Manifest:
    """The live manifest of the store at `root`; an empty one when the folder holds no store yet."""
    path = Path(root) / MANIFEST
    if not path.exists():
        return Manifest()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: cannot read the store manifest ({exc})") from exc
    if raw.get("format") != FORMAT:
        raise StoreError(f"{path}: store format {raw.get('format')!r} is not {FORMAT}")
    return Manifest(**raw)


def require_store(root: str | os.PathLike) -> Manifest:
    """Like read_manifest, but a store with no responses is an error that says how to make one."""
    m = read_manifest(root)
    if not m.tables.get("responses") or not m.tables.get("schemes"):
        raise StoreError(
            f"{root}: no KHI data store here (no {MANIFEST} with responses and schemes). "
            "Create one with `python -m kpi sample --out DIR` or `python -m kpi ingest FILE --data DIR`."
        )
    return m


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def new_file_name(prefix: str = "part") -> str:
    return f"{prefix}-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:10]}.parquet"


def write_parquet(root: str | os.PathLike, relative: str, table: pa.Table) -> str:
    """Write one Parquet file durably under `root` (temporary name, fsync, rename); returns `relative`.

    The file is not live until a manifest that lists it is committed.
    """
    target = Path(root) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".tmp-{uuid.uuid4().hex}-{target.name}")
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    _fsync_dir(target.parent)
    return relative


def fsync_and_rename(tmp: Path, target: Path) -> None:
    """Make a file written elsewhere (e.g. by DuckDB) durable under its final name."""
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    _fsync_dir(target.parent)


def write_text(root: str | os.PathLike, relative: str, text: str) -> str:
    """Write a text file durably (temporary name, fsync, rename); returns `relative`."""
    target = Path(root) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".tmp-{uuid.uuid4().hex}-{target.name}")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    _fsync_dir(target.parent)
    return relative


def swap(root: str | os.PathLike, manifest: Manifest) -> Manifest:
    """Make `manifest` live: bump its version and swap manifest.json atomically, then drop unlisted files.

    Call with the store lock held (see `locked`), after its derived aggregates are built (`kpi.data.derive.commit`
    does both). Returns the committed manifest.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(root)
    manifest.version = previous.version + 1
    manifest.updated_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    write_text(root, MANIFEST, json.dumps(asdict(manifest), indent=2, sort_keys=True) + "\n")
    remove_orphans(root, manifest)
    return manifest


def live_files(manifest: Manifest) -> set[str]:
    live = {MANIFEST, *manifest.quarantine}
    for paths in manifest.tables.values():
        live.update(paths)
    return live


def remove_orphans(root: Path, manifest: Manifest) -> None:
    """Delete files no manifest lists: leftovers of a write that failed or was killed."""
    live = live_files(manifest)
    for sub in ("responses", "schemes", "people_supported", "derived", "quarantine"):
        base = root / sub
        if not base.exists():
            continue
        for path in base.rglob("*"):
            if path.is_file() and path.relative_to(root).as_posix() not in live:
                path.unlink(missing_ok=True)
        for d in sorted((p for p in base.rglob("*") if p.is_dir()), reverse=True):
            with contextlib.suppress(OSError):
                d.rmdir()  # only empties go
    for tmp in root.glob(".tmp-*"):
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def locked(root: str | os.PathLike) -> Iterator[None]:
    """Hold the store's write lock: one writer at a time; readers never wait."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_table(root: str | os.PathLike, table: str, columns: Iterable[str] | None = None) -> pa.Table:
    """All live rows of a raw table as one Arrow table (empty, with the contract schema, when there are none).

    For the small tables and for ingest's duplicate checks; pages query through kpi.data.queries instead.
    """
    m = read_manifest(root)
    files = m.files(Path(root), table)
    target = schema.arrow_schema(table)
    if columns is not None:
        target = pa.schema([target.field(c) for c in columns])
    if not files:
        return target.empty_table()
    parts = [pq.read_table(f, columns=list(target.names)).select(target.names).cast(target) for f in files]
    return pa.concat_tables(parts)


def copy_store(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Copy a whole store (tests and the benchmark use it to start from a known state)."""
    shutil.copytree(src, dst, dirs_exist_ok=False, ignore=shutil.ignore_patterns(".lock"))
