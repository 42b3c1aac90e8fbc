"""Store versions: list the committed versions, read one, and publish one for the public view.

Every commit (sample, ingest, withdraw) makes a new version; `kpi.data.store` keeps each one's manifest in
`manifests/` and its files for as long as it may be read (see the store's module doc). Publishing marks one
committed version as the one the public sees; it does not make a new version. Each publication is a record in the
store's journal (who, when, a note), so `published_version` is the last version published.

Rules:

- a version can be published only while all its files are still in the store (the live version always is; an
  older one within the clean-up grace period, or the one published now);
- the published version's files are never cleaned up while it is published;
- `kpi sample` publishes its store at creation, so a sample store's only version is published;
- a store with no publication record whose live manifest is synthetic counts as published at its live version (the
  bundled `data/sample` was written before publications were recorded, and is never changed);
- a store that received real rows and was never published has no published version (None).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from kpi.data import journal, store
from kpi.data.store import published_version, read_manifest
from kpi.data.submissions import DEFAULT_SUBMITTER, guard_bundled

__all__ = ["VersionInfo", "versions", "publish", "publications", "published_version", "read_manifest", "readable"]


@dataclass(frozen=True)
class VersionInfo:
    version: int
    committed_at: str  # UTC, ISO 8601
    change: str  # what made it: "sample", "submission S0003", "withdrawal S0003" ("" when not recorded)
    rows: dict  # raw table -> rows
    synthetic: bool
    live: bool
    published: bool
    readable: bool  # every file it lists is still in the store (else it was cleaned up: it cannot be read again)

    def to_json(self) -> dict:
        return asdict(self)


def readable(root: str | Path, manifest: store.Manifest) -> bool:
    root = Path(root)
    return all((root / p).is_file() for p in store.live_files(manifest) if p != store.MANIFEST)


def versions(root: str | Path) -> list[VersionInfo]:
    """Every committed version still in the history, oldest first (a store written before the history was kept
    lists its live version only, until its next commit)."""
    root = Path(root)
    live = read_manifest(root)
    published = published_version(root, live)
    out = []
    for version in range(1, live.version + 1):
        try:
            m = read_manifest(root, version)
        except store.StoreError:
            continue  # older than the history
        out.append(VersionInfo(version, m.updated_at, m.change, {t: m.rows.get(t, 0) for t in store.RAW_TABLES},
                               m.synthetic, version == live.version, version == published, readable(root, m)))
    return out


def publications(root: str | Path) -> list[dict]:
    """Every publication record (version, by, at, note), oldest first."""
    return journal.read(root, "publication")


def mark_published(root: str | Path, version: int, who: str, note: str = "") -> dict:
    """Record a publication; call with the store lock held, for a version known to be committed and readable."""
    return journal.append(root, {"event": "publication", "version": version, "by": who, "note": note,
                                 "at": journal.now_iso()})


def publish(root: str | Path, version: int | None = None, who: str = DEFAULT_SUBMITTER, note: str = "") -> int:
    """Publish a committed version (default: the live one); returns its number. Publishing the version already
    published changes nothing. StoreError when there is no such version, it holds no responses, its files were
    cleaned up, or the store is the bundled sample."""
    root = Path(root)
    guard_bundled(root)
    if not (who or "").strip():
        raise store.StoreError("say who is publishing (it is kept in the log)")
    if not (root / store.MANIFEST).is_file():  # before the lock, which would make the folder
        raise store.StoreError(f"{root}: no store here, so no version to publish")
    with store.locked(root):
        live = read_manifest(root)
        version = live.version if version is None else version
        m = store.require_store(root, version)  # refuses an unknown version, and one the public could not read
        if not readable(root, m):
            raise store.StoreError(f"{root}: version {version}'s files were cleaned up (it was superseded more "
                                   "than the grace period ago and never published), so it cannot be published; "
                                   "publish a later version")
        if published_version(root, live) == version and publications(root):
            return version
        mark_published(root, version, who.strip(), note)
        store.clean(root)  # the version published until now may no longer be in use
    return version
