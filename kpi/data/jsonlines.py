"""Append-only JSON-lines logs: the audit log, the store's journal and the roles table's change log.

A record is one line written by one `write` on a file opened with O_APPEND, then fsync'd: records from several
processes never interleave, existing lines are never rewritten, and the log survives restarts. A crash mid-write
can leave a half line: the next record starts on a fresh line, and `read` skips anything that is not a whole JSON
object.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def append(path: str | os.PathLike, entry: dict, mode: int = 0o600) -> dict:
    """Append one record durably; returns it. `mode` applies when the file is created."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, mode)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # a crash left a half line: start on a fresh one, leaving it as it is
        os.write(fd, line)  # one write of one line: appended whole, after whatever is there
        os.fsync(fd)
    finally:
        os.close(fd)
    return entry


def read(path: str | os.PathLike) -> list[dict]:
    """Every complete record, oldest first (none when the file does not exist)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    out = []
    for line in raw.split(b"\n"):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            out.append(entry)
    return out
