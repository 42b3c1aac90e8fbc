"""Mapping an export's header onto a table of the contract, or detecting the table when none is named.

For each sheet the header row is searched for (`header_search`); rows above it are titles, not read, and the report
says so. In a workbook, a sheet with no header row is a cover or notes sheet: skipped, and the report names it. Every
other sheet must map to the same table; their rows are read one after another. Messages say which table a file
was matched to and why, and a refusal names the closest table and what it lacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kpi.data import aliases, schema
from kpi.data.ingest.errors import IngestError
from kpi.data.ingest.export import Export, Part, Sheet
from kpi.data.ingest.header_search import HEADER_SEARCH_ROWS, MIN_RECOGNISED, best_row, recognised
from kpi.data.ingest.values import MARKERS, blank, printable, show, writable

_LISTED = 8  # unknown columns named in a refusal; the rest are counted


@dataclass
class _Mapping:
    table: str
    columns: dict[int, str]
    missing: list[str]
    unknown: list[str]
    clashes: list[str]
    nameless: list[int] = field(default_factory=list)  # 1-based positions of unnamed columns that hold values

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unknown or self.clashes or self.nameless)


def _header_text(value: Any) -> str:
    if value is None:
        return ""
    return writable(str(value) if isinstance(value, MARKERS) else show(value)).strip()


def _map_header(header: list[str], records: list[tuple[int, list[Any]]], table: str) -> _Mapping:
    columns: dict[int, str] = {}
    unknown: list[str] = []
    clashes: list[str] = []
    nameless: list[int] = []
    seen: dict[str, str] = {}
    for i, name in enumerate(header):
        if not name:
            # A nameless column is only harmless when it is empty (trailing commas, formatted spreadsheet cells).
            if any(i < len(v) and not blank(v[i]) for _, v in records):
                nameless.append(i + 1)
            continue
        target = aliases.match_header(table, name)
        if target is None:
            unknown.append(f"'{printable(name)}'")
        elif target in seen:
            clashes.append(f"'{printable(seen[target])}' and '{printable(name)}' both mean {target}")
        else:
            seen[target] = name
            columns[i] = target
    required = [c.name for c in schema.TABLES[table].columns if c.required]
    missing = [c for c in required if c not in columns.values()]
    return _Mapping(table, columns, missing, unknown, clashes, nameless)


def _ranges(numbers: list[int]) -> str:
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _recognised(m: _Mapping, header: list[str], listed: bool = True) -> str:
    named = sum(1 for h in header if h)
    names = ", ".join(m.columns[i] for i in sorted(m.columns)) if listed else ""
    return f"{len(m.columns)} of {named} columns recognised" + (f" ({names})" if names else "")


def _header_error(where: str, header: list[str], row: int, m: _Mapping, closest: _Mapping | None) -> str:
    parts = []
    if m.missing:
        parts.append("missing required columns: " + ", ".join(m.missing))
    if m.unknown:
        more = len(m.unknown) - _LISTED
        parts.append("unknown columns: " + ", ".join(m.unknown[:_LISTED]) + (f" and {more} more" if more > 0 else ""))
    if m.nameless:
        parts.append(f"values under no header in column{'s' if len(m.nameless) > 1 else ''} {_ranges(m.nameless)}")
    if m.clashes:
        parts.append("duplicate columns: " + "; ".join(m.clashes))
    text = f"{where}: the header cannot be mapped to the {m.table} table ({'; '.join(parts)})."
    text += f" The header is row {row}: {_recognised(m, header)}."
    if closest is not None and closest.table != m.table:
        text += (f" It looks like the {closest.table} table instead ({_recognised(closest, header, listed=False)}):"
                 f" name that table with --table {closest.table}, or leave --table out.")
    return text + (" Headers match contract column names ignoring case, spaces, underscores and punctuation; see"
                   " docs/data-contract.md")


def _closest(tried: list[_Mapping]) -> _Mapping:
    return max(tried, key=lambda m: (len(m.columns), -len(m.missing), -len(m.unknown)))


def _choose(where: str, header: list[str], row: int, records: list[tuple[int, list[Any]]],
            table: str | None) -> _Mapping:
    tried = [_map_header(header, records, t) for t in schema.TABLES]
    if table is not None:
        m = next(t for t in tried if t.table == table)
        closest = _closest(tried)
        closest = closest if closest.ok else None  # only suggest a table the header really fits
    else:
        fits = [m for m in tried if not m.missing and not m.clashes]
        if len(fits) > 1:
            fewest = min(len(m.unknown) + len(m.nameless) for m in fits)
            fits = [m for m in fits if len(m.unknown) + len(m.nameless) == fewest]
        if len(fits) > 1:
            raise IngestError(f"{where}: the header fits more than one table ({', '.join(m.table for m in fits)});"
                              " say which with --table")
        # With no fit, report against the table the header resembles most: its complaints are the useful ones.
        m, closest = (fits[0] if fits else _closest(tried)), None
    if not m.ok:
        raise IngestError(_header_error(where, header, row, m, closest))
    return m


def _no_header(where: str, sheet: Sheet, pos: int, table: str, score: int) -> str:
    """Why no row of the sheet is a header: nothing in it names columns of a table, so no table's complaints fit."""
    if score:
        cells = sheet.rows[pos][1]
        named = ", ".join(recognised(cells, table))
        closest = (f" (the closest, row {sheet.rows[pos][0]}, names {score} column{'s' if score > 1 else ''} of "
                   f"{table}: {named})")
    else:
        closest = ""
    expected = "; ".join(f"{t}: {', '.join(c.name for c in spec.columns if c.required)}"
                         for t, spec in schema.TABLES.items())
    return (f"{where}: no header row found: none of the first {HEADER_SEARCH_ROWS} non-empty rows names"
            f" {MIN_RECOGNISED} or more columns of a table{closest}. A header names the table's columns, at least"
            f" the required ones ({expected}); see docs/data-contract.md")


