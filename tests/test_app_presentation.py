"""AppTest checks of presentation mode: it renders the registry's sentence, Next and Previous move the slide and the
URL, and a tampered link is reported with a warning rather than raising."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.data import paths
from kpi.data.queries import Filters
from kpi.metrics import api, registry
from tests.scopes import PUBLIC

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FIRST, SECOND = registry.HEADLINE_IDS[:2]


def _open(**params) -> AppTest:
    """The presentation page through app.py, opened by a link with these query parameters."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("pages/presentation.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _slide(at: AppTest) -> str:
    """The slide's HTML (the st.html block holding the section, not the screen-reader h1)."""
    return next(el.proto.body for el in at.get("html") if 'class="khi-slide"' in el.proto.body)


def _param(at: AppTest, key: str) -> list[str]:
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def _expected_sentence(metric_id: str, data_dir) -> str:
    """What the first slide must say, straight from kpi: the UK, the latest year with answers."""
    latest = max(api.years(data_dir=data_dir))
    table = api.khi_table(metric_id, (), Filters(years=(latest,)), data_dir=data_dir, scope=PUBLIC)
    value = None if table["suppressed"].iloc[0] else float(table["value"].iloc[0])
    return registry.sentence(registry.get(metric_id), value)


def test_renders_the_first_headline_sentence_on_the_bundled_sample(monkeypatch):
    monkeypatch.setenv("KHI_DATA_DIR", str(paths.BUNDLED_SAMPLE_DIR))  # read only: the app never writes the store
    at = _open()
    slide = _slide(at)
    assert html.escape(_expected_sentence(FIRST, paths.BUNDLED_SAMPLE_DIR)) in slide
    assert f'data-metric="{FIRST}"' in slide
    total = len(registry.HEADLINE_IDS)
    assert any(m.value.startswith(f"Slide 1 of {total} · the UK") for m in at.markdown)
    assert _param(at, "khi") == list(registry.HEADLINE_IDS) and _param(at, "slide") == ["1"]
    assert at.button(key="pres_prev").disabled and not at.button(key="pres_next").disabled


def test_next_and_previous_move_the_slide_and_the_url(sample_env):
    at = _open(khi=[FIRST, SECOND])
    at.button(key="pres_next").click().run()
    assert not at.exception
    assert f'data-metric="{SECOND}"' in _slide(at)
    assert _param(at, "slide") == ["2"]
    assert at.button(key="pres_next").disabled  # the last slide
    at.button(key="pres_prev").click().run()
    assert f'data-metric="{FIRST}"' in _slide(at)
    assert _param(at, "slide") == ["1"]


def test_a_slide_number_past_the_end_shows_the_last_slide(sample_env):
    at = _open(khi=[FIRST, SECOND], slide="99")
    assert f'data-metric="{SECOND}"' in _slide(at)
    assert _param(at, "slide") == ["2"]
    assert not at.warning  # a real slide number, only too big: no notice


@pytest.mark.parametrize("slide", ["0", "two", "-1"])
def test_unknown_khi_and_bad_slide_number_are_reported_not_raised(sample_env, slide):
    at = _open(khi=[FIRST, "not_a_khi"], slide=slide, area="NOWHERE", year="1900-01")
    warning = " ".join(w.value for w in at.warning)
    for part in ("khi=not_a_khi", f"slide={slide}", "area=NOWHERE", "year=1900-01"):
        assert part in warning
    assert f'data-metric="{FIRST}"' in _slide(at)  # the valid part of the link still applies
    assert _param(at, "khi") == [FIRST] and _param(at, "slide") == ["1"] and "area" not in at.query_params


def test_no_khis_chosen_asks_for_some_instead_of_a_slide(sample_env):
    at = _open()
    at.sidebar.multiselect(key="pres_khis").set_value([]).run()
    assert not at.exception
    assert any("Choose the measures" in i.value for i in at.info)
    assert not [el for el in at.get("html") if 'class="khi-slide"' in el.proto.body]
