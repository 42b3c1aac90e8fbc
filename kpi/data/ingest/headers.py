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
from kpi.data.said import Said
from kpi.i18n import N_

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
            clashes.append(Said(N_("'{first}' and '{second}' both mean {column}"), first=printable(seen[target]),
                                second=printable(name), column=target))
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


def _recognised(m: _Mapping, header: list[str], listed: bool = True) -> Said:
    named = sum(1 for h in header if h)
    names = ", ".join(m.columns[i] for i in sorted(m.columns)) if listed else ""
    if names:
        return Said(N_("{found} of {named} columns recognised ({names})"), found=len(m.columns), named=named,
                    names=names)
    return Said(N_("{found} of {named} columns recognised"), found=len(m.columns), named=named)


def _header_error(where: str, header: list[str], row: int, m: _Mapping, closest: _Mapping | None) -> Said:
    parts = []
    if m.missing:
        parts.append(Said(N_("missing required columns: {columns}"), columns=", ".join(m.missing)))
    if m.unknown:
        more = len(m.unknown) - _LISTED
        listed = ", ".join(m.unknown[:_LISTED])
        parts.append(Said(N_("unknown columns: {columns} and {more} more"), columns=listed, more=more) if more > 0
                     else Said(N_("unknown columns: {columns}"), columns=listed))
    if m.nameless:
        parts.append(Said.ngettext("values under no header in column {columns}",
                                   "values under no header in columns {columns}", len(m.nameless),
                                   columns=_ranges(m.nameless)))
    if m.clashes:
        parts.append(Said(N_("duplicate columns: {clashes}"), clashes=Said.join("; ", m.clashes)))
    # Whole sentences one after another (each translated whole).
    text = [Said(N_("{where}: the header cannot be mapped to the {table} table ({problems})."), where=where,
                 table=m.table, problems=Said.join("; ", parts)),
            Said(N_(" The header is row {row}: {recognised}."), row=row, recognised=_recognised(m, header))]
    if closest is not None and closest.table != m.table:
        text.append(Said(N_(" It looks like the {table} table instead ({recognised}): name that table with --table"
                            " {table}, or leave --table out."), table=closest.table,
                         recognised=_recognised(closest, header, listed=False)))
    text.append(Said(N_(" Headers match contract column names ignoring case, spaces, underscores and punctuation;"
                        " see docs/data-contract.md")))
    return Said.join("", text)


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
            raise IngestError(Said(N_("{where}: the header fits more than one table ({tables}); say which with"
                                      " --table"), where=where, tables=", ".join(m.table for m in fits)))
        # With no fit, report against the table the header resembles most: its complaints are the useful ones.
        m, closest = (fits[0] if fits else _closest(tried)), None
    if not m.ok:
        raise IngestError(_header_error(where, header, row, m, closest))
    return m


def _no_header(where: str, sheet: Sheet, pos: int, table: str, score: int) -> Said:
    """Why no row of the sheet is a header: nothing in it names columns of a table, so no table's complaints fit."""
    expected = "; ".join(f"{t}: {', '.join(c.name for c in spec.columns if c.required)}"
                         for t, spec in schema.TABLES.items())
    said = dict(where=where, rows=HEADER_SEARCH_ROWS, least=MIN_RECOGNISED, expected=expected)
    if score:
        return Said.ngettext(
            "{where}: no header row found: none of the first {rows} non-empty rows names {least} or more columns of"
            " a table (the closest, row {row}, names {n} column of {table}: {named}). A header names the table's"
            " columns, at least the required ones ({expected}); see docs/data-contract.md",
            "{where}: no header row found: none of the first {rows} non-empty rows names {least} or more columns of"
            " a table (the closest, row {row}, names {n} columns of {table}: {named}). A header names the table's"
            " columns, at least the required ones ({expected}); see docs/data-contract.md",
            score, row=sheet.rows[pos][0], table=table, named=", ".join(recognised(sheet.rows[pos][1], table)),
            **said)
    return Said(N_("{where}: no header row found: none of the first {rows} non-empty rows names {least} or more"
                   " columns of a table. A header names the table's columns, at least the required ones"
                   " ({expected}); see docs/data-contract.md"), **said)


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
    said = dict(sheet=sheet.name, header=sheet.rows[pos][0], title=printable(first)[:60], n=len(above),
                first=above[0][0], last=above[-1][0])
    if len(above) == 1:
        return Said(N_("sheet '{sheet}': the header is row {header}; row {first} above it (a title: '{title}') was"
                       " not read") if several else
                    N_("the header is row {header}; row {first} above it (a title: '{title}') was not read"), **said)
    return Said(N_("sheet '{sheet}': the header is row {header}; {n} rows above it ({first}-{last}; titles such as"
                   " '{title}') were not read") if several else
                N_("the header is row {header}; {n} rows above it ({first}-{last}; titles such as '{title}') were not"
                   " read"), **said)


