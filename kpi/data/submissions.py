"""Submissions: every committing ingest run, recorded so that its rows can be listed, traced and withdrawn.

A submission is one ingest run (`kpi ingest`, or an upload) that committed a store version. Its record holds the
id (S0001, S0002, ...), who submitted it (`submitted_by`), when, each input file's name, sha256, table and counts
(read, stored, duplicates, quarantined), the rows it stored per table and the store version it made. Records are
kept in the store's journal (`submissions.jsonl`, kpi.data.journal), so they survive restarts; the files each
submission added are listed in the manifest (`Manifest.submissions`), committed atomically with its rows. A record
whose version's manifest does not name it (a run killed between the two) is not a submission and is not listed.

The store's initial rows, `INITIAL` ("S0000"), are the files no submission claims: a synthetic sample's (made by
`kpi sample`; listed as "synthetic sample"), or those of a store written before submissions were recorded.

Withdrawing (`withdraw`) commits a new store version without the submission's files (its responses, its schemes
and people_supported rows, and its quarantine files), rebuilds the aggregates and logs who, when and why. Earlier
versions still hold the rows: they stay readable until cleaned up (kpi.data.store). Withdrawing does not change
what is published: if the published version holds the rows, the public sees them until a later version is published
(`kpi withdraw` says so).

What withdrawing does not undo:

- Rows of later submissions that were identical to rows of the withdrawn one were counted there as duplicates and
  never stored, so they leave the store with the withdrawn rows. To keep them, ingest that later file again: those
  rows are new once more and are stored (the rest of it are duplicates).
- Rows of later submissions quarantined for reusing a key of the withdrawn rows with other content stay in
  quarantine; ingest their file again to store them.
- A withdrawal that would remove schemes which rows still in the store refer to is refused: withdraw the
  submissions holding those rows first (the error names them).
"""

from __future__ import annotations

import copy
import csv
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kpi.data import derive, journal, paths, store
from kpi.data.said import Said
from kpi.i18n import N_

INITIAL = "S0000"
DEFAULT_SUBMITTER = "command line"
_ID = re.compile(r"S(\d+)")


class SubmissionError(store.StoreError):
    """A submission cannot be withdrawn or recorded; the message says why in a sentence."""


@dataclass
class Submission:
    id: str
    submitted_by: str
    at: str  # UTC, ISO 8601
    version: int  # the store version it made
    files: list[dict] = field(default_factory=list)  # name, sha256, table, read, stored, duplicates, quarantined
    rows: dict[str, int] = field(default_factory=dict)  # rows stored, per table
    label: str = ""  # "synthetic sample" for a sample's initial rows
    withdrawn: dict | None = None  # by, at, reason, version (the version that no longer holds the rows)

    @property
    def live(self) -> bool:
        return self.withdrawn is None

    def to_json(self) -> dict:
        return {**asdict(self), "live": self.live}


def guard_bundled(root: Path) -> None:
    """The committed sample is never changed: no withdrawal, publication or journal is ever written there."""
    if root.resolve() == paths.BUNDLED_SAMPLE_DIR.resolve():
        raise SubmissionError(Said(N_("{root} is the bundled synthetic sample, which is never changed; name a store"
                                      " with --data DIR or KHI_DATA_DIR"), root=root))


def files_of(manifest: store.Manifest, submission_id: str) -> list[str]:
    """The files (raw tables and quarantine) `manifest` lists for a submission; for INITIAL, those none claims."""
    if submission_id != INITIAL:
        return list(manifest.submissions.get(submission_id, []))
    claimed = {p for listed in manifest.submissions.values() for p in listed}
    listed = [p for t in store.RAW_TABLES for p in manifest.tables.get(t, [])] + list(manifest.quarantine)
    return [p for p in listed if p not in claimed]


def _made(root: Path, version: int, change: str) -> bool:
    """Whether the committed manifest of `version` says `change` made it (else the record is of a killed run)."""
    try:
        return isinstance(version, int) and store.read_manifest(root, version).change == change
    except store.StoreError:
        return False


def _first(root: Path, live: store.Manifest) -> store.Manifest:
    """The oldest version still in the history (the live one when there is no history)."""
    found = sorted(int(m[1]) for p in (root / store.HISTORY).glob("v*.json")
                   if (m := re.fullmatch(r"v(\d+)\.json", p.name)) and 1 <= int(m[1]) <= live.version)
    for version in found:
        try:
            return store.read_manifest(root, version)
        except store.StoreError:
            continue
    return live


def _initial(root: Path, live: store.Manifest) -> Submission | None:
    first = _first(root, live)
    unclaimed = files_of(first, INITIAL)
    if not unclaimed:
        return None
    if first.submissions:  # some rows of that version came from submissions: count the initial files only
        rows: Counter = Counter()
        for rel in unclaimed:
            table = rel.split("/")[0]
            if table in store.RAW_TABLES and (root / rel).exists():
                rows[table] += pq.ParquetFile(root / rel).metadata.num_rows
        counts = {t: rows[t] for t in store.RAW_TABLES}
    else:
        counts = {t: first.rows.get(t, 0) for t in store.RAW_TABLES}
    synthetic = first.synthetic or first.change == "sample"
    return Submission(INITIAL, "kpi sample" if synthetic else "", first.updated_at, first.version, rows=counts,
                      label="synthetic sample" if synthetic else "rows stored before submissions were recorded")


