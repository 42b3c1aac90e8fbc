"""Who sees what, through the pages: the viewer's scope decided on the server (ui.data.viewer_scope).

The sign-in itself is tested in the browser through a real identity provider (tests/browser/test_sign_in.py); here
the signed-in identity is set directly so each role's pages can be checked quickly with AppTest.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from app_pages import open_page

from kpi.data import audit, store, users
from ui import auth, nav

NORTH_WEST = "E12000002"


@pytest.fixture()
def real_store(sample_store, tmp_path, monkeypatch):
    """A copy of the fixture store marked real (not synthetic), with its own access folder."""
    root = tmp_path / "real"
    shutil.copytree(sample_store, root)
    manifest = json.loads((root / store.MANIFEST).read_text())
    manifest.update(synthetic=False, note="Real data")
    (root / store.MANIFEST).write_text(json.dumps(manifest))
    monkeypatch.setenv("KHI_DATA_DIR", str(root))
    monkeypatch.setenv("KHI_ACCESS_DIR", str(tmp_path / "access"))
    return root


def _scheme_names(root) -> dict[str, str]:
    t = store.read_table(root, "schemes").to_pandas()
    return dict(zip(t["scheme_name"], t["area_code"]))


def _everything_shown(at: AppTest) -> str:
    """Every text, table cell and chart of a page, as one string."""
    parts = [m.value for m in at.markdown] + [i.value for i in at.info] + [w.value for w in at.warning]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [el.proto.spec for el in at.get("plotly_chart")]
    return "\n".join(parts)


def _sign_in(monkeypatch, email: str) -> None:
    """A signed-in identity, as ui.auth would read it from a verified ID token."""
    who = auth.Identity(email=email, subject=email, name=None,
                        expires_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))
    monkeypatch.setattr(auth, "configured", lambda: True)
    monkeypatch.setattr(auth, "identity", lambda: who)
    monkeypatch.setattr(auth, "sidebar", lambda: None)


def test_a_real_store_without_sign_in_serves_the_public_view_only(real_store):
    at = open_page("pages/compare.py", level="scheme")
    assert any(nav.NOT_AVAILABLE == i.value for i in at.info)
    assert at.radio(key="compare_level").options == ["Nations and regions"]
    shown = _everything_shown(at)
    assert not [name for name in _scheme_names(real_store) if name in shown]


def test_a_real_store_without_sign_in_offers_no_scheme_in_presentation_mode(real_store):
    at = open_page("pages/presentation.py")
    picker = at.selectbox(key="pres_scheme")
    assert picker.options == ["All schemes in the area"]


def test_signed_in_hub_sees_its_region_schemes_only_and_the_view_is_audited(real_store, monkeypatch, tmp_path):
    users.add(tmp_path / "access", "hub@example.org", "hub", regions=[NORTH_WEST], by="test")
    _sign_in(monkeypatch, "hub@example.org")
    at = open_page("pages/compare.py", level="scheme")
    shown = _everything_shown(at)
    names = _scheme_names(real_store)
    assert [n for n, area in names.items() if area == NORTH_WEST and n in shown]
    assert not [n for n, area in names.items() if area != NORTH_WEST and n in shown]
    log = audit.read(tmp_path / "access", who="hub@example.org")
    assert any(r["action"] == "view" and "scheme" in r["by"] for r in log)


def test_signed_in_person_not_in_the_roles_table_is_the_public(real_store, monkeypatch):
    _sign_in(monkeypatch, "stranger@example.org")
    at = open_page("pages/compare.py", level="scheme")
    assert any(nav.NOT_AVAILABLE == i.value for i in at.info)
    assert not [name for name in _scheme_names(real_store) if name in _everything_shown(at)]


def test_removing_someone_from_the_roles_table_takes_effect_at_once(real_store, monkeypatch, tmp_path):
    users.add(tmp_path / "access", "hub@example.org", "hub", regions=[NORTH_WEST], by="test")
    _sign_in(monkeypatch, "hub@example.org")
    assert open_page("pages/compare.py", level="scheme").radio(key="compare_level").options == [
        "Nations and regions", "Schemes"]
    users.remove(tmp_path / "access", "hub@example.org", by="test")
    assert open_page("pages/compare.py", level="scheme").radio(key="compare_level").options == ["Nations and regions"]


def test_the_synthetic_sample_without_sign_in_says_everyone_sees_everything(sample_env):
    at = open_page("pages/overview.py")
    assert any("not real people. Sign-in is off" in i.value for i in at.info)  # two sentences, not run together


@pytest.mark.parametrize("page", ["overview", "connectedness", "health", "growth", "compare", "definitions",
                                  "presentation"])
def test_a_signed_out_session_sees_no_scheme_on_anyopen_page(real_store, monkeypatch, page):
    monkeypatch.setattr(auth, "configured", lambda: True)  # sign-in configured, nobody signed in
    monkeypatch.setattr(auth, "identity", lambda: None)
    monkeypatch.setattr(auth, "sidebar", lambda: None)
    at = open_page(f"pages/{page}.py", level="scheme", scheme=sorted(_scheme_ids(real_store))[0])
    shown = _everything_shown(at)  # texts, tables and charts on screen (CSV contents are the tables shown)
    assert not [name for name in _scheme_names(real_store) if name in shown]
    assert not [sid for sid in _scheme_ids(real_store) if f'"{sid}"' in shown or f",{sid}," in shown]


def _scheme_ids(root) -> list[str]:
    return store.read_table(root, "schemes").to_pandas()["scheme_id"].tolist()
