"""Mapping an export's header onto a table of the contract, or detecting the table when none is named."""

from __future__ import annotations

from dataclasses import dataclass

from kpi.data import aliases, schema
from kpi.data.ingest.files import Export, IngestError, blank


@dataclass
class _Mapping:
    table: str
    columns: dict[int, str]
    missing: list[str]
    unknown: list[str]
    clashes: list[str]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unknown or self.clashes)


def _map_header(export: Export, table: str) -> _Mapping:
    columns: dict[int, str] = {}
    unknown: list[str] = []
    clashes: list[str] = []
    seen: dict[str, str] = {}
    for i, name in enumerate(export.header):
        if not name:
            # A nameless column is only harmless when it is empty (trailing commas, formatted spreadsheet cells).
            if any(i < len(v) and not blank(v[i]) for _, v in export.records):
                unknown.append(f"(no name, column {i + 1})")
            continue
        target = aliases.match_header(table, name)
        if target is None:
            unknown.append(repr(name))
        elif target in seen:
            clashes.append(f"{seen[target]!r} and {name!r} both mean {target}")
        else:
            seen[target] = name
            columns[i] = target
    required = [c.name for c in schema.TABLES[table].columns if c.required]
    missing = [c for c in required if c not in columns.values()]
    return _Mapping(table, columns, missing, unknown, clashes)


def _header_error(export: Export, m: _Mapping) -> str:
    parts = []
    if m.missing:
        parts.append("missing required columns: " + ", ".join(m.missing))
    if m.unknown:
        parts.append("unknown columns: " + ", ".join(m.unknown))
    if m.clashes:
        parts.append("duplicate columns: " + "; ".join(m.clashes))
    return (
        f"{export.path}: the header cannot be mapped to the {m.table} table ({'; '.join(parts)}). Headers match"
        " contract column names ignoring case, spaces, underscores and punctuation; see docs/data-contract.md"
    )


def map_header(export: Export, table: str | None = None) -> None:
    """Set export.table and export.columns, detecting the table when none is given; IngestError when unmappable."""
    if table is not None and table not in schema.TABLES:
        raise IngestError(f"unknown table {table!r}: expected one of {', '.join(schema.TABLES)}")
    if table is not None:
        m = _map_header(export, table)
    else:
        tried = [_map_header(export, t) for t in schema.TABLES]
        fits = [m for m in tried if not m.missing and not m.clashes]
        if len(fits) > 1:
            fewest = min(len(m.unknown) for m in fits)
            fits = [m for m in fits if len(m.unknown) == fewest]
        if len(fits) > 1:
            raise IngestError(
                f"{export.path}: the header fits more than one table ({', '.join(m.table for m in fits)});"
                " say which with --table"
            )
        # With no fit, report against the table the header resembles most: its complaints are the useful ones.
        m = fits[0] if fits else max(tried, key=lambda m: (len(m.columns) - len(m.missing), -len(m.unknown)))
    if not m.ok:
        raise IngestError(_header_error(export, m))
    export.table, export.columns = m.table, m.columns
