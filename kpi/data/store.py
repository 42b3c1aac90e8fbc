"""The Parquet store: a folder of immutable Parquet files and one `manifest.json` that says which files are live.

Why a manifest: a write (sample, ingest, withdraw) adds new files under fresh names, builds the derived aggregates
from them, and only then swaps `manifest.json` with an atomic rename. Readers open only files the manifest lists, so
a failed or killed write leaves the previous store intact and readable.

Versions and clean-up: every committed manifest is also kept as `manifests/v<version>.json`, written durably before
the live swap, so any version can be read again (`read_manifest(root, version)`). Files are not deleted when a
commit stops listing them, because a reader may have read the previous manifest a moment earlier and be opening its
files now. A file is deleted (`clean`, at every commit) only when no manifest that may still be in use lists it:
the live one, the published one (`published_version`), and every one that was live at some moment of the last
`GRACE_SECONDS`. Orphans of failed or killed writes (files no such manifest lists) go once they are older than the
grace period; `.tmp-*` files go at once. So a reader that read version N has at least the grace period to open N's
files, and the files of the published version stay for as long as it is published.

Layout of a store directory::

    manifest.json                           the live version
    manifests/v000042.json                  every committed version (kpi.data.versions lists them)
    submissions.jsonl                       submissions, withdrawals, publications (kpi.data.journal)
    responses/fy=2019/part-<id>.parquet     hive-partitioned by financial year
    schemes/part-<id>.parquet               one file per submission that added schemes
    people_supported/part-<id>.parquet      one file per submission that added rows
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

from kpi.data import journal, schema

MANIFEST = "manifest.json"
HISTORY = "manifests"  # every committed manifest, as v<version>.json
GRACE_SECONDS = 15 * 60  # how long files of a superseded version outlive it (readers may still be opening them)
DATA_DIRS = ("responses", "schemes", "people_supported", "derived", "quarantine")
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
    # What made this version: "sample", "submission S0003", "withdrawal S0003" ("" before this was recorded). A
    # journal record counts only when the manifest of its version names it (a crash may leave a record behind).
    change: str = ""
    # Submission id -> the files (raw tables and quarantine) it added that this version still lists. Files no
    # submission claims are the store's initial rows (kpi.data.submissions.INITIAL: a sample's, or older stores').
    submissions: dict[str, list[str]] = field(default_factory=dict)

    def files(self, root: Path, table: str) -> list[Path]:
        return [root / p for p in self.tables.get(table, [])]


_FIELDS = set(Manifest.__dataclass_fields__)


def _parse(path: Path) -> Manifest:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: cannot read the store manifest ({exc})") from exc
    if raw.get("format") != FORMAT:
        raise StoreError(f"{path}: store format {raw.get('format')!r} is not {FORMAT}")
    return Manifest(**{k: v for k, v in raw.items() if k in _FIELDS})  # fields of a later release are ignored


def history_path(root: str | os.PathLike, version: int) -> Path:
    return Path(root) / HISTORY / f"v{version:06d}.json"


def read_manifest(root: str | os.PathLike, version: int | None = None) -> Manifest:
    """The live manifest of the store at `root` (an empty one when the folder holds no store yet), or with `version`
    the manifest of that committed version, from the history. StoreError when there is no such version."""
    path = Path(root) / MANIFEST
    live = _parse(path) if path.exists() else Manifest()
    if version is None or version == live.version:
        return live
    old = history_path(root, version)
    # A history file above the live version is from a commit killed before its swap: never a version.
    if not 1 <= version < live.version:
        raise StoreError(f"{root}: the store has no version {version} (its versions are 1 to {live.version})")
    if not old.exists():
        raise StoreError(f"{root}: version {version} is not in the store's history (it was committed before the "
                         "history was kept)")
    return _parse(old)


def published_version(root: str | os.PathLike, live: Manifest | None = None) -> int | None:
    """The version the public sees: the last one `kpi.data.versions.publish` marked, or None when none is.

    A store with no publication record whose live manifest is synthetic (the bundled sample, made before versions
    were published) counts as published at its live version: made-up rows are safe to show.
    """
    live = live if live is not None else read_manifest(root)
    if not live.version:
        return None
    marked = [e["version"] for e in journal.read(root, "publication")
              if isinstance(e.get("version"), int) and 1 <= e["version"] <= live.version]
    if marked:
        return marked[-1]
    return live.version if live.synthetic else None


def require_store(root: str | os.PathLike, version: int | None = None) -> Manifest:
    """Like read_manifest, but a store with no responses is an error that says how to make one."""
    m = read_manifest(root, version)
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


def _manifest_text(manifest: Manifest) -> str:
    return json.dumps(asdict(manifest), indent=2, sort_keys=True) + "\n"


def swap(root: str | os.PathLike, manifest: Manifest, *, grace: float | None = None) -> Manifest:
    """Make `manifest` live: bump its version, keep it in the history, swap manifest.json atomically, then `clean`.

    Call with the store lock held (see `locked`), after its derived aggregates are built (`kpi.data.derive.commit`
    does both). `grace`: seconds superseded versions' files are kept (default GRACE_SECONDS). Returns the committed
    manifest.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(root)
    if previous.version and not history_path(root, previous.version).exists():
        # A store written before the history was kept: its live version joins the history, so it can be published.
        write_text(root, history_path(root, previous.version).relative_to(root).as_posix(), _manifest_text(previous))
    manifest.version = previous.version + 1
    manifest.updated_at = journal.now_iso()
    text = _manifest_text(manifest)
    # History first: once a version is live it is in the history (a crash between the two leaves a history file
    # above the live version, which read_manifest ignores and the next commit overwrites).
    write_text(root, history_path(root, manifest.version).relative_to(root).as_posix(), text)
    write_text(root, MANIFEST, text)
    clean(root, grace=grace)
    return manifest