def submissions(root: str | Path) -> list[Submission]:
    """Every submission of the store, oldest first, each with its withdrawal when it was withdrawn."""
    root = Path(root)
    live = store.read_manifest(root)
    found: dict[str, Submission] = {}
    initial = _initial(root, live)
    if initial:
        found[INITIAL] = initial
    for e in journal.read(root, "submission"):
        sid = e.get("id", "")
        if sid not in found and _made(root, e.get("version"), f"submission {sid}"):
            found[sid] = Submission(sid, e.get("submitted_by", ""), e.get("at", ""), e["version"],
                                    files=e.get("files", []), rows=e.get("rows", {}), label=e.get("label", ""))
    for e in journal.read(root, "withdrawal"):
        sid = e.get("submission", "")
        if sid in found and _made(root, e.get("version"), f"withdrawal {sid}"):
            found[sid].withdrawn = {k: e.get(k) for k in ("by", "at", "reason", "version")}
    return sorted(found.values(), key=lambda s: (s.version, s.id))


def next_id(root: str | Path) -> str:
    """A new id, after every one the journal names (killed runs' included, so an id is never given twice)."""
    numbers = [int(m[1]) for e in journal.read(root, "submission") if (m := _ID.fullmatch(str(e.get("id", ""))))]
    return f"S{max(numbers, default=0) + 1:04d}"


def record(root: str | Path, submission_id: str, version: int, submitted_by: str, files: list[dict],
           rows: dict[str, int]) -> dict:
    """Append a submission's record; call with the store lock held, before the commit of `version`."""
    return journal.append(root, {"event": "submission", "id": submission_id, "version": version,
                                 "submitted_by": submitted_by, "at": journal.now_iso(), "files": files,
                                 "rows": rows})


def _quarantine_rows(path: Path) -> int:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return max(sum(1 for _ in csv.reader(fh)) - 1, 0)  # less the header
    except FileNotFoundError:
        return 0


def _check_schemes_unused(root: Path, new: store.Manifest, removed: list[str], submission_id: str) -> None:
    """Refuse to remove schemes that rows staying in the store refer to (their figures would lose their scheme)."""
    ids = set()
    for rel in removed:
        if rel.startswith("schemes/"):
            ids.update(pq.read_table(root / rel, columns=["scheme_id"]).column("scheme_id").to_pylist())
    if not ids:
        return
    wanted = pa.array(sorted(ids), pa.string())
    owner = {p: sid for sid, listed in new.submissions.items() for p in listed}
    users: Counter = Counter()
    for table in ("responses", "people_supported"):
        for rel in new.tables.get(table, []):
            column = pq.read_table(root / rel, columns=["scheme_id"]).column("scheme_id")
            n = pc.sum(pc.is_in(column, value_set=wanted)).as_py() or 0
            if n:
                users[f"{owner.get(rel, INITIAL)} ({table})"] += n
    if users:
        held = Said.join(", ", (Said(N_("{n:,} rows of {who}"), n=n, who=who) for who, n in sorted(users.items())))
        raise SubmissionError(Said(N_("{submission} added schemes that rows staying in the store refer to ({held});"
                                      " withdraw those submissions first"), submission=submission_id, held=held))


def withdraw(root: str | Path, submission_id: str, who: str, reason: str, *,
             grace: float | None = None) -> store.Manifest:
    """Commit a new store version without the submission's rows, with the aggregates rebuilt, and log who, when
    and why. Returns the committed manifest. SubmissionError when the id is unknown or already withdrawn, `who` or
    `reason` is empty, the store is the bundled sample, or the withdrawal would orphan rows (see the module doc)."""
    root = Path(root)
    guard_bundled(root)
    if not (who or "").strip() or not (reason or "").strip():
        raise SubmissionError(Said(N_("say who is withdrawing the submission and why (both are kept in the log)")))
    if not (root / store.MANIFEST).is_file():  # before the lock, which would make the folder
        raise SubmissionError(Said(N_("{root}: no store here, so no submission to withdraw"), root=root))
    with store.locked(root):
        known = {s.id: s for s in submissions(root)}
        found = known.get(submission_id)
        if found is None:
            said = dict(root=root, submission=repr(submission_id), listed=", ".join(known))
            raise SubmissionError(Said(N_("{root}: no submission {submission} (the store's: {listed}); `python -m kpi"
                                          " submissions` lists them") if known else
                                       N_("{root}: no submission {submission} (the store's: none); `python -m kpi"
                                          " submissions` lists them"), **said))
        if found.withdrawn:
            w = found.withdrawn
            raise SubmissionError(Said(N_("{submission} was already withdrawn, by {by} at {at} (store version"
                                          " {version}): {reason}"), submission=submission_id, by=w["by"], at=w["at"],
                                       version=w["version"], reason=w["reason"]))
        live = store.read_manifest(root)
        removed = files_of(live, submission_id)
        new = copy.deepcopy(live)
        gone = set(removed)
        for table in store.RAW_TABLES:
            kept = [p for p in new.tables.get(table, []) if p not in gone]
            lost = sum(pq.ParquetFile(root / p).metadata.num_rows for p in new.tables.get(table, []) if p in gone)
            if table in new.tables:
                new.tables[table] = kept
                new.rows[table] = new.rows.get(table, 0) - lost
        new.quarantined_rows -= sum(_quarantine_rows(root / p) for p in new.quarantine if p in gone)
        new.quarantine = [p for p in new.quarantine if p not in gone]
        new.submissions.pop(submission_id, None)
        _check_schemes_unused(root, new, removed, submission_id)
        new.change = f"withdrawal {submission_id}"
        journal.append(root, {"event": "withdrawal", "submission": submission_id, "by": who.strip(),
                              "reason": reason.strip(), "at": journal.now_iso(), "version": live.version + 1})
        return derive.commit(root, new, grace=grace)
