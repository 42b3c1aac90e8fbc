"""Hostile-but-realistic exports: every file is either refused whole, with a message naming it and the store left
byte-identical, or accepted with every row accounted for (read = stored + duplicates + quarantined), the stored rows
really in the store and their values unaltered.

Each case builds one small file (CSV, XLSX or Parquet) under tmp_path. kpi.data.derive is stubbed out as in
tests/test_ingest.py; the command-line tests at the end run a real `python -m kpi ingest` in a subprocess.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kpi.data import ingest, store

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2025, 6, 30)  # pinned: the future-date rule must not depend on when the suite runs


@pytest.fixture(autouse=True)
def _no_derive(monkeypatch):
    monkeypatch.setattr("kpi.data.derive.build", lambda root, manifest: None)


@pytest.fixture(scope="module")
def base_store(tmp_path_factory) -> Path:
    """A new store holding schemes S001 and S002 and nothing else, built with ingest itself."""
    root = tmp_path_factory.mktemp("hostile") / "store"
    src = tmp_path_factory.mktemp("hostile_src") / "schemes.csv"
    src.write_text("Scheme ID,Scheme name,Programme,Region\nS001,North,Shared Lives,North West\n"
                   "S002,Wales,Homeshare,Wales\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("kpi.data.derive.build", lambda root, manifest: None)
        ingest.ingest([src], data_dir=root, today=TODAY)
    return root


def tree_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------------------------------------------
# Building files.
HEADER = ["Response ID", "Person ID", "Scheme ID", "Date completed", "Arrangement", "Number of friends",
          "Completed with help", "Connected"]
_SHORT = dict(zip(("id", "person", "scheme", "date", "arr", "friends", "help", "conn"), HEADER))


def rec(i: int, **change: Any) -> list[Any]:
    """Response R<i> of person P<i>, valid; `change` replaces cells by short name (id, person, date, friends...)."""
    row = {"Response ID": f"R{i}", "Person ID": f"P{i}", "Scheme ID": "S001", "Date completed": "2024-01-15",
           "Arrangement": "Live-in", "Number of friends": "3", "Completed with help": "Yes", "Connected": "Positive"}
    for short, value in change.items():
        row[_SHORT[short]] = value
    return list(row.values())


def csv_text(rows: list[list[Any]], delimiter: str = ",", newline: str = "\r\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buf.getvalue()


def write(name: str, data: bytes | str) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path
    return build


def a_csv(rows: list[list[Any]], name: str = "export.csv", delimiter: str = ",", encoding: str = "utf-8",
          prefix: bytes = b"", newline: str = "\r\n") -> Callable[[Path], Path]:
    return write(name, prefix + csv_text(rows, delimiter, newline).encode(encoding))


def a_workbook(sheets: dict[str, list[list[Any]]], name: str = "export.xlsx",
               patch: Callable[[dict[str, bytes]], None] | None = None,
               shape: Callable[[openpyxl.Workbook], None] | None = None) -> Callable[[Path], Path]:
    """An XLSX with one worksheet per entry; `patch` edits the zip's members (raw XML), `shape` the workbook."""
    def build(tmp: Path) -> Path:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, rows in sheets.items():
            ws = wb.create_sheet(title)
            for r in rows:
                ws.append(r)
        if shape:
            shape(wb)
        path = tmp / name
        wb.save(path)
        if patch:
            with zipfile.ZipFile(path) as z:
                members = {n: z.read(n) for n in z.namelist()}
            patch(members)
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
                for n, data in members.items():
                    z.writestr(n, data)
        return path
    return build


def replace_in(member: str, old: bytes, new: bytes) -> Callable[[dict[str, bytes]], None]:
    def patch(members: dict[str, bytes]) -> None:
        assert old in members[member], f"{old!r} not in {member}"
        members[member] = members[member].replace(old, new)
    return patch


def a_parquet(columns: dict[str, pa.Array | list], name: str = "export.parquet") -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / name
        pq.write_table(pa.table(columns), path)
        return path
    return build


def truncated(build: Callable[[Path], Path], keep: float = 0.5) -> Callable[[Path], Path]:
    def cut(tmp: Path) -> Path:
        path = build(tmp)
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])
        return path
    return cut


