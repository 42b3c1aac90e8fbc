"""Download buttons' files and their audit records.

A download of scheme-level or exact figures goes in the audit log (kpi.data.audit), by the same rule as a view. The
file is made when the button is pressed (Streamlit runs the button's `data` callable then, outside the viewer's
session), so what the record will say is decided in the page run, where the session is, and written when the file is
made. The buttons use `on_click="ignore"`: a click that also reran the page raced the file request in Streamlit 1.67
(the rerun replaced the button's file id, and the download never came; seen in CI once views got faster).
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from kpi.data import audit
from kpi.data.queries import Filters
from kpi.render import export
from ui import auth, data


def download_record(table: pd.DataFrame | None, fmt: str, filters: Filters = Filters(), *, metric=None) -> dict | None:
    """What the audit log says about this download (`ui.data.audit_entry`, the breakdown read off the table's
    columns, and its folder), or None when it needs no record."""
    if not auth.configured():
        return None
    by = () if table is None else export.breakdown(table)
    if metric is None and table is not None and "metric_id" in table.columns:
        metric = list(dict.fromkeys(table["metric_id"].astype(str)))
    scope = data.viewer_scope(schemes=True)
    folder = data.access_folder()
    if folder is None or not audit.needs_audit(scope, by, filters):
        return None
    return {"folder": folder, **data.audit_entry(scope, metric or "", by, filters, fmt)}


def _write(record: dict) -> None:
    audit.record(action="download", **record)


def logged(make: Callable[[], bytes | str], table: pd.DataFrame | None, fmt: str, filters: Filters = Filters(), *,
           metric=None) -> Callable[[], bytes | str]:
    """A download button's `data`: `make` (called on click), and the download's audit record written each time the
    file is made, when it needs one."""
    record = download_record(table, fmt, filters, metric=metric)
    if record is None:
        return make

    def made():
        out = make()
        _write(record)
        return out

    return made