def _refuse_data_above(where: str, sheet: Sheet, pos: int, m: _Mapping) -> None:
    """Rows above the header are not read, so they must be titles: a row with a value under every required column
    is data (a damaged first header, then a pasted second one), and the file is refused rather than lose it."""
    required = [i for i, col in m.columns.items() if schema.TABLES[m.table].column(col).required]
    for number, values in sheet.rows[:pos]:
        if len(recognised(values, m.table)) >= MIN_RECOGNISED:
            continue  # another header (a damaged or a group header): a title, not data
        if all(i < len(values) and not blank(values[i]) for i in required):
            raise IngestError(Said(N_(
                "{where}: row {row} is above the header (row {header}) but holds a value under every required"
                " column: it looks like data, not a title, and would not be read; fix the header row or remove the"
                " rows above it"), where=where, row=number, header=sheet.rows[pos][0]))


def map_header(export: Export, table: str | None = None) -> None:
    """Set the export's parts, header, table and match, detecting the table when none is given; IngestError when a
    sheet's header cannot be mapped, the sheets disagree, or no sheet has a header."""
    if table is not None and table not in schema.TABLES:
        raise IngestError(Said(N_("unknown table {table}: expected one of {tables}"), table=repr(table),
                               tables=", ".join(schema.TABLES)))
    found: list[tuple[Sheet, Part, _Mapping]] = []
    for sheet in export.sheets:
        where = (Said(N_("{path}, sheet '{sheet}'"), path=export.path, sheet=sheet.name) if export.several_sheets
                 else export.path)
        if not sheet.rows:
            export.skipped.append((sheet.name, Said(N_("the sheet is empty"))))
            continue
        pos = _locate(export, sheet, table, where)
        if pos is None:
            why = Said.ngettext("no header row among its first {rows} non-empty rows (a cover or notes sheet?); its"
                                " {n} non-empty row were not read",
                                "no header row among its first {rows} non-empty rows (a cover or notes sheet?); its"
                                " {n} non-empty rows were not read", len(sheet.rows), rows=HEADER_SEARCH_ROWS)
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
        export.notes.append(Said(N_("sheet '{sheet}' skipped: {why}"), sheet=name, why=why))
    if not found:
        raise IngestError(Said(N_("{path}: no sheet has a header row naming columns of a table ({sheets})"),
                               path=export.path, sheets=Said.join("; ", (Said.join(": ", (f"'{name}'", why))
                                                                         for name, why in export.skipped))))
    tables = sorted({m.table for _, _, m in found})
    if len(tables) > 1:
        which = Said.join(", ", (Said(N_("sheet '{sheet}' is {table}"), sheet=s.name, table=m.table)
                                 for s, _, m in found))
        raise IngestError(Said(N_("{path}: its sheets hold different tables ({which}); ingest one table per file:"
                                  " save each of these sheets as its own file (or name the table with --table and"
                                  " remove the other sheets)"), path=export.path, which=which))
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
        export.match = Said(N_("matched to table {table}: {recognised}, including {required}"), table=export.table,
                            recognised=_recognised(found[0][2], first.header, listed=False),
                            required=", ".join(required))
    else:
        export.match = Said(N_("matched to table {table}: each of its {n} data sheets ({sheets}) has a header naming"
                               " its columns, including {required}; their rows are read one sheet after another"),
                            table=export.table, n=len(found), sheets=", ".join(f"'{p.sheet}'" for p in export.parts),
                            required=", ".join(required))
