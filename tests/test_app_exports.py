"""Every page's downloads describe themselves: each CSV has an XLSX beside it, both carry the metadata (source, date
made, filters, benchmark, 95% confidence, protection, store version), the XLSX holds the CSV's table, and a click on
either is audited the same way when its file is made (ui.downloads.logged)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from streamlit.delta_generator import DeltaGenerator

from kpi.data import audit, users
from kpi.metrics import disclosure
from kpi.render import export, text
from tests.app_pages import open_page, record_downloads, resolve
from tests.exports import csv_parts, csv_table, xlsx_sheets

NORTH_WEST = "E12000002"
PAGES = ("overview", "connectedness", "health", "growth", "compare")


@pytest.fixture()
def downloads(monkeypatch):
    return record_downloads(monkeypatch)


def _pairs(downloads) -> dict[str, tuple[str, bytes]]:
    """file stem -> (the CSV's text, the XLSX's bytes), failing when a CSV has no XLSX beside it or the reverse."""
    files = {name: resolve(data) for _, name, data in downloads}
    stems = {name.rsplit(".", 1)[0] for name in files}
    assert stems, "the page offers downloads"
    missing = sorted(s for s in stems for ext in ("csv", "xlsx") if f"{s}.{ext}" not in files)
    assert not missing, f"a CSV without its XLSX, or the reverse: {missing}"
    return {s: (files[f"{s}.csv"], files[f"{s}.xlsx"]) for s in stems}


def _text(column: pd.Series) -> list[str]:
    return column.astype(object).where(column.notna(), "").astype(str).tolist()


@pytest.mark.parametrize("page", PAGES)
def test_every_download_describes_itself_in_csv_and_xlsx(sample_env, downloads, page):
    open_page(f"pages/{page}.py", area=NORTH_WEST, year="2019-20")
    for stem, (csv, xlsx) in _pairs(downloads).items():
        meta, _ = csv_parts(csv)
        assert list(meta) == list(export.METADATA_FIELDS), stem
        # People counts come from the schemes' yearly returns, everything else from the outcomes tool.
        source = text.PEOPLE_SOURCE if stem.startswith("people_") else text.SOURCE
        assert meta["Source"] == source and meta["Date made"] == dt.date.today().isoformat(), stem
        assert meta["Filters"] == "Year: 2019-20; Nation or region: North West", stem
        assert meta["Confidence level"] == "95%" and meta["Benchmark"], stem
        assert disclosure.PROTECTION_NOTE in meta["Protection applied"], stem  # the public's view: protected
        assert meta["Store version"].startswith("Published figures: version "), stem
        assert meta["Synthetic data"].startswith("yes"), stem  # the sample says it is synthetic
        assert meta["Period"] and meta["Title"], stem
        rows, xmeta, _ = xlsx_sheets(xlsx)
        assert xmeta == meta, stem
        table = csv_table(csv)
        assert rows[0] == list(table.columns), stem
        data = pd.DataFrame(rows[1:], columns=rows[0])
        assert len(data) == len(table), stem
        for col in ("Indicator ID", "Area Name", "Value note"):
            if col in table:
                assert _text(data[col]) == _text(table[col]), (stem, col)
        for col in ("Value", "Count", "Denominator"):  # the same figures, as numbers
            if col in table:
                pd.testing.assert_series_equal(pd.to_numeric(data[col]).astype(float),
                                               table[col].astype(float), check_names=False)


def test_the_xlsx_button_is_audited_like_the_csv(real_or_sample_hub, monkeypatch):
    """A signed-in hub's scheme download: both buttons log it on click, with the format."""
    access = real_or_sample_hub
    buttons = []
    original = DeltaGenerator.download_button

    def record(self, label, data, *args, **kwargs):
        buttons.append((label, data, kwargs))
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    open_page("pages/compare.py", level="scheme", metric="connected_positive")
    pairs = {}
    for label, made, kw in buttons:
        assert kw["on_click"] == "ignore", label  # no rerun on click: it raced the file request
        stem, fmt = kw["file_name"].rsplit(".", 1)
        pairs.setdefault(stem, {})[fmt] = made
    assert pairs and all(set(p) == {"csv", "xlsx"} for p in pairs.values()), pairs
    assert not [e for e in audit.read(access) if e["action"] == "download"]  # opening the page logged views only
    for stem, made in pairs.items():  # a click makes the file: each download of scheme figures is logged then
        made["xlsx"]()
        made["csv"]()
    downloaded = [e for e in audit.read(access) if e["action"] == "download"]
    assert downloaded, "the scheme view offers scheme-level downloads"
    assert {e["format"] for e in downloaded} == {"csv", "xlsx"}
    assert all(e["by"] == ["scheme"] and e["who"] == "hub@example.org" for e in downloaded), downloaded
    xlsx = [e for e in downloaded if e["format"] == "xlsx"]
    assert len(xlsx) == len(downloaded) / 2  # the same downloads in both formats


@pytest.fixture()
def real_or_sample_hub(sample_store, tmp_path, monkeypatch):
    """A hub over the North West signed in, with its own roles table and audit log."""
    from ui import auth

    access = tmp_path / "access"
    monkeypatch.setenv("KHI_DATA_DIR", str(sample_store))
    monkeypatch.setenv("KHI_ACCESS_DIR", str(access))
    users.add(access, "hub@example.org", "hub", regions=[NORTH_WEST], by="test")
    who = auth.Identity(email="hub@example.org", subject="hub@example.org", name=None,
                        expires_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))
    monkeypatch.setattr(auth, "configured", lambda: True)
    monkeypatch.setattr(auth, "identity", lambda: who)
    monkeypatch.setattr(auth, "sidebar", lambda: None)
    return access
