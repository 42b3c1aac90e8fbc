"""Table exports: the one CSV rendering shared by `python -m kpi table` and the dashboard's downloads."""

from __future__ import annotations

from kpi.data.spreadsheet import neutralise_frame
from kpi.render.memo import remembered


@remembered
def to_csv(table) -> str:
    """The one CSV rendering: the CLI and the dashboard's downloads both use it, so they match byte for byte.

    Text cells a spreadsheet would run as a formula are neutralised (`kpi.data.spreadsheet`).
    """
    return neutralise_frame(table).to_csv(index=False, float_format="%.6f", lineterminator="\n")
