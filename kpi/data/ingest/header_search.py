"""Finding the header row: exports put title rows, dates and notes above it, so it is searched for, not assumed.

The header is the row, among the first HEADER_SEARCH_ROWS non-blank rows, that names the most columns of a table
(the earliest such row on a tie). A row naming fewer than MIN_RECOGNISED columns of every table is not a header:
a title such as "Scheme returns" may match one alias by chance, never two.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from kpi.data import aliases, schema

HEADER_SEARCH_ROWS = 20
MIN_RECOGNISED = 2


def recognised(cells: Sequence[Any], table: str) -> list[str]:
    """The distinct columns of `table` that the cells name, in the cells' order."""
    found: list[str] = []
    for cell in cells:
        if isinstance(cell, str) and cell.strip():
            target = aliases.match_header(table, cell)
            if target is not None and target not in found:
                found.append(target)
    return found


def best_row(rows: Iterable[Sequence[Any]], tables: Sequence[str]) -> tuple[int, str, int]:
    """(position among the rows searched, table, columns recognised) of the row that names most columns of a table.

    Only the first HEADER_SEARCH_ROWS rows are searched; (0, tables[0], 0) when no row names any column.
    """
    best = (0, tables[0], 0)
    for i, cells in enumerate(rows):
        if i >= HEADER_SEARCH_ROWS:
            break
        for table in tables:
            score = len(recognised(cells, table))
            if score > best[2]:
                best = (i, table, score)
    return best


def all_tables() -> tuple[str, ...]:
    return tuple(schema.TABLES)
