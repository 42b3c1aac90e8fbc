"""No export path writes a cell a spreadsheet would run as a formula (OWASP CSV injection); numbers stay numbers.

Scheme names and ids are free text from the schemes' exports. Hostile ones go in through ingest, then out through
every path: `python -m kpi table`, the dashboard's Download CSV and Download XLSX (charts, tables, the funnel; their
metadata too) and the quarantine file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import shutil

import pandas as pd
import pytest

from kpi.cli import main
from kpi.data import ingest, spreadsheet
from kpi.metrics import api
from kpi.render import export, tables
from tests.exports import cells, csv_parts, xlsx_sheets
from tests.scopes import EXACT, SCHEMES

# Ingest trims leading white space from names, so tab and CR leads are checked on a table directly (below).
HOSTILE_NAMES = ["=HYPERLINK(\"http://x.example\",\"click\")", "+SUM(1+1)", "-2+3", "@SUM(A1)"]
HOSTILE_ID = "=cmd|' /C calc'!A0"


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def _formula_cells(text: str) -> list[str]:
    return [c for c in _cells(text) if c.startswith(spreadsheet.FORMULA_STARTS)]


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory, sample_store):
    """A copy of the fixture store with schemes named like attacks, each with enough answers to be shown."""
    root = tmp_path_factory.mktemp("hostile") / "store"
    shutil.copytree(sample_store, root)
    files = tmp_path_factory.mktemp("hostile-files")
    ids = [HOSTILE_ID, *(f"X{i}" for i in range(1, len(HOSTILE_NAMES)))]
    with open(files / "schemes.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Scheme ID", "Scheme name", "Programme", "Region"])
        w.writerows([sid, name, "Shared Lives", "North West"] for sid, name in zip(ids, HOSTILE_NAMES))
    with open(files / "responses.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Response ID", "Person ID", "Scheme ID", "Date completed", "Arrangement", "Connected"])
        for sid in ids:
            w.writerows([f"H{sid}{i}", f"HP{sid}{i}", sid, "2023-06-01", "Live-in", "Positive" if i % 3 else "None"]
                        for i in range(40))
        w.writerow(["Q1", "QP1", "=1+1", "2023-06-01", "Live-in", "Positive"])  # unknown scheme: quarantined
    report = ingest.ingest([files / "schemes.csv", files / "responses.csv"], data_dir=root)
    assert report.committed
    return root, report


def test_dashboard_and_cli_csvs_neutralise_hostile_scheme_names_and_ids(hostile_store):
    root, _ = hostile_store
    table = api.khi_table("connected_positive", "scheme", api.Filters(years=(2023,)), data_dir=root, scope=SCHEMES)
    assert set(HOSTILE_NAMES) <= set(table["scheme_name"])  # the names really are in the table
    download = tables.to_csv(table)  # what "Download CSV" gives, byte for byte the CLI's rendering
    assert _formula_cells(download) == []
    assert f"'{HOSTILE_ID}" in _cells(download) and "'=HYPERLINK(\"http://x.example\",\"click\")" in _cells(download)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["table", "connected_positive", "--by", "scheme", "--year", "2023", "--exact",
                     "--data", str(root)]) == 0  # scheme tables from the CLI: the national team's, exact
    exact = api.khi_table("connected_positive", "scheme", api.Filters(years=(2023,)), data_dir=root, scope=EXACT)
    _, printed = csv_parts(out.getvalue())
    assert printed == tables.to_csv(export.frame(exact, export.ExportInfo(title="", period="2023-24")))
    assert _formula_cells(out.getvalue()) == [] and f"'{HOSTILE_ID}" in _cells(out.getvalue())


def _inert(book) -> list:
    """Cells a spreadsheet would run: stored as a formula, or text that begins like one."""
    return [c.coordinate for c in cells(book)
            if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith(spreadsheet.FORMULA_STARTS))]


def test_csv_and_xlsx_exports_neutralise_hostile_names_ids_and_metadata(hostile_store):
    """The dashboard's downloads with their metadata: a hostile scheme in the table and in the filters."""
    root, _ = hostile_store
    f = api.Filters(years=(2023,), schemes=(HOSTILE_ID,))
    table = api.khi_table("connected_positive", "scheme", api.Filters(years=(2023,)), data_dir=root, scope=SCHEMES)
    info = export.ExportInfo(title="=HYPERLINK(\"http://x.example\")", period="2023-24", filters=f, scope=SCHEMES)
    text = export.csv_text(table, info)
    assert _formula_cells(text) == []
    meta, _ = csv_parts(text)
    assert meta["Title"].startswith("'=") and f"'{HOSTILE_ID}" not in meta["Filters"]  # inside text: not a lead
    rows, xmeta, book = xlsx_sheets(export.xlsx_bytes(table, info))
    assert _inert(book) == []
    assert xmeta == meta
    names = [r[rows[0].index("Area Name")] for r in rows[1:]]
    ids = [r[rows[0].index("Area Code")] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://x.example\",\"click\")" in names and f"'{HOSTILE_ID}" in ids
    assert all(type(r[rows[0].index("Value")]) in (int, float, type(None)) for r in rows[1:])  # numbers stay numbers


def test_xlsx_stores_tab_cr_and_formula_text_as_text():
    table = pd.DataFrame({"metric_id": ["connected_positive"] * 4, "scheme_name": ["=1+1", "\tTabbed", "\rReturned",
                                                                                 "@SUM(A1)"],
                          "value": [-1.5, 2.0, 3.0, 4.0], "change": pd.array([-175, None, 1, 2], dtype="Int64")})
    rows, _, book = xlsx_sheets(export.xlsx_bytes(table, export.ExportInfo(title="t", period="p")))
    assert _inert(book) == []
    assert [r[rows[0].index("scheme_name")] for r in rows[1:]] == ["'=1+1", "'\tTabbed", "'\nReturned", "'@SUM(A1)"]
    assert [r[rows[0].index("change")] for r in rows[1:]] == [-175, None, 1, 2]
    assert [r[rows[0].index("Value")] for r in rows[1:]] == [-1.5, 2, 3, 4]


def test_funnel_download_neutralises_hostile_names(hostile_store):
    root, _ = hostile_store
    funnel = api.funnel("connected_positive", api.Filters(years=(2023,)), data_dir=root, scope=SCHEMES)
    assert HOSTILE_ID in set(funnel["scheme_id"])
    assert _formula_cells(tables.to_csv(funnel)) == []
    info = export.ExportInfo(title="funnel", period="2023-24", scope=SCHEMES)
    assert _formula_cells(export.csv_text(funnel, info)) == []
    assert _inert(xlsx_sheets(export.xlsx_bytes(funnel, info))[2]) == []


def test_quarantine_file_neutralises_what_it_refused(hostile_store):
    root, report = hostile_store
    rel = next(f.quarantine_file for f in report.files if f.quarantine_file)
    text = (root / rel).read_text(encoding="utf-8-sig")
    assert "'=1+1" in _cells(text)
    assert _formula_cells(text) == []


def test_tab_and_carriage_return_leads_are_neutralised_too():
    table = pd.DataFrame({"scheme_name": ["\tTabbed", "\rReturned"], "value": [1.0, 2.0]})
    assert _formula_cells(tables.to_csv(table)) == []


def test_numbers_stay_numbers():
    table = pd.DataFrame({"scheme_name": ["-Minus"], "value": [-12.5], "change": pd.array([-175], dtype="Int64")})
    row = _cells(tables.to_csv(table))[3:]
    assert row == ["'-Minus", "-12.500000", "-175"]


def test_neutralise_leaves_ordinary_text_alone():
    assert spreadsheet.neutralise("North West") == "North West" and spreadsheet.neutralise(3) == 3
    assert spreadsheet.neutralise("@x") == "'@x"

