"""Reading an export back (a helper module, like tests/scopes.py): a CSV's metadata block and table, an XLSX's
two sheets, as a spreadsheet or pandas would read them (kpi.render.export)."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from kpi.render import export


def csv_parts(text: str) -> tuple[dict[str, str], str]:
    """(metadata field -> value, the table's CSV text) of a CSV export."""
    lines = text.split("\n", export.METADATA_LINES)
    assert len(lines) == export.METADATA_LINES + 1, "the metadata block is cut short"
    head, table = lines[:-1], lines[-1]
    assert all(line.startswith("# ") for line in head), head
    assert f"skiprows={export.METADATA_LINES}" in head[0]
    meta = pd.read_csv(io.StringIO("\n".join(head[1:])), header=None, names=["field", "value"], dtype=str,
                       keep_default_na=False)
    return dict(zip(meta["field"].str.removeprefix("# "), meta["value"])), table


def csv_table(text: str) -> pd.DataFrame:
    """The table of a CSV export, read the way the first line of the file says."""
    return pd.read_csv(io.StringIO(text), skiprows=export.METADATA_LINES)


def xlsx_sheets(data: bytes) -> tuple[list[list], dict[str, str], openpyxl.Workbook]:
    """(the Data sheet's rows with its header first, Metadata field -> value, the workbook) of an XLSX export."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Data", "Metadata"], book.sheetnames
    rows = [list(r) for r in book["Data"].iter_rows(values_only=True)]
    meta = [list(r) for r in book["Metadata"].iter_rows(values_only=True)]
    assert meta[0] == ["Field", "Value"]
    return rows, {f: "" if v is None else v for f, v in meta[1:]}, book  # an empty cell is an empty value


def cells(book: openpyxl.Workbook) -> list:
    """Every cell of every sheet."""
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]