def _locate(export: Export, sheet: Sheet, table: str | None, where: str) -> int | None:
    """Position of the header among the sheet's rows; None for a cover sheet of a workbook; IngestError when a file
    of one sheet has no header row."""
    if sheet.fixed_header:
        return 0
    rows = [values for _, values in sheet.rows]
    pos, best, score = best_row(rows, tuple(schema.TABLES))
    if table is not None:
        pos_t, _, score_t = best_row(rows, (table,))
        pos = pos_t if score_t >= MIN_RECOGNISED else pos
    if score >= MIN_RECOGNISED:
        return pos
    if export.several_sheets:
        return None
    raise IngestError(_no_header(where, sheet, pos, best, score))


def _title_note(sheet: Sheet, pos: int, several: bool) -> str:
    above = sheet.rows[:pos]
    first = next((show(v) for v in above[0][1] if not blank(v)), "")
    where = f"sheet '{sheet.name}': " if several else ""
    if len(above) == 1:
        rows = f"row {above[0][0]} above it (a title: '{printable(first)[:60]}') was"
    else:
        rows = (f"{len(above)} rows above it ({above[0][0]}-{above[-1][0]}; titles such as"
                f" '{printable(first)[:60]}') were")
    return f"{where}the header is row {sheet.rows[pos][0]}; {rows} not read"


def _refuse_data_above(where: str, sheet: Sheet, pos: int, m: _Mapping) -> None:
    """Rows above the header are not read, so they must be titles: a row with a value under every required column
    is data (a damaged first header, then a pasted second one), and the file is refused rather than lose it."""
    required = [i for i, col in m.columns.items() if schema.TABLES[m.table].column(col).required]
    for number, values in sheet.rows[:pos]:
        if len(recognised(values, m.table)) >= MIN_RECOGNISED:
            continue  # another header (a damaged or a group header): a title, not data
        if all(i < len(values) and not blank(values[i]) for i in required):
            raise IngestError(f"{where}: row {number} is above the header (row {sheet.rows[pos][0]}) but holds a value"
                              " under every required column: it looks like data, not a title, and would not be read;"
                              " fix the header row or remove the rows above it")


def map_header(export: Export, table: str | None = None) -> None:
    """Set the export's parts, header, table and match, detecting the table when none is given; IngestError when a
    sheet's header cannot be mapped, the sheets disagree, or no sheet has a header."""
    if table is not None and table not in schema.TABLES:
        raise IngestError(f"unknown table {table!r}: expected one of {', '.join(schema.TABLES)}")
    found: list[tuple[Sheet, Part, _Mapping]] = []
    for sheet in export.sheets:
        where = f"{export.path}, sheet '{sheet.name}'" if export.several_sheets else export.path
        if not sheet.rows:
            export.skipped.append((sheet.name, "the sheet is empty"))
            continue
        pos = _locate(export, sheet, table, where)
        if pos is None:
            n = len(sheet.rows)
            why = (f"no header row among its first {HEADER_SEARCH_ROWS} non-empty rows (a cover or notes sheet?);"
                   f" its {n} non-empty row{'s' if n > 1 else ''} were not read")
            export.skipped.append((sheet.name, why))
            continue
        header_row, cells = sheet.rows[pos]
        header = [_header_text(v) for v in cells]
        records = sheet.rows[pos + 1:]
        m = _choose(where, header, header_row, records, table)
        if pos > 0:
            _refuse_data_above(where, sheet, pos, m)
            export.notes.append(_title_note(sheet, pos, export.several_sheets))
        found.append((sheet, Part(sheet.name, header, header_row, m.columns, records), m))
    for name, why in export.skipped:
        export.notes.append(f"sheet '{name}' skipped: {why}")
    if not found:
        raise IngestError(f"{export.path}: no sheet has a header row naming columns of a table ("
                          + "; ".join(f"'{name}': {why}" for name, why in export.skipped) + ")")
    tables = sorted({m.table for _, _, m in found})
    if len(tables) > 1:
        which = ", ".join(f"sheet '{s.name}' is {m.table}" for s, _, m in found)
        raise IngestError(f"{export.path}: its sheets hold different tables ({which}); ingest one table per file:"
                          " save each of these sheets as its own file (or name the table with --table and remove the"
                          " other sheets)")
    _assemble(export, found)


def _assemble(export: Export, found: list[tuple[Sheet, Part, _Mapping]]) -> None:
    first = found[0][1]
    header, columns = list(first.header), dict(first.columns)
    at = {col: i for i, col in columns.items()}
    for _, part, _ in found[1:]:
        if part.header == first.header:
            continue
        part.layout = []
        for i, name in enumerate(part.header):
            col = part.columns.get(i)
            if col is not None and col not in at:  # a column this sheet has and the first does not
                header.append(name)
                at[col] = len(header) - 1
                columns[at[col]] = col
            part.layout.append(at.get(col) if col is not None else None)
    export.header, export.columns, export.header_row = header, columns, first.header_row
    export.parts = [part for _, part, _ in found]
    export.table = found[0][2].table
    required = [c.name for c in schema.TABLES[export.table].columns if c.required]
    if len(found) == 1:
        m = found[0][2]
        export.match = f"matched to table {export.table}: {_recognised(m, first.header, listed=False)}, including" \
                       f" {', '.join(required)}"
    else:
        export.match = (f"matched to table {export.table}: each of its {len(found)} data sheets ("
                        + ", ".join(f"'{p.sheet}'" for p in export.parts)
                        + f") has a header naming its columns, including {', '.join(required)}; their rows are read"
                        " one sheet after another")