def live_files(manifest: Manifest) -> set[str]:
    live = {MANIFEST, *manifest.quarantine}
    for paths in manifest.tables.values():
        live.update(paths)
    return live


def _committed_at(manifest: Manifest) -> float:
    try:
        return dt.datetime.fromisoformat(manifest.updated_at).timestamp()
    except ValueError:
        return 0.0  # not recorded: long ago


def versions_in_use(root: str | os.PathLike, grace: float | None = None, now: float | None = None) -> set[int]:
    """Versions whose files must stay: the live one, the published one, and each one that was live at some moment
    of the last `grace` seconds (a reader may have read it then and be opening its files now)."""
    grace = GRACE_SECONDS if grace is None else grace
    now = dt.datetime.now(dt.timezone.utc).timestamp() if now is None else now
    live = read_manifest(root)
    keep = {live.version}
    published = published_version(root, live)
    if published:
        keep.add(published)
    successor = live
    # updated_at is to the second: a version's successor may have come up to a second later than it says.
    slack = 1.0 if grace > 0 else 0.0
    while successor.version > 1 and now - _committed_at(successor) < grace + slack:
        try:
            successor = read_manifest(root, successor.version - 1)  # live until `successor` came: within the grace
        except StoreError:
            break  # not in the history (a store written before it was kept)
        keep.add(successor.version)
    return keep


def clean(root: str | os.PathLike, *, grace: float | None = None, now: float | None = None) -> list[str]:
    """Delete data files no manifest in use lists (see the module doc); returns their relative paths.

    Call with the store lock held. `grace` defaults to GRACE_SECONDS; `now` (a Unix time) lets tests move the clock.
    """
    root = Path(root)
    grace = GRACE_SECONDS if grace is None else grace
    now = dt.datetime.now(dt.timezone.utc).timestamp() if now is None else now
    kept: set[str] = set()
    for version in versions_in_use(root, grace, now):
        with contextlib.suppress(StoreError):
            kept |= live_files(read_manifest(root, version))
    removed = []
    for sub in DATA_DIRS:
        base = root / sub
        if not base.exists():
            continue
        for path in base.rglob("*"):
            rel = path.relative_to(root).as_posix()
            if not path.is_file() or rel in kept:
                continue
            # An unlisted file younger than the grace period may be a write still in progress outside the lock.
            if path.name.startswith(".tmp-") or path.stat().st_mtime < now - grace:
                path.unlink(missing_ok=True)
                removed.append(rel)
        for d in sorted((p for p in base.rglob("*") if p.is_dir()), reverse=True):
            with contextlib.suppress(OSError):
                d.rmdir()  # only empties go
    for tmp in (*root.glob(".tmp-*"), *(root / HISTORY).glob(".tmp-*")):
        tmp.unlink(missing_ok=True)
    return sorted(removed)


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


def read_table(root: str | os.PathLike, table: str, columns: Iterable[str] | None = None,
               manifest: Manifest | None = None) -> pa.Table:
    """All rows of a raw table in the live manifest (or `manifest`) as one Arrow table (empty, with the contract
    schema, when there are none).

    For the small tables and for ingest's duplicate checks; pages query through kpi.data.queries instead.
    """
    m = manifest if manifest is not None else read_manifest(root)
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
