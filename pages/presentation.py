"""Presentation mode: one KHI per screen in large type, for ambassadors presenting the figures to an audience.

The slide area shows only the registry's plain-English sentence, the big figure and ten people with k coloured in
(with the same in words). The presenter's choices (KHIs, area or scheme, period, slide) live in the URL, so a link
reopens the talk. Keyboard: the Next and Previous buttons have Streamlit shortcuts (→ and ←, ignored while typing in
a box), and are also ordinary focusable buttons (Tab to them, Enter or Space). Downloads come from kpi.render.slides, so the
.pptx and .pdf show exactly what the screen shows. Nothing is fetched: the picture is SVG drawn here.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import html

import streamlit as st

from kpi.metrics import api, registry
from kpi.render import charts, images as export, slides
from kpi.data import paths, schema, store
from ui import common as ui

ui.through_app()

# Query parameters: khi (repeated, in slide order), area (GSS code), scheme (id), year (2019-20), slide (1-based).
# area and year are the same keys the other pages' filters use, so a link keeps its place and period.
P_KHI, P_AREA, P_SCHEME, P_YEAR, P_SLIDE = "khi", "area", "scheme", "year", "slide"
_STATE = "_pres"  # survives page switches (widget state does not)
_UK = ""  # the "whole UK" choice in the area and scheme pickers


@st.cache_data(show_spinner=False, max_entries=8)
def _schemes(root: str, version: int) -> dict[str, tuple[str, str]]:
    """scheme id -> (name, area code)."""
    table = api.scheme_list(con=ui.connection())
    return {str(r.scheme_id): (str(r.scheme_name), str(r.area_code))
            for r in table.sort_values("scheme_name").itertuples()}


@st.cache_data(show_spinner=False, max_entries=200)
def _deck(area, period, ids, scheme, root, version, today) -> slides.Deck:
    # `today` is in the key so a deck made yesterday is not offered with yesterday's date.
    return slides.build_deck(area, period, list(ids), con=ui.connection(), scheme=scheme)


def _store_key() -> tuple[str, int]:
    root = paths.data_dir()
    return str(root), store.read_manifest(root).version


def _read_url(years: list[int], schemes: dict) -> tuple[dict, list[str]]:
    """The talk a link describes; parts we do not recognise are reported and left out."""
    rejected, chosen = [], {}
    ids = []
    for raw in st.query_params.get_all(P_KHI):
        if raw in registry.BY_ID and raw not in ids:
            ids.append(raw)
        elif raw not in registry.BY_ID:
            rejected.append(f"{P_KHI}={raw}")
    if ids:
        chosen["khis"] = ids
    for key, valid, name in ((P_AREA, schema.AREAS, "area"), (P_SCHEME, schemes, "scheme")):
        raw = st.query_params.get(key)
        if raw is not None:
            if raw in valid:
                chosen[name] = raw
            else:
                rejected.append(f"{key}={raw}")
    raw = st.query_params.get(P_YEAR)
    if raw is not None:
        year = schema.parse_fy_label(raw)
        if year in years:
            chosen["year"] = year
        else:
            rejected.append(f"{P_YEAR}={raw}")
    raw = st.query_params.get(P_SLIDE)
    if raw is not None:
        if raw.isdigit() and int(raw) >= 1:
            chosen["slide"] = int(raw) - 1
        else:
            rejected.append(f"{P_SLIDE}={raw}")
    return chosen, rejected


def _write_url(state: dict) -> None:
    wanted = {P_KHI: list(state["khis"]), P_AREA: [state["area"]] if state["area"] else [],
              P_SCHEME: [state["scheme"]] if state["scheme"] else [],
              P_YEAR: [schema.fy_label(state["year"])], P_SLIDE: [str(state["slide"] + 1)]}
    for key, values in wanted.items():
        if values:
            if st.query_params.get_all(key) != values:
                st.query_params[key] = values
        elif key in st.query_params:
            del st.query_params[key]


def _step(delta: int) -> None:
    state = st.session_state[_STATE]
    state["slide"] = max(0, min(len(state["khis"]) - 1, state["slide"] + delta))


def _person(i: int, on: bool) -> str:
    x = 10 + 50 * i
    fill, stroke = ("#0072B2", "none") if on else ("#E4E4E4", "#767676")
    return (f'<circle cx="{x + 15}" cy="14" r="11" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
            f'<rect x="{x}" y="30" width="30" height="66" rx="12" fill="{fill}" stroke="{stroke}" '
            'stroke-width="1.5"/>')


def _slide_html(s: slides.Slide, number: int, total: int) -> str:
    """The slide: sentence, figure and picture only. Sizes: sentence 40px, figure 120px, picture words 32px."""
    parts = [f'<h2 class="khi-sentence">{html.escape(s.sentence)}</h2>']
    if not s.suppressed:
        picture = ""
        if s.people is not None:
            people = "".join(_person(i, i < s.people) for i in range(10))
            svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 500 100">{people}</svg>'
            # An <img> of inline SVG data: st.html's sanitiser drops <svg> elements but keeps data: images.
            # alt="" because the caption under it says the same thing in words (read once, not twice).
            src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
            picture = (f'<figure class="khi-people"><img src="{src}" alt="" width="500" height="100">'
                       f'<figcaption class="khi-picture-text">{html.escape(s.picture_text)}</figcaption></figure>')
        unit = f' <span class="khi-unit">{html.escape(s.unit)}</span>' if s.unit else ""
        parts.append(f'<div class="khi-body"><p class="khi-figure">{html.escape(s.figure or "")}{unit}</p>'
                     f'{picture}</div>')
    return (f'<section class="khi-slide" aria-label="Slide {number} of {total}" '
            f'data-metric="{html.escape(s.metric_id)}">{"".join(parts)}</section>')


_CSS = """
<style>
.khi-slide { padding: 1.5rem 0 1rem 0; min-height: 55vh; }
.khi-slide .khi-sentence { font-size: 40px; line-height: 1.25; font-weight: 700; color: #1A1C1E; margin: 0 0 2rem 0;
  padding: 0; }
