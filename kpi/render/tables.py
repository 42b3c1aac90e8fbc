"""Table exports: the one CSV rendering shared by `python -m kpi table` and the dashboard's downloads."""

from __future__ import annotations


def to_csv(table) -> str:
    """The one CSV rendering: the CLI and the dashboard's downloads both use it, so they match byte for byte."""
    return table.to_csv(index=False, float_format="%.6f", lineterminator="\n")
