"""Every page's downloads describe themselves: each CSV has an XLSX beside it, both carry the metadata (source, date
made, filters, benchmark, 95% confidence, protection, store version), the XLSX holds the CSV's table, and a click on
either is audited the same way (ui.data.audit_download)."""

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
        buttons.append((label, kwargs))
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    open_page("pages/compare.py", level="scheme", metric="connected_positive")
    from ui import data

    pairs = {}
    for label, kw in buttons:
        assert kw["on_click"] is data.audit_download, label
        pairs.setdefault(kw["file_name"].rsplit(".", 1)[0], {})[kw["args"][1]] = kw["args"]
    assert pairs and all(set(p) == {"csv", "xlsx"} for p in pairs.values()), pairs
    scheme_stems = [s for s, p in pairs.items() if "scheme_id" in p["xlsx"][0].columns]
    assert scheme_stems, "the scheme view offers scheme-level downloads"
    csv_args, xlsx_args = pairs[scheme_stems[0]]["csv"], pairs[scheme_stems[0]]["xlsx"]
    assert xlsx_args[0] is csv_args[0] and xlsx_args[2] == csv_args[2]  # the same table, the same filters
    data.audit_download(*xlsx_args)
    (entry,) = [e for e in audit.read(access) if e["action"] == "download"]  # opening the page logged a view
    assert (entry["action"], entry["format"], entry["by"]) == ("download", "xlsx", ["scheme"])
    assert entry["who"] == "hub@example.org"


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
