"""Reading CSV text: the encoding and the delimiter are detected, and the report says which were used.

Encoding: a byte-order mark decides (UTF-8, UTF-16, UTF-32); without one the file is UTF-8 if it decodes as UTF-8,
else Windows-1252 (what Excel's plain "CSV" writes on Windows), else Latin-1. A file that is mostly UTF-8 with a
damaged byte is refused rather than read as Windows-1252, which would silently turn every "é" into "Ã©".
Delimiter: comma, semicolon, tab or pipe, whichever splits a row among the first ones into the most columns of a
table (see `header_search`), so a semicolon export and a comma export with commas inside names both read right.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from kpi.data.ingest.errors import IngestError
from kpi.data.ingest.header_search import HEADER_SEARCH_ROWS, all_tables, best_row
from kpi.data.said import Said
from kpi.i18n import N_

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# How the report says it (the names above are also JSON values, kept as they are).
_DELIMITED = {",": N_("comma-delimited"), ";": N_("semicolon-delimited"), "\t": N_("tab-delimited"),
              "|": N_("pipe-delimited")}
_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (b"\xef\xbb\xbf", "utf-8", N_("UTF-8 with a byte-order mark")),
    (b"\xff\xfe\x00\x00", "utf-32-le", N_("UTF-32 (little-endian, with a byte-order mark)")),
    (b"\x00\x00\xfe\xff", "utf-32-be", N_("UTF-32 (big-endian, with a byte-order mark)")),
    (b"\xff\xfe", "utf-16-le", N_("UTF-16 (little-endian, with a byte-order mark)")),
    (b"\xfe\xff", "utf-16-be", N_("UTF-16 (big-endian, with a byte-order mark)")),
)
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_SAMPLE = 65_536
# More than this share of control characters (other than tab and line breaks) is binary data, not text. A CSV with
# a few stray NULs stays text: the cells holding them are quarantined (rule control_character).
_BINARY_SHARE = 0.05


@dataclass
class Dialect:
    encoding: str  # as a person reads it, e.g. "UTF-8 with a byte-order mark"
    delimiter: str

    def describe(self) -> Said:
        return Said(N_("read as CSV: {encoding}, {delimited}"), encoding=Said(self.encoding),
                    delimited=Said(_DELIMITED[self.delimiter]))

    def to_json(self) -> dict[str, str]:
        return {"format": "csv", "encoding": self.encoding, "delimiter": self.delimiter}


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the bytes look like UTF-16 text saved without a byte-order mark."""
    sample = data[:_SAMPLE]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if len(sample) >= 4 and (even + odd) >= 0.3 * len(sample):
        if odd >= 0.9 * (even + odd):
            return "utf-16-le"
        if even >= 0.9 * (even + odd):
            return "utf-16-be"
    return None


def decode(path: str, data: bytes) -> tuple[str, str]:
    """(text, encoding as a person reads it); IngestError when the bytes are not text in a known encoding."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec), label
            except UnicodeDecodeError as exc:
                raise IngestError(Said(N_("{path}: starts with a {encoding} byte-order mark but is not valid {codec}"
                                          " text (byte {byte}); re-export it as CSV UTF-8"), path=path,
                                       encoding=Said(label.split(" (")[0]),
                                       codec=codec, byte=exc.start + len(bom))) from None
    guessed = _utf16_without_bom(data)
    if guessed:
        try:
            return data.decode(guessed), (N_("UTF-16 (le-endian, no byte-order mark: detected)") if guessed[-2:] == "le"
                                          else N_("UTF-16 (be-endian, no byte-order mark: detected)"))
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: the binary check below will say so
    _refuse_binary(path, data[:_SAMPLE].decode("latin-1"))  # before guessing an encoding for what is not text
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        if _UTF8_MULTIBYTE.search(data):
            line = data.count(b"\n", 0, exc.start) + 1
            raise IngestError(Said(N_(
                "{path}: is UTF-8 text with an invalid byte ({byte}) on line {line}: the file is damaged (reading it"
                " as another encoding would garble every accented letter); re-export it"), path=path,
                byte=f"0x{data[exc.start]:02x}", line=line)) from None
    try:
        return data.decode("cp1252"), N_("Windows-1252 (not UTF-8: read as Excel's Windows CSV)")
    except UnicodeDecodeError:
        return data.decode("latin-1"), N_("Latin-1 (not UTF-8 nor Windows-1252)")


def _refuse_binary(path: str, text: str) -> None:
    sample = text[:_SAMPLE]
    controls = sum(1 for c in sample if (c < " " and c not in "\t\r\n\f\v") or c == "\x7f")
    if sample and controls > _BINARY_SHARE * len(sample):
        raise IngestError(Said(N_(
            "{path}: is not CSV text: {controls:,} of its first {sample:,} characters are control characters (binary"
            " data: a damaged file, or another format named .csv)"), path=path, controls=controls, sample=len(sample)))


# A last line that no real export holds: if it is read as part of a cell, a quote was opened and never closed, and
# the csv module (lenient) would silently have read every row after that quote into one cell.
_END = "\x00\x01end of file\x01\x00"


def _rows(path: str, text: str, delimiter: str, limit: int | None = None) -> list[tuple[int, list[str]]]:
    """Non-blank records with their row numbers (every record counts, blank ones included, as in a spreadsheet)."""
    whole = limit is None
    # One giant cell is quarantined (rule too_long) like any bad value, not a reason to refuse the whole file.
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    reader = csv.reader(io.StringIO(text + "\n" + _END if whole else text, newline=""), delimiter=delimiter)
    out: list[tuple[int, list[str]]] = []
    try:
        for number, values in enumerate(reader, start=1):
            if any(v.strip() for v in values):
                out.append((number, values))
                if limit is not None and len(out) >= limit:
                    break
    except csv.Error as exc:
        raise IngestError(Said(N_("{path}: row {row} cannot be read as CSV ({error})"), path=path,
                               row=reader.line_num, error=exc)) from None
    if whole:
        if out and out[-1][1] == [_END]:
            out.pop()
        else:
            start = out[-1][0] if out else 1
            raise IngestError(Said(N_("{path}: row {row} opens a quoted value (\") that is never closed, so every"
                                      " line after it would be read as one cell; fix the quote and ingest it again"),
                                   path=path, row=start))
    return out


def _widths(text: str, delimiter: str) -> float:
    """The median number of fields of the first records (blank ones too: ',,,' is four empty cells, not text)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    widths = []
    try:
        for values in reader:
            if values:
                widths.append(len(values))
            if len(widths) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass
    return statistics.median(widths) if widths else 0


def _choose_delimiter(path: str, text: str) -> str:
    """The delimiter under which a row names most columns of a table; on a tie, the one splitting rows widest."""
    scores = []
    sample = text[:_SAMPLE]
    for order, delimiter in enumerate(DELIMITERS):
        head = _rows(path, sample, delimiter, limit=HEADER_SEARCH_ROWS)
        _, _, named = best_row([values for _, values in head], all_tables())
        scores.append((named, _widths(sample, delimiter), -order, delimiter))
    return max(scores)[3]


def read_csv(path: Path) -> tuple[list[tuple[int, list[str]]], Dialect]:
    """The file's non-blank records with their row numbers, and the dialect they were read with."""
    text, encoding = decode(str(path), path.read_bytes())
    _refuse_binary(str(path), text)
    delimiter = _choose_delimiter(str(path), text)
    return _rows(str(path), text, delimiter), Dialect(encoding, delimiter)