def sheet_xml_cut_in_half(members: dict[str, bytes]) -> None:
    xml = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = xml[: len(xml) // 2]


def people_rows(*people: Any) -> list[list[Any]]:
    return [["Scheme ID", "Financial year", "Arrangement", "People supported"],
            *(["S001", 2015 + i, "Live-in", n] for i, n in enumerate(people))]


def response_columns(n: int, **extra: pa.Array | list) -> dict[str, Any]:
    """Parquet columns for responses Q0..Q<n-1>, plus `extra` columns (replacing same-named ones)."""
    cols: dict[str, Any] = {
        "response_id": [f"Q{i}" for i in range(n)], "person_id": [f"P{i}" for i in range(n)],
        "scheme_id": ["S002"] * n, "completed_on": pa.array([dt.date(2023, 5, 1)] * n, pa.date32()),
        "arrangement": ["homeshare"] * n,
    }
    cols.update(extra)
    return cols


# ---------------------------------------------------------------------------------------------------------------
# Expected outcomes.
@dataclass
class Refused:
    message: str  # a regex the IngestError's message must match


@dataclass
class Accepted:
    counts: tuple[int, int, int, int]  # read, stored, duplicates, quarantined
    rules: list[str] = field(default_factory=list)  # the rule of each quarantined row, in row order
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> stored values to check
    said: str = ""  # a regex the report's read_as, match and notes (joined by " | ") must match
    rows: list[int] = field(default_factory=list)  # the row number of each quarantined row, when it matters


@dataclass
class Case:
    name: str
    build: Callable[[Path], Path]
    expect: Refused | Accepted
    table: str | None = None


GOOD3 = [HEADER, rec(1), rec(2), rec(3)]
SERIAL = 45306  # 2024-01-15 as an Excel (1900 system) date serial
HUGE = "9" * 5000
RANDOM = random.Random(12)


def _merge(ref: str, sheet: str = "Export") -> Callable[[openpyxl.Workbook], None]:
    return lambda wb: wb[sheet].merge_cells(ref)


def _hide(sheet: str) -> Callable[[openpyxl.Workbook], None]:
    def shape(wb: openpyxl.Workbook) -> None:
        wb[sheet].sheet_state = "hidden"
    return shape


def _csv_file_as(name: str, build: Callable[[Path], Path]) -> Callable[[Path], Path]:
    def renamed(tmp: Path) -> Path:
        return build(tmp).rename(tmp / name)
    return renamed


CASES = [
    # --- CSV dialects: delimiter and encoding detected, and said.
    Case("csv-semicolon", a_csv(GOOD3, delimiter=";"),
         Accepted((3, 3, 0, 0), values={"R1": {"person_id": "P1"}}, said=r"UTF-8, semicolon-delimited")),
    Case("csv-semicolon-excel-europe-commas-in-values",
         a_csv([HEADER, rec(1), rec(2, person="Smith, J"), rec(3)], delimiter=";", prefix=b"\xef\xbb\xbf"),
         Accepted((3, 3, 0, 0), values={"R2": {"person_id": "Smith, J"}},
                  said=r"UTF-8 with a byte-order mark, semicolon-delimited")),
    Case("csv-tab", a_csv(GOOD3, name="export.tsv", delimiter="\t"),
         Accepted((3, 3, 0, 0), said=r"tab-delimited")),
    Case("csv-pipe", a_csv(GOOD3, delimiter="|"), Accepted((3, 3, 0, 0), said=r"pipe-delimited")),
    Case("csv-utf16-le-bom", a_csv([HEADER, rec(1, person="Zoë Ångström"), rec(2)], encoding="utf-16-le",
                                   prefix=b"\xff\xfe"),
         Accepted((2, 2, 0, 0), values={"R1": {"person_id": "Zoë Ångström"}}, said=r"UTF-16 \(little-endian")),
    Case("csv-utf16-be-bom", a_csv([HEADER, rec(1, person="Łukasz")], encoding="utf-16-be", prefix=b"\xfe\xff"),
         Accepted((1, 1, 0, 0), values={"R1": {"person_id": "Łukasz"}}, said=r"UTF-16 \(big-endian")),
    Case("csv-windows-1252", a_csv([HEADER, rec(1, person="Zoë"), rec(2, person="Renée €5")], encoding="cp1252"),
         Accepted((2, 2, 0, 0), values={"R1": {"person_id": "Zoë"}, "R2": {"person_id": "Renée €5"}},
                  said=r"Windows-1252")),
    Case("csv-latin1-control-byte", write("export.csv", csv_text([HEADER, rec(1), rec(2, person="P2\x81")])
                                          .encode("latin-1")),
         Accepted((2, 1, 0, 1), rules=["control_character"], said=r"Latin-1")),
    Case("csv-damaged-utf8", write("export.csv", csv_text([HEADER, rec(1, person="Zoë")]).encode() + b"R2,P\xff\r\n"),
         Refused(r"is UTF-8 text with an invalid byte \(0xff\) on line 3")),
    Case("csv-binary-garbage", write("garbage.csv", RANDOM.randbytes(3000)), Refused(r"is not CSV text")),
    Case("csv-zero-bytes", write("empty.csv", b""), Refused(r"the file is empty \(0 bytes\)")),
    Case("csv-only-blank-lines", write("blank.csv", b"\r\n,,,\r\n  \r\n"), Refused(r"the file is empty \(no header")),
    Case("csv-that-is-a-workbook", _csv_file_as("export.csv", a_workbook({"Data": GOOD3})),
         Refused(r"is named \.csv but is a zip archive \(an XLSX workbook\?\)")),
    Case("csv-mixed-line-endings",
         write("export.csv", ",".join(HEADER) + "\r\n" + ",".join(rec(1)) + "\n" + ",".join(rec(2)) + "\r"
               + ",".join(rec(3, friends="three")) + "\r\n"),
         Accepted((3, 2, 0, 1), rules=["not_whole_number"], rows=[4])),
    Case("csv-nul-byte-in-a-cell", a_csv([HEADER, rec(1), rec(2, person="P\x002"), rec(3)]),
         Accepted((3, 2, 0, 1), rules=["control_character"], rows=[3])),
    Case("csv-unclosed-quote", write("export.csv", csv_text([HEADER, rec(1)]) + 'R2,"P2,S001,2024-01-15,Live-in\r\n'
                                     + csv_text([rec(3), rec(4)])),
         Refused(r"row 3 opens a quoted value \(\"\) that is never closed")),

    # --- Headers: title rows, duplicates, blanks, unknowns; messages name the closest table.
    Case("csv-title-rows-above-header",
         a_csv([["KHI outcomes export"], ["Generated 2024-02-01", ""], [], HEADER, rec(1), rec(2, date="31/02/2024")]),
         Accepted((2, 1, 0, 1), rules=["invalid_date"], rows=[6],
                  said=r"the header is row 4; 2 rows above it \(1-2; titles such as 'KHI outcomes export'\) were not "
                       r"read")),
    Case("csv-titles-and-no-header", a_csv([["Outcomes export"], rec(1), rec(2)]),
         Refused(r"no header row found: none of the first 20 non-empty rows names 2 or more columns of a table\. A"
                 r" header names the table's columns, at least the required ones \(responses: response_id, ")),
    Case("csv-not-an-export", a_csv([["Name", "Age"], ["Ann", "34"]]),
         Refused(r"no header row found: .* \(the closest, row 1, names 1 column of responses: age_band\)")),
    Case("csv-data-above-a-pasted-second-header", a_csv([["Resp", *HEADER[1:]], rec(1), rec(2), HEADER, rec(3)]),
         Refused(r"row 2 is above the header \(row 4\) but holds a value under every required column: it looks "
                 r"like data")),
    Case("csv-two-row-header", a_csv([["About the answer", "", "", "", "", "Answers", "", ""], HEADER, rec(1)]),
         Accepted((1, 1, 0, 0), said=r"the header is row 2; row 1 above it \(a title: 'About the answer'\)")),
    Case("csv-header-only", a_csv([HEADER]), Accepted((0, 0, 0, 0))),
    Case("csv-blank-and-whitespace-rows", a_csv([HEADER, rec(1), [], ["", "", ""], ["  ", "\t", "\u00a0"], rec(2)]),
         Accepted((2, 2, 0, 0))),
    Case("csv-duplicate-headers", a_csv([[*HEADER, "Person ID"], [*rec(1), "P1"]]),
         Refused(r"duplicate columns: 'Person ID' and 'Person ID' both mean person_id")),
    Case("csv-empty-header-cell-with-values", a_csv([[*HEADER[:2], "", *HEADER[2:]], [*rec(1)[:2], "x", *rec(1)[2:]]]),
         Refused(r"values under no header in column 3\).*8 of 8 columns recognised")),
    Case("csv-trailing-empty-columns", a_csv([[*HEADER, "", ""], [*rec(1), "", ""], rec(2)]),
         Accepted((2, 2, 0, 0))),
    Case("csv-unknown-column", a_csv([[*HEADER, "Notes"], [*rec(1), "call back"]]),
         Refused(r"unknown columns: 'Notes'\)\. The header is row 1: 8 of 9 columns recognised")),
    Case("csv-wrong-table-named", a_csv(GOOD3), table="people_supported",
         expect=Refused(r"cannot be mapped to the people_supported table.*It looks like the responses table "
                        r"instead \(8 of 8 columns recognised\): name that table with --table responses")),
    Case("csv-repeated-header-row", a_csv([HEADER, rec(1), HEADER, rec(2)]),
         Accepted((3, 2, 0, 1), rules=["repeated_header"], rows=[3])),
    Case("csv-more-values-than-header", a_csv([HEADER, [*rec(1), "surprise"], rec(2)]),
         Accepted((2, 1, 0, 1), rules=["too_many_values"])),

    # --- Values that cannot be converted: quarantined with a rule, never a traceback.
    Case("csv-5000-digit-count", a_csv([HEADER, rec(1), rec(2, friends=HUGE), rec(3)]),
         Accepted((3, 2, 0, 1), rules=["out_of_range"], rows=[3])),
    Case("csv-5000-digit-people-count", a_csv(people_rows(10, HUGE, "-" + HUGE)), table="people_supported",
         expect=Accepted((3, 1, 0, 2), rules=["out_of_range", "out_of_range"])),
    Case("csv-negative-and-overflowing-counts",
         a_csv([HEADER, rec(1, friends="-1"), rec(2, friends="2147483648"), rec(3, friends="1e3")]),
         Accepted((3, 0, 0, 3), rules=["out_of_range", "out_of_range", "not_whole_number"])),
    Case("csv-nan-and-inf-text", a_csv([HEADER, rec(1, friends="NaN"), rec(2, friends="inf"), rec(3)]),
         Accepted((3, 1, 0, 2), rules=["not_whole_number", "not_whole_number"])),
    Case("csv-booleans", a_csv([HEADER, *(rec(i, help=v) for i, v in enumerate(
        ["Y", "N", "1", "0", "TRUE", "false", "yes please"], start=1))]),
         Accepted((7, 6, 0, 1), rules=["not_yes_no"], values={
             "R1": {"completed_with_help": True}, "R2": {"completed_with_help": False},
             "R3": {"completed_with_help": True}, "R4": {"completed_with_help": False},
             "R5": {"completed_with_help": True}, "R6": {"completed_with_help": False}})),
    Case("csv-dates-in-odd-formats", a_csv([HEADER, *(rec(i, date=d) for i, d in enumerate(
        ["2024/01/15", "15.01.2024", "Jan 15 2024", "2024-01-15T10:00:00Z", str(SERIAL), "15/1/24",
         "2024-01-15 10:30", "1/2/2024"], start=1))]),
         Accepted((8, 2, 0, 6), rules=["invalid_date"] * 6, values={
             "R7": {"completed_on": dt.date(2024, 1, 15)}, "R8": {"completed_on": dt.date(2024, 2, 1)}})),
    Case("csv-trailing-spaces-and-nbsp",
         a_csv([HEADER, rec(1, id="R1  ", person="\u00a0P1\u00a0", scheme=" S001", arr="Live-in\u00a0"), rec(2)]),
         Accepted((2, 2, 0, 0), values={"R1": {"person_id": "P1", "scheme_id": "S001", "arrangement": "live_in"}})),
    Case("csv-zero-width-characters",
         a_csv([HEADER, rec(1, person="P1\u200b"), rec(2, arr="Live-in\u200b"), rec(3, id="R3\ufeff")]),
         Accepted((3, 1, 0, 2), rules=["invisible_character", "invisible_character"],
                  values={"R2": {"arrangement": "live_in"}})),
    Case("csv-bidi-override-in-id", a_csv([HEADER, rec(1, person="P\u202e1"), rec(2)]),
         Accepted((2, 1, 0, 1), rules=["invisible_character"])),
    Case("csv-formula-injection-text",
         a_csv([HEADER, rec(1, person='=HYPERLINK("http://evil.example","click")'), rec(2, person="+1"),
                rec(3, person="@SUM(A1)"), rec(4, conn="=1+1")]),
         Accepted((4, 3, 0, 1), rules=["not_allowed"], values={
             "R1": {"person_id": '=HYPERLINK("http://evil.example","click")'}, "R2": {"person_id": "+1"},
             "R3": {"person_id": "@SUM(A1)"}})),
    Case("csv-10k-character-cells", a_csv([HEADER, rec(1, person="x" * 10_000), rec(2, conn="y" * 10_000), rec(3)]),
         Accepted((3, 1, 0, 2), rules=["too_long", "not_allowed"])),
    Case("csv-200k-character-cell", a_csv([HEADER, rec(1, person="z" * 200_000), rec(2)]),
         Accepted((2, 1, 0, 1), rules=["too_long"])),
    Case("csv-same-key-twice-and-conflicting", a_csv([HEADER, rec(1), rec(1), rec(1, person="P9")]),
         Accepted((3, 1, 1, 1), rules=["conflicting_key"])),

    # --- Workbooks: every sheet read, or the file refused naming the sheets; formula cells by their saved value.
    Case("xlsx-two-sheets", a_workbook({"Jan": [HEADER, *(rec(i) for i in range(1, 6))],
                                        "Feb": [HEADER, *(rec(i) for i in range(6, 26))]}),
         Accepted((25, 25, 0, 0), values={"R5": {"person_id": "P5"}, "R25": {"person_id": "P25"}},
                  said=r"2 worksheets: 'Jan', 'Feb'.*each of its 2 data sheets \('Jan', 'Feb'\)")),
    Case("xlsx-two-sheets-columns-reordered", a_workbook({
        "A": [HEADER, rec(1), rec(2)],
        "B": [HEADER[::-1], rec(3)[::-1], rec(4, date="31/02/2024")[::-1]]}),
         Accepted((4, 3, 0, 1), rules=["invalid_date"], rows=[3], values={"R3": {"person_id": "P3",
                                                                               "completed_on": dt.date(2024, 1, 15)}})),
    Case("xlsx-cover-sheet-first", a_workbook({"Cover": [["Key Human Indicators export"], ["Produced by the tool"]],
                                               "Data": [HEADER, rec(1), rec(2)]}),
         Accepted((2, 2, 0, 0), said=r"sheet 'Cover' skipped: no header row among its first 20 non-empty rows \(a "
                                     r"cover or notes sheet\?\); its 2 non-empty rows were not read")),
    Case("xlsx-empty-sheet", a_workbook({"Empty": [], "Data": GOOD3}),
         Accepted((3, 3, 0, 0), said=r"sheet 'Empty' skipped: the sheet is empty")),
    Case("xlsx-hidden-data-sheet", a_workbook({"Visible": [HEADER, rec(1)], "Hidden": [HEADER, rec(2)]},
                                              shape=_hide("Hidden")),
         Accepted((2, 2, 0, 0), values={"R2": {"person_id": "P2"}}, said=r"'Hidden' \(hidden\)")),
    Case("xlsx-sheets-hold-different-tables", a_workbook({
        "Responses": GOOD3, "Schemes": [["Scheme ID", "Scheme name", "Programme", "Region"],
                                        ["S009", "New", "Homeshare", "Wales"]]}),
         Refused(r"its sheets hold different tables \(sheet 'Responses' is responses, sheet 'Schemes' is schemes\)")),
    Case("xlsx-no-data-sheet", a_workbook({"Cover": [["Hello"]], "Notes": [["Nothing to see"]]}),
         Refused(r"no sheet has a header row naming columns of a table \('Cover': no header row among its first "
                 r"20 non-empty rows")),
    Case("xlsx-one-sheet-unmappable", a_workbook({"Cover": [["Hello"]], "Data": [[*HEADER[:3], "When"], rec(1)[:4]]}),
         Refused(r"export\.xlsx, sheet 'Data': the header cannot be mapped to the responses table \(missing required "
                 r"columns: completed_on, arrangement; unknown columns: 'When'\)")),
    Case("xlsx-title-rows-merged", a_workbook({"Export": [["KHI export"], [], HEADER, rec(1), rec(2)]},
                                              shape=_merge("A1:H1")),
         Accepted((2, 2, 0, 0), said=r"the header is row 3; row 1 above it \(a title: 'KHI export'\) was not read")),
    Case("xlsx-merged-data-cells", a_workbook({"Export": [HEADER, rec(1), rec(2, scheme=None)]}, shape=_merge("C2:C3")),
         Accepted((2, 1, 0, 1), rules=["required"], rows=[3])),
    Case("xlsx-formula-with-saved-value", a_workbook(
        {"Data": [HEADER, rec(1, person='=CONCATENATE("P","7")', friends="=1+2"), rec(2)]},
        patch=lambda m: (replace_in("xl/worksheets/sheet1.xml", b"<f>1+2</f><v></v>", b"<f>1+2</f><v>3</v>")(m),
                         replace_in("xl/worksheets/sheet1.xml", b'<c r="B2"><f>CONCATENATE("P","7")</f><v></v>',
                                    b'<c r="B2" t="str"><f>CONCATENATE("P","7")</f><v>P7</v>')(m))),
         Accepted((2, 2, 0, 0), values={"R1": {"person_id": "P7", "friends_count": 3}})),
    Case("xlsx-formula-with-saved-empty-text", a_workbook(
        {"Data": [HEADER, rec(1, conn='=IF(1=2,"Positive","")')]},
        patch=replace_in("xl/worksheets/sheet1.xml", b'<c r="H2"><f>IF(1=2,"Positive","")</f><v></v>',
                         b'<c r="H2" t="str"><f>IF(1=2,"Positive","")</f><v></v>')),
         Accepted((1, 1, 0, 0), values={"R1": {"impact_connected": None}})),
    Case("xlsx-formula-without-saved-value", a_workbook({"Data": [HEADER, rec(1), rec(2, friends="=1+2"),
                                                                  rec(3, conn="=A1")]}),
         Accepted((3, 1, 0, 2), rules=["formula_without_value", "formula_without_value"], rows=[3, 4])),
    Case("xlsx-error-cells", a_workbook({"Data": [HEADER, rec(1), rec(2, person="#N/A"), rec(3, friends="#DIV/0!")]}),
         Accepted((3, 1, 0, 2), rules=["formula_error", "formula_error"])),
    Case("xlsx-5000-digit-number-cell", a_workbook({"Data": [HEADER, rec(1), rec(2, friends=424242)]},
                                                   patch=replace_in("xl/worksheets/sheet1.xml", b"<v>424242</v>",
                                                                    f"<v>{HUGE}</v>".encode())),
         Accepted((2, 1, 0, 1), rules=["out_of_range"])),
    Case("xlsx-cell-pointing-past-the-shared-strings", a_workbook(
        {"Data": [HEADER, rec(1), rec(2, person="P2")]},
        patch=replace_in("xl/worksheets/sheet1.xml", b'<c r="B3" t="inlineStr"><is><t>P2</t></is></c>',
                         b'<c r="B3" t="s"><v>999</v></c>')),
         Accepted((2, 1, 0, 1), rules=["unreadable_value"])),
    Case("xlsx-excel-serial-dates", a_workbook({"Data": [HEADER, rec(1, date=SERIAL),
                                                        rec(2, date=dt.datetime(2024, 1, 15)),
                                                        rec(3, date="15/01/2024")]}),
         Accepted((3, 2, 0, 1), rules=["invalid_date"], values={"R2": {"completed_on": dt.date(2024, 1, 15)},
                                                               "R3": {"completed_on": dt.date(2024, 1, 15)}})),
    Case("xlsx-boolean-cells", a_workbook({"Data": [HEADER, *(rec(i, help=v) for i, v in enumerate(
        [True, False, 1, 0, "Y", 2], start=1))]}),
         Accepted((6, 5, 0, 1), rules=["not_yes_no"], values={
             "R1": {"completed_with_help": True}, "R2": {"completed_with_help": False},
             "R3": {"completed_with_help": True}, "R4": {"completed_with_help": False},
             "R5": {"completed_with_help": True}})),
    Case("xlsx-numbers-as-ids", a_workbook({"Data": [HEADER, rec(1, id=1001, person=12345678.0, friends=4.0)]}),
         Accepted((1, 1, 0, 0), values={"1001": {"person_id": "12345678", "friends_count": 4}})),
    Case("xlsx-truncated-zip", truncated(a_workbook({"Data": GOOD3})),
         Refused(r"export\.xlsx: is not a readable XLSX workbook")),
    Case("xlsx-sheet-xml-cut-in-half", a_workbook({"Data": GOOD3}, patch=sheet_xml_cut_in_half),
         Refused(r"export\.xlsx: sheet 'Data' is damaged and cannot be read \(.*\); the workbook may be truncated")),
    Case("xlsx-zero-bytes", write("export.xlsx", b""), Refused(r"export\.xlsx: the file is empty \(0 bytes\)")),
    Case("xls-old-binary-format", write("export.xls", b"\xd0\xcf\x11\xe0" + bytes(500)),
         Refused(r"export\.xls: is an old binary Office file \(\.xls\)")),

    # --- Parquet: nested and binary columns refused by name; odd values quarantined.
    Case("parquet-list-column", a_parquet(response_columns(2, impact_connected=pa.array([["positive"], ["none"]]))),
         Refused(r"column 'impact_connected' holds lists \(list<.*: string>\)")),
    Case("parquet-binary-id", a_parquet(response_columns(2, person_id=pa.array([b"PNP-549978", b"PNP-2"],
                                                                                 pa.binary()))),
         Refused(r"column 'person_id' holds binary data \(binary\)")),
    Case("parquet-struct-column", a_parquet(response_columns(1, lonely=pa.array([{"answer": "never"}]))),
         Refused(r"column 'lonely' holds records \(struct<answer: string>\)")),
    Case("parquet-map-column", a_parquet(response_columns(1, warmth=pa.array([[("a", 1)]],
                                                                             pa.map_(pa.string(), pa.int64())))),
         Refused(r"column 'warmth' holds maps")),
    Case("parquet-truncated", truncated(a_parquet(response_columns(3))),
         Refused(r"export\.parquet: is not a readable Parquet file")),
    Case("parquet-garbage-between-magic", write("export.parquet", b"PAR1" + RANDOM.randbytes(500) + b"PAR1"),
         Refused(r"export\.parquet: is not a readable Parquet file")),
    Case("parquet-nan-inf-counts", a_parquet(response_columns(5, friends_count=pa.array(
        [3.0, float("nan"), float("inf"), -1.0, 2.5]))),
         Accepted((5, 2, 0, 3), rules=["unreadable_value", "out_of_range", "not_whole_number"],
                  values={"Q0": {"friends_count": 3}, "Q1": {"friends_count": None}})),
    Case("parquet-timestamp-past-year-9999", a_parquet(response_columns(2, completed_on=pa.array(
        [1_705_276_800, 10**15], pa.timestamp("s")))),
         Accepted((2, 1, 0, 1), rules=["unreadable_value"], values={"Q0": {"completed_on": dt.date(2024, 1, 15)}})),
    Case("parquet-huge-int64-count", a_parquet(response_columns(2, friends_count=pa.array([2**62, 5], pa.int64()))),
         Accepted((2, 1, 0, 1), rules=["out_of_range"], values={"Q1": {"friends_count": 5}})),
    Case("parquet-dictionary-and-large-string", a_parquet(response_columns(
        2, arrangement=pa.array(["Live-in", "homeshare"]).dictionary_encode(),
        person_id=pa.array(["Zoë", "P1"], pa.large_string()))),
         Accepted((2, 2, 0, 0), values={"Q0": {"arrangement": "live_in", "person_id": "Zoë"}})),
    Case("parquet-zero-rows", a_parquet(response_columns(0, completed_on=pa.array([], pa.date32()))),
         Accepted((0, 0, 0, 0))),
]


def _key(table: str, row: dict[str, Any]) -> str:
    return row["response_id"] if table == "responses" else repr(tuple(row[c] for c in ("scheme_id", "year",
                                                                                         "arrangement")))


def _rows_by_key(root: Path, table: str) -> dict[str, dict[str, Any]]:
    return {_key(table, r): r for r in store.read_table(root, table).to_pylist()}


def _quarantined(root: Path, rel: str | None) -> list[dict[str, str]]:
    if rel is None:
        return []
    with open(root / rel, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_suite_is_large_and_covers_every_outcome():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)
    assert {type(c.expect) for c in CASES} == {Accepted, Refused}
    assert {"formula_without_value", "formula_error", "unreadable_value", "control_character", "invisible_character",
            "too_long", "repeated_header"} <= {r for c in CASES if isinstance(c.expect, Accepted)
                                               for r in c.expect.rules}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_file_is_refused_whole_or_every_row_is_accounted_for(case, tmp_path, root):
    src = tmp_path / "in"
    src.mkdir()
    path = case.build(src)
    before = tree_hashes(root)
    tables_before = {t: _rows_by_key(root, t) for t in ("responses", "people_supported")}
    try:
        report = ingest.ingest([path], table=case.table, data_dir=root, today=TODAY)
    except ingest.IngestError as exc:
        message = str(exc)
        assert isinstance(case.expect, Refused), f"refused, but expected {case.expect}: {message}"
        assert message.startswith(str(path)), message  # every refusal names the file first
        assert re.search(case.expect.message, message), message
        assert "(no name, column" not in message
        assert tree_hashes(root) == before  # a refused file leaves the store byte-identical
        return
    f = report.files[0]
    assert isinstance(case.expect, Accepted), f"accepted ({f.summary()}), but expected refusal {case.expect}"
    assert f.read == f.stored + f.duplicates + f.quarantined
    assert (f.read, f.stored, f.duplicates, f.quarantined) == case.expect.counts, f.reasons
    assert f.match.startswith(f"matched to table {f.table}: "), f.match
    said = " | ".join([f.read_as, f.match, *f.notes])
    assert re.search(case.expect.said, said), said

    # Every quarantined row is in the quarantine file, with file, row, column and rule.
    rows = _quarantined(root, f.quarantine_file)
    assert [r["rule"] for r in rows] == case.expect.rules
    assert len(f.reasons) == f.quarantined
    for r, reason in zip(rows, f.reasons):
        assert r["file"] == str(path) and r["row"].isdigit() and r["reason"] == reason
        assert reason.startswith(f"{path.name} ") and f" row {r['row']}" in reason
        assert reason.endswith(f" [{r['rule']}]")
        assert r["column"] or r["rule"] in ("too_many_values", "repeated_header")
        assert len(reason) < 600, reason  # a 10k-character cell is cut in the reason, kept whole in the file
    if case.expect.rows:
        assert [int(r["row"]) for r in rows] == case.expect.rows

    # The stored rows really are in the store, unaltered.
    after = _rows_by_key(root, f.table)
    new = set(after) - set(tables_before.get(f.table, {}))
    assert len(new) == f.stored
    for key, expected in case.expect.values.items():
        assert key in new, f"{key} not stored; new keys: {sorted(new)}"
        assert {c: after[key][c] for c in expected} == expected



# ---------------------------------------------------------------------------------------------------------------
# Workbooks: the report per sheet, and the quarantine file of sheets whose columns are in another order.
def test_a_workbook_reports_every_sheet_read_or_skipped_in_json(tmp_path, root, capsys):
    from kpi import cli

    path = a_workbook({"Cover": [["KHI export"]], "Jan": [HEADER, rec(1), rec(2, friends="lots")],
                       "Feb": [HEADER, *(rec(i) for i in range(3, 23))]})(tmp_path)
    assert cli.main(["ingest", str(path), "--data", str(root), "--json"]) == 0
    [f] = json.loads(capsys.readouterr().out)["files"]
    assert (f["read"], f["stored"], f["quarantined"]) == (22, 21, 1)  # the 20 rows of the second sheet are read
    assert [(s["sheet"], s["header_row"], s["read"], s["stored"], s["quarantined"]) for s in f["sheets"]] == [
        ("Cover", None, 0, 0, 0), ("Jan", 1, 2, 1, 1), ("Feb", 1, 20, 20, 0)]
    assert f["sheets"][0]["skipped"].startswith("no header row among its first 20 non-empty rows")
    assert f["notes"] == [f"sheet 'Cover' skipped: {f['sheets'][0]['skipped']}"]
    assert f["reasons"] == ["export.xlsx sheet 'Jan' row 3, column friends_count: 'lots' is not a whole number "
                            "[not_whole_number]"]
    assert f["read_as"] == "read as XLSX: 3 worksheets: 'Cover', 'Jan', 'Feb'"


def test_rows_of_a_sheet_in_another_column_order_keep_their_values_in_the_quarantine_file(tmp_path, root):
    bad = rec(4, date="31/02/2024", friends="7")
    path = a_workbook({"A": [HEADER, rec(1)], "B": [HEADER[::-1], rec(3)[::-1], bad[::-1]]})(tmp_path)
    f = ingest.ingest([path], data_dir=root, today=TODAY).files[0]
    assert f.reasons == ["export.xlsx sheet 'B' row 3, column completed_on: '31/02/2024' is not a valid date "
                         "(expected YYYY-MM-DD or DD/MM/YYYY) [invalid_date]"]
    [row] = _quarantined(root, f.quarantine_file)
    assert {h: row[h] for h in HEADER} == dict(zip(HEADER, bad))  # under the first sheet's headers, not shifted
    stored = _rows_by_key(root, "responses")["R3"]
    assert (stored["person_id"], stored["friends_count"], stored["impact_connected"]) == ("P3", 3, "positive")


# ---------------------------------------------------------------------------------------------------------------
# The command line, as the tester ran it: JSON or one clear message, the right exit code, never a traceback.
def _kpi_ingest(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("KHI_DATA_DIR", None)
    return subprocess.run([sys.executable, "-m", "kpi", "ingest", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def test_cli_a_5000_digit_count_is_one_quarantined_row_in_json(tmp_path, root):
    path = a_csv([HEADER, rec(1), rec(2, friends=HUGE)])(tmp_path)
    done = _kpi_ingest(str(path), "--data", str(root), "--json")
    assert "Traceback" not in done.stderr and done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["ok"] is True and out["totals"] == {"read": 2, "stored": 1, "duplicates": 0, "quarantined": 1}
    [reason] = out["files"][0]["reasons"]
    assert reason.startswith("export.csv row 3, column friends_count: '99999") and "(5,000 characters)' is above" \
        in reason
    assert len(reason) < 300


def test_cli_a_truncated_workbook_is_refused_with_one_clear_message(tmp_path, root):
    path = a_workbook({"Data": GOOD3}, patch=sheet_xml_cut_in_half)(tmp_path)
    before = tree_hashes(root)
    done = _kpi_ingest(str(path), "--data", str(root), "--json")
    assert "Traceback" not in done.stderr and done.returncode == 2, done.stderr
    out = json.loads(done.stdout)
    assert out["ok"] is False and out["error"].startswith(f"{path}: sheet 'Data' is damaged and cannot be read")
    done = _kpi_ingest(str(path), "--data", str(root))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {path}: sheet 'Data' is damaged") and "The store was not changed." in \
        done.stderr
    assert tree_hashes(root) == before


def test_cli_text_output_says_how_the_file_was_read_and_matched(tmp_path, root):
    path = a_csv([["Outcomes export, March"], HEADER, rec(1)], delimiter=";")(tmp_path)
    done = _kpi_ingest(str(path), "--data", str(root))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stdout.splitlines()[:4] == [
        f"{path} (responses): read 1 = stored 1 + duplicates 0 + quarantined 0",
        "  read as CSV: UTF-8, semicolon-delimited",
        "  matched to table responses: 8 of 8 columns recognised, including response_id, person_id, scheme_id, "
        "completed_on, arrangement",
        "  the header is row 2; row 1 above it (a title: 'Outcomes export, March') was not read",
    ]
