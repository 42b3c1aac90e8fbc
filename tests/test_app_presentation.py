"""AppTest checks of presentation mode: it renders the registry's sentence, Next and Previous move the slide and the
URL, and a tampered link is reported with a warning rather than raising."""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.data import paths
from kpi.data.queries import Filters
from kpi.metrics import api, registry
from kpi.render import people, slides, text
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


# --- Easy Read: one way of saying each figure (issue 16) ----------------------------------------------------------

def _inner(slide_html: str, cls: str) -> str | None:
    """The text of the first element with class `cls` (tags dropped, entities decoded), None when there is none."""
    m = re.search(rf'<(\w+) class="{cls}"[^>]*>(.*?)</\1>', slide_html, flags=re.S)
    return None if m is None else html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip()


def _coloured(slide_html: str) -> int | None:
    """How many of the ten people the on-screen picture colours in (its inline SVG, decoded); None: no picture."""
    m = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', slide_html)
    if m is None:
        return None
    svg = base64.b64decode(m.group(1)).decode()
    assert svg.count("<circle ") == 10
    return len(re.findall(rf'<circle [^>]*fill="{people.ON}"', svg))  # one head per person


def _screen_slides(at: AppTest, total: int) -> list[dict]:
    """Every slide as the screen shows it, stepping with Next."""
    seen = []
    for i in range(total):
        s = _slide(at)
        seen.append({"metric": re.search(r'data-metric="([^"]+)"', s).group(1), "sentence": _inner(s, "khi-sentence"),
                     "figure": _inner(s, "khi-figure"), "picture": _inner(s, "khi-picture-text"),
                     "detail": _inner(s, "khi-detail"), "footer": _inner(s, "khi-footer"), "coloured": _coloured(s)})
        if i < total - 1:
            at.button(key="pres_next").click().run()
            assert not at.exception
    return seen


def _pptx_slides(deck: slides.Deck) -> list[dict]:
    """The same, read back from the .pptx with python-pptx."""
    from pptx import Presentation

    out = []
    for slide in Presentation(io.BytesIO(slides.pptx_bytes(deck))).slides:
        named = {sh.name: sh for sh in slide.shapes}
        text = {name: sh.text_frame.text for name, sh in named.items() if sh.has_text_frame}
        group = named.get("Picture: ten people")
        coloured = None if group is None else sum(
            1 for sh in group.shapes if sh.shape_type is not None and str(sh.fill.fore_color.rgb) == people.ON[1:]
            and sh.auto_shape_type is not None and sh.auto_shape_type.name == "OVAL")
        out.append({"sentence": slide.shapes.title.text_frame.text, "figure": text.get("Figure"),
                    "picture": text.get("Picture in words"), "detail": text.get("Detail"), "footer": text["Footer"],
                    "coloured": coloured, "notes": slide.notes_slide.notes_text_frame.text})
    return out


_SHARE = re.compile(r"^(About|Nearly|More than) (\d+) in (10|100) people\b")


def _assert_said_one_way(seen: dict, shown: str) -> None:
    """The sentence, the big figure, the picture and the percentage under them agree (read from the text alone):
    "Nearly 9 in 10 people ...", "9 in 10 people", nine coloured in, "9 in 10 people", "The figure is 87%." with 87%
    rounding to 9 in 10 and "Nearly" because 87 < 90 ("About" only at exactly 90%)."""
    m = _SHARE.match(seen["sentence"])
    assert m, seen["sentence"]
    qualifier, count, out_of = m.group(1), int(m.group(2)), int(m.group(3))
    assert seen["figure"] == f"{count} in {out_of} people", seen
    assert f"The figure is {shown}." in seen["detail"], (seen["detail"], shown)
    percent = float(shown.rstrip("%"))
    exact = percent * out_of / 100
    assert abs(exact - count) <= 0.5, (shown, seen["sentence"])
    assert {"About": exact == count, "Nearly": exact < count, "More than": exact > count}[qualifier], seen
    if out_of == 10:
        assert seen["coloured"] == count and seen["picture"] == f"{count} in 10 people", seen
    else:
        assert seen["coloured"] is None and seen["picture"] is None  # ten people cannot show 3 in 100


def test_every_headline_slide_says_its_figure_one_way_on_screen_and_in_powerpoint(monkeypatch):
    """Issue 16: for every headline KHI on the bundled sample, the on-screen slide (AppTest) and the .pptx (read back
    with python-pptx) say the same words, and in each the sentence, big figure and picture agree with the figure as
    kpi computes it. Expectations come from the api, never pinned: the sample is regenerated from time to time."""
    sample = paths.BUNDLED_SAMPLE_DIR
    monkeypatch.setenv("KHI_DATA_DIR", str(sample))
    at = _open()
    ids = list(registry.HEADLINE_IDS)
    screen = _screen_slides(at, len(ids))
    latest = max(api.years(data_dir=sample))
    deck = slides.build_deck(None, latest, ids, scope=PUBLIC, data_dir=sample)
    pptx = _pptx_slides(deck)
    assert [s["metric"] for s in screen] == ids and len(pptx) == len(ids)
    for metric, on_screen, in_pptx in zip(ids, screen, pptx):
        k = registry.get(metric)
        row = api.khi_table(metric, (), Filters(years=(latest,)), data_dir=sample, scope=PUBLIC).iloc[0]
        assert not row["suppressed"], metric  # the UK's headline figures are never too small to show
        shown = registry.format_value(k, float(row["value"]))
        for seen in (on_screen, in_pptx):
            _assert_said_one_way(seen, shown)
        # The same plain words on screen and in PowerPoint ("4,261 people answered. ..."); "(n)", the interval's
        # name and the method are in the speaker notes only.
        for key in ("sentence", "figure", "picture", "coloured", "detail"):
            assert on_screen[key] == in_pptx[key], (metric, key, on_screen[key], in_pptx[key])
        assert on_screen["detail"].startswith(f"{float(row['denominator']):,.0f} people answered.")
        assert "confidence" not in on_screen["detail"] and "confidence" in in_pptx["notes"]
        assert registry.method_name(k.kind) in in_pptx["notes"]


def test_the_notice_and_the_source_are_on_every_slide(sample_env):
    """Issue 16: the synthetic-data notice and the source are on the slide itself, not only in the sidebar."""
    at = _open(khi=[FIRST, SECOND])
    screen = _screen_slides(at, 2)
    deck = slides.build_deck(None, None, [FIRST, SECOND], scope=PUBLIC, data_dir=sample_env)
    for seen in (*screen, *_pptx_slides(deck)):
        footer = seen["footer"]
        assert footer.startswith(f"Source: {text.SOURCE}. the UK, ") and text.SYNTHETIC_NOTICE in footer, footer
