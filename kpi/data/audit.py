"""The audit log: every view or download of scheme-level or exact figures, appended as one JSON line.

`audit.jsonl` in the access folder (`kpi.data.paths.access_dir`). Append-only: each record is one `write` on a file
opened with O_APPEND, then fsync'd, so records from several server processes never interleave and existing lines are
never rewritten; it survives restarts. `read` skips a half-written last line (a crash mid-write) rather than fail.
The UI calls `record` when `needs_audit(scope, by, filters)` says a view or download must be logged.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Iterable, Sequence

from kpi.data import jsonlines

LOG = "audit.jsonl"
ACTIONS = ("view", "download")


def needs_audit(scope, by: Sequence[str] | str, filters) -> bool:
    """Whether a request is logged: scheme-level figures (a scheme breakdown or filter) or exact figures.

    `scope` is a kpi.metrics.scope.Scope (named by its methods only: this module is below kpi.metrics).
    """
    return bool(scope.scheme_level(by, filters) or scope.exact(by, filters))


def _filters_dict(filters) -> dict:
    if filters is None:
        return {}
    if isinstance(filters, dict):
        return {k: list(v) if isinstance(v, (tuple, list)) else v for k, v in filters.items() if v}
    # The benchmark is a choice, not a list: recorded only when it is not the default.
    return {k: list(v) if isinstance(v, tuple) else v for k, v in vars(filters).items()
            if v and not (k == "benchmark" and v == "auto")}


def record(folder: str | os.PathLike, who: str, action: str, *, page: str = "", metric: str | Iterable[str] = "",
           by: Sequence[str] | str = (), filters=None, fmt: str = "", scope=None,
           when: dt.datetime | None = None) -> dict:
    """Append one record: who (the signed-in identity), when (UTC, ISO 8601), what (view or download, the page, the
    KHI(s), the breakdown, the download's format), the filters, and the scope it was read with. Returns the record."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; use one of {', '.join(ACTIONS)}")
    when = (when or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    entry = {
        "at": when.isoformat(timespec="seconds"),
        "who": who,
        "action": action,
        "page": page,
        "metric": metric if isinstance(metric, str) else list(metric),
        "by": [by] if isinstance(by, str) else list(by),
        "filters": _filters_dict(filters),
        "format": fmt,
        "scope": scope.describe() if scope is not None else "",
    }
    return jsonlines.append(Path(folder) / LOG, entry)


def read(folder: str | os.PathLike, *, who: str | None = None, since: str | None = None) -> list[dict]:
    """The records, oldest first; optionally one person's, or those at or after an ISO time.

    A line that is not complete JSON (the last line of a crash mid-write) is skipped.
    """
    return [e for e in jsonlines.read(Path(folder) / LOG)
            if (who is None or e.get("who") == who) and (since is None or e.get("at", "") >= since)]
