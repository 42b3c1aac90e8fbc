"""The store's journal: `submissions.jsonl` in the store folder, one JSON record per line, append-only.

It records what happened to the store that its manifests cannot say on their own: each submission (who sent which
files, their sha256 and counts), each withdrawal (who, when, why) and each publication of a version. Records are
appended the way `kpi.data.audit` appends (one `write` on a file opened with O_APPEND, then fsync), always with the
store lock held, so lines never interleave and existing lines are never rewritten; it survives restarts. `read`
skips a half-written last line (a crash mid-write) rather than fail.

A record that announces a new store version (a submission or a withdrawal) is appended before that version's
manifest is swapped in, so a crash in between can leave a record for a version that never became live. Such a record
counts only when the manifest of its version says it made that version (`Manifest.change`): see
`kpi.data.submissions`.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from kpi.data import jsonlines

LOG = "submissions.jsonl"


def now_iso(when: dt.datetime | None = None) -> str:
    return (when or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def append(root: str | os.PathLike, entry: dict) -> dict:
    """Append one record durably (call with the store lock held); returns it."""
    return jsonlines.append(Path(root) / LOG, entry, mode=0o644)


def read(root: str | os.PathLike, event: str | None = None) -> list[dict]:
    """Every complete record, oldest first; only those of one kind (`event`) when given."""
    return [e for e in jsonlines.read(Path(root) / LOG) if event is None or e.get("event") == event]
