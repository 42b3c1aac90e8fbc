"""Reading XLSX workbooks: every worksheet, each cell's saved value, and a marker where a cell has no usable value.

openpyxl's read-only reader is used with its cell parser subclassed (openpyxl is pinned in requirements.txt), for
three things the public API cannot give: a formula cell saved without its result is told apart from an empty cell
(`values.FormulaWithoutValue`); a cell openpyxl cannot convert (a 5,000-digit number) becomes
`values.Unreadable` instead of ending the whole read; and rows are numbered as the sheet numbers them without
padding missing rows, so a hostile `<dimension>` cannot make the reader walk a million empty rows.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

from kpi.data.ingest.errors import IngestError
from kpi.data.ingest.export import Sheet
from kpi.data.ingest.values import CellError, FormulaWithoutValue, Unreadable, blank
from kpi.data.said import Said
from kpi.i18n import N_

MAX_COLUMNS = 16_384  # Excel's limit (column XFD)
_TEXT_TYPES = ("str", "s", "inlineStr")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?")


def _cell_parser():
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class CellParser(WorkSheetParser):
        def parse_cell(self, element: Any) -> dict[str, Any]:
            try:
                cell = super().parse_cell(element)
            except Exception as exc:  # openpyxl raises ValueError, IndexError... for a cell it cannot convert
                try:
                    row, column = coordinate_to_tuple(element.get("r"))
                except Exception:
                    self.col_counter += 1
                    row, column = self.row_counter, self.col_counter
                text = element.findtext(VALUE_TAG) or ""
                # A number too long for Python (over 4,300 digits) keeps its digits as text, as a CSV would give
                # them: the column's rule then refuses it (out_of_range, too_long) like any other bad value.
                number = element.get("t", "n") == "n" and _NUMBER.fullmatch(text)
                why = Said(N_("the cell is damaged: {error}"), error=f"{type(exc).__name__}: {str(exc)[:100]}")
                value = text if number else Unreadable(text, why)
                return {"row": row, "column": column, "value": value, "data_type": "e", "style_id": 0}
            formula = element.find(FORMULA_TAG)
            if cell["data_type"] == "e" and cell["value"] is not None:
                cell["value"] = CellError(str(cell["value"]))
            elif formula is not None and cell["value"] is None:
                # No saved result: no <v>, or an empty <v> on a number cell (openpyxl writes formulas that way).
                # An empty <v> on a text cell is a formula whose result is the empty string.
                saved = element.find(VALUE_TAG)
                if saved is None or element.get("t", "n") not in _TEXT_TYPES:
                    cell["value"] = FormulaWithoutValue("=" + (formula.text or ""))
            return cell

    return CellParser


def _sheet_rows(wb: Any, ws: Any, parser_class: type) -> list[tuple[int, list[Any]]]:
    rows: list[tuple[int, list[Any]]] = []
    with ws._get_source() as src:
        parser = parser_class(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                              date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        for number, cells in parser.parse():
            if not cells:
                continue
            width = min(max(c["column"] for c in cells), MAX_COLUMNS)
            values: list[Any] = [None] * width
            for c in cells:
                if 1 <= c["column"] <= width:
                    values[c["column"] - 1] = c["value"]
            if not all(blank(v) for v in values):
                rows.append((number, values))
    return rows


def read_workbook(path: Path) -> tuple[list[Sheet], list[str]]:
    """Every worksheet's non-blank rows, and notes on sheets that hold no cells (chart sheets)."""
    import openpyxl  # only XLSX inputs pay for the import

    with warnings.catch_warnings():  # openpyxl warns about styles and odd dates on stderr; the report says enough
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged or non-XLSX file
            raise IngestError(Said(N_("{path}: is not a readable XLSX workbook ({error})"), path=path,
                                   error=f"{type(exc).__name__}: {str(exc)[:200]}")) from None
        try:
            parser_class = _cell_parser()
            sheets, notes = [], []
            for name in wb.sheetnames:
                ws = wb[name]
                if not hasattr(ws, "_get_source"):
                    notes.append(Said(N_("sheet '{sheet}' is a chart sheet (no cells): nothing to read"), sheet=name))
                    continue
                try:
                    rows = _sheet_rows(wb, ws, parser_class)
                except Exception as exc:  # a truncated or malformed sheet: ParseError, BadZipFile, CRC errors
                    raise IngestError(Said(N_(
                        "{path}: sheet '{sheet}' is damaged and cannot be read ({error}); the workbook may be"
                        " truncated: save or export it again"), path=path, sheet=name,
                        error=f"{type(exc).__name__}: {str(exc)[:200]}")) from None
                sheets.append(Sheet(name, rows, hidden=getattr(ws, "sheet_state", "visible") != "visible"))
        finally:
            wb.close()
    if not sheets:
        raise IngestError(Said(N_("{path}: the workbook has no worksheet"), path=path))
    return sheets, notes