.khi-slide .khi-body { display: flex; flex-wrap: wrap; align-items: center; gap: 2rem 4rem; }
.khi-slide .khi-figure { font-size: 120px; line-height: 1; font-weight: 700; color: #00666E; margin: 0; }
.khi-slide .khi-unit { font-size: 40px; color: #1A1C1E; }
.khi-slide .khi-people { flex: 1 1 420px; max-width: 640px; margin: 0; }
.khi-slide .khi-people img { width: 100%; height: auto; display: block; }
.khi-slide .khi-picture-text { font-size: 32px; font-weight: 700; color: #1A1C1E; margin-top: 0.75rem; }
</style>
"""

# --------------------------------------------------------------------------------------------------------------

root, version = _store_key()
years = sorted(ui.available_years(), reverse=True)
schemes = _schemes(root, version)
if not years:
    st.title("Presentation mode")
    st.error("The data has no answers yet, so there is nothing to present.")
    st.stop()

state: dict = st.session_state.setdefault(_STATE, {})
if not state.get("loaded"):  # first visit in this session: the link decides, then the defaults
    chosen, rejected = _read_url(years, schemes)
    state.update(khis=list(registry.HEADLINE_IDS), area=_UK, scheme=_UK, year=years[0], slide=0, loaded=True)
    state.update(chosen)
    if state["scheme"] and state["area"] and schemes[state["scheme"]][1] != state["area"]:
        state["scheme"] = _UK  # a scheme outside the chosen area: keep the area, drop the scheme
    for name in ("khis", "area", "scheme", "year"):
        st.session_state[f"pres_{name}"] = state[name]
    if rejected:
        st.warning("Part of this link was not recognised and has been ignored: " + ", ".join(rejected) + ".",
                   icon=":material/link_off:")
for name in ("khis", "area", "scheme", "year"):  # coming back from another page: restore the widgets
    st.session_state.setdefault(f"pres_{name}", state[name])

with st.sidebar:
    st.header("Your talk")
    st.multiselect("Measures to show, in order", list(registry.BY_ID), key="pres_khis",
                   format_func=lambda m: registry.get(m).title, placeholder="Choose the measures")
    st.selectbox("Nation or region", [_UK, *schema.AREAS], key="pres_area",
                 format_func=lambda a: schema.AREAS.get(a, "All of the UK"))
    in_area = [sid for sid, (_, area) in schemes.items() if not st.session_state["pres_area"]
               or area == st.session_state["pres_area"]]
    if st.session_state["pres_scheme"] not in in_area:
        st.session_state["pres_scheme"] = _UK
    st.selectbox("Scheme (optional)", [_UK, *in_area], key="pres_scheme",
                 format_func=lambda s: schemes[s][0] if s else "All schemes in the area")
    st.selectbox("Period (financial year)", years, key="pres_year", format_func=schema.fy_label)

changed = any(st.session_state[f"pres_{n}"] != state[n] for n in ("khis", "area", "scheme", "year"))
for name in ("khis", "area", "scheme", "year"):
    state[name] = st.session_state[f"pres_{name}"]
if changed:
    state["slide"] = 0  # a new talk starts at its first slide
state["slide"] = max(0, min(state["slide"], len(state["khis"]) - 1))
_write_url(state)

if not state["khis"]:
    st.title("Presentation mode")
    st.info("Choose the measures for your talk in the sidebar (“Measures to show, in order”).",
            icon=":material/arrow_back:")
    st.stop()

deck = _deck(state["area"] or None, state["year"], tuple(state["khis"]), state["scheme"] or None, root, version,
             str(dt.date.today()))
total, number = len(deck.slides), state["slide"] + 1
current = deck.slides[state["slide"]]

with st.sidebar:
    ui.sample_notice()
    st.subheader("Download the talk")
    base = f"khi-{schema.AREAS.get(state['area'], 'uk') if not state['scheme'] else state['scheme']}-" \
           f"{deck.period_label}".replace(" ", "-").lower()
    st.download_button("Slides for PowerPoint (.pptx)", data=functools.partial(slides.pptx_bytes, deck),
                       file_name=f"{base}.pptx", on_click="ignore", icon=":material/slideshow:", width="stretch",
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation")
    st.download_button("Slides as PDF", data=functools.partial(slides.pdf_bytes, deck), file_name=f"{base}.pdf",
                       mime="application/pdf", on_click="ignore", icon=":material/picture_as_pdf:", width="stretch")
    if current.people is not None:
        fig = charts.people_pictogram(current.value, title=current.sentence)
        st.caption("This slide's picture, for your own slides:")
        left, right = st.columns(2)
        left.download_button("PNG", data=functools.partial(export.figure_png, fig, deck.footer, width=900),
                             file_name=f"{base}-{current.metric_id}.png", mime="image/png", on_click="ignore",
                             icon=":material/image:", width="stretch")
        right.download_button("SVG", data=functools.partial(export.figure_svg, fig, deck.footer, width=900),
                              file_name=f"{base}-{current.metric_id}.svg", mime="image/svg+xml", on_click="ignore",
                              icon=":material/image:", width="stretch")
    st.caption(f"Every slide and picture says: {deck.footer}")
    ui.explain("suppressed", label=f"What does “{ui.SUPPRESSED_TEXT}” mean?")
    st.caption("Keys: → next slide, ← previous slide (or Tab to the buttons and press Enter).")

# The page's one h1, for screen readers and axe; the slide itself starts at the sentence (h2).
st.html(f'<h1 class="khi-sr-only" style="position:absolute;width:1px;height:1px;overflow:hidden;'
        f'clip:rect(0 0 0 0);white-space:nowrap;margin:0;padding:0">Presentation mode: {html.escape(deck.place)}, '
        f'{html.escape(deck.period_label)}</h1>')
nav = st.container(horizontal=True, vertical_alignment="center", gap="small")
nav.button("Previous", key="pres_prev", on_click=_step, args=(-1,), shortcut="Left", disabled=number == 1,
           icon=":material/arrow_back:")
nav.button("Next", key="pres_next", on_click=_step, args=(1,), shortcut="Right", disabled=number == total,
           icon=":material/arrow_forward:", type="primary")
nav.markdown(f"Slide {number} of {total} · {html.escape(deck.place)}, {deck.period_label}")
st.html(_CSS + _slide_html(current, number, total))
