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
import json
import os
from pathlib import Path

LOG = "submissions.jsonl"


def now_iso(when: dt.datetime | None = None) -> str:
    return (when or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def append(root: str | os.PathLike, entry: dict) -> dict:
    """Append one record durably (call with the store lock held); returns it."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(root / LOG, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # a crash left a half line: start on a fresh one, leaving it as it is
        os.write(fd, line)  # one write of one line: appended whole, after whatever is there
        os.fsync(fd)
    finally:
        os.close(fd)
    return entry


def read(root: str | os.PathLike, event: str | None = None) -> list[dict]:
    """Every complete record, oldest first; only those of one kind (`event`) when given."""
    try:
        raw = (Path(root) / LOG).read_bytes()
    except FileNotFoundError:
        return []
    out = []
    for line in raw.split(b"\n"):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and (event is None or entry.get("event") == event):
            out.append(entry)
    return out
