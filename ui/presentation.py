"""Presentation mode's UI: the talk kept in the URL and the sidebar, the slide drawn in HTML, and the downloads.

The talk (KHIs, area or scheme, period, slide) lives in the URL through ui.state's one query-parameter code, so a
link reopens it. The slide says each figure one way (kpi.metrics.registry.share, as the .pptx and PDF do): the sentence,
the big figure ("9 in 10") and ten people with 9 coloured in, then plain words (n, the percentage, the interval) and
the footer with the source and the synthetic-data notice. Nothing is fetched: the picture is inline SVG.
Everything is in the viewer's language (kpi.i18n): the deck is built in it (cached by it) and its .pptx and PDF are
written in it.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import html

import streamlit as st

from kpi import i18n
from kpi.i18n import N_, _
from kpi.data import schema
from kpi.data.queries import Filters
from kpi.metrics import registry
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from kpi.metrics.scope import Scope
from kpi.render import charts, images as export, people, slides
from kpi.render.slide_style import no_figure_words
from ui import cache, data, nav, state
from ui.downloads import logged as logged_file
from ui.glossary import explain

# Query parameters: khi (repeated, in slide order), area (GSS code), scheme (id), year (2019-20), slide (1-based).
# area and year are the same keys the other pages' filters use, so a link keeps its place and period.
P_KHI, P_AREA, P_SCHEME, P_YEAR, P_SLIDE = "khi", "area", "scheme", "year", "slide"
_STATE = "_pres"  # survives page switches (widget state does not)
_UK = ""  # the "whole UK" choice in the area and scheme pickers
_CHOICES = ("khis", "area", "scheme", "year")  # each has a widget keyed pres_<name>
KEYS_HELP = N_("Keys: → or Page Down (a clicker's forward button) next slide, ← or Page Up previous slide (or Tab "
               "to the buttons and press Enter).")


def _read_url(years: list[int], schemes: dict) -> tuple[dict, list[str]]:
    """The talk a link describes; parts we do not recognise are reported and left out."""
    def known(valid):
        return lambda raw: raw if raw in valid else None

    def year(raw):
        y = schema.parse_fy_label(raw)
        return y if y in years else None

    def slide(raw):
        return int(raw) - 1 if raw.isdigit() and int(raw) >= 1 else None

    chosen, rejected = {}, []
    for name, key, parse, single in (("khis", P_KHI, known(registry.BY_ID), False),
                                     ("area", P_AREA, known(schema.AREAS), True),
                                     ("scheme", P_SCHEME, known(schemes), True),
                                     ("year", P_YEAR, year, True), ("slide", P_SLIDE, slide, True)):
        values, wrong = state.read_params(key, parse, single=single)
        rejected += wrong
        if values:
            chosen[name] = values if name == "khis" else values[0]
    return chosen, rejected


def _write_url(plan: dict) -> None:
    state.write_params({P_KHI: plan["khis"], P_AREA: [plan["area"]] if plan["area"] else [],
                        P_SCHEME: [plan["scheme"]] if plan["scheme"] else [],
                        P_YEAR: [schema.fy_label(plan["year"])], P_SLIDE: [str(plan["slide"] + 1)]})


def _step(delta: int) -> None:
    plan = st.session_state[_STATE]
    plan["slide"] = max(0, min(len(plan["khis"]) - 1, plan["slide"] + delta))


def talk(years: list[int], schemes: dict[str, tuple[str, str]]) -> dict:
    """The presenter's talk: from the link on the first visit (then the defaults), the sidebar choices after; written
    back to the URL. Keys: khis, area, scheme ("" = all), year, slide (0-based)."""
    current: dict = st.session_state.setdefault(_STATE, {})
    if not current.get("loaded"):  # first visit in this session: the link decides, then the defaults
        chosen, rejected = _read_url(years, schemes)
        current.update(khis=list(registry.HEADLINE_IDS), area=_UK, scheme=_UK, year=years[0], slide=0, loaded=True)
        current.update(chosen)
        if current["scheme"] and current["area"] and schemes[current["scheme"]][1] != current["area"]:
            current["scheme"] = _UK  # a scheme outside the chosen area: keep the area, drop the scheme
        for name in _CHOICES:
            st.session_state[f"pres_{name}"] = current[name]
        state.warn_unrecognised(rejected)
    for name in _CHOICES:  # coming back from another page: restore the widgets
        st.session_state.setdefault(f"pres_{name}", current[name])

    with st.sidebar:
        st.header(_("Your talk"))
        st.multiselect(_("Measures to show, in order"), list(registry.BY_ID), key="pres_khis",
                       format_func=lambda m: registry.get(m).title, placeholder=_("Choose the measures"))
        st.selectbox(_("Nation or region"), [_UK, *schema.AREAS], key="pres_area",
                     format_func=lambda a: _(schema.AREAS[a]) if a in schema.AREAS else _("All of the UK"))
        in_area = [sid for sid, (_, area) in schemes.items() if not st.session_state["pres_area"]
                   or area == st.session_state["pres_area"]]
        if st.session_state["pres_scheme"] not in in_area:
            st.session_state["pres_scheme"] = _UK
        st.selectbox(_("Scheme (optional)"), [_UK, *in_area], key="pres_scheme",
                     format_func=lambda s: schemes[s][0] if s else _("All schemes in the area"))
        st.selectbox(_("Period (financial year)"), years, key="pres_year", format_func=schema.fy_label)

    changed = any(st.session_state[f"pres_{n}"] != current[n] for n in _CHOICES)
    for name in _CHOICES:
        current[name] = st.session_state[f"pres_{name}"]
    if changed:
        current["slide"] = 0  # a new talk starts at its first slide
    current["slide"] = max(0, min(current["slide"], len(current["khis"]) - 1))
    _write_url(current)
    return current


@cache.shared(max_entries=200)
def _deck(area, period, ids, scheme, scope, root, version, today, version_note, lang) -> slides.Deck:
    # `today` is in the key so a deck made yesterday is not offered with yesterday's date; `lang`, so a Welsh deck
    # is never offered to an English viewer.
    with i18n.using(lang):
        return slides.build_deck(area, period, list(ids), scope=scope, con=data.connection(), scheme=scheme,
                                 version_note=version_note)


def deck(plan: dict, scope: Scope) -> slides.Deck:
    """The talk's deck (kpi.render.slides) as the scope sees it, cached by the talk, the scope, the store version and
    today's date."""
    root, version = data.store_key()
    talk = _deck(plan["area"] or None, plan["year"], tuple(plan["khis"]), plan["scheme"] or None, scope, root,
                 version, str(dt.date.today()), data.version_note(), i18n.lang())
    data.audit_view(scope, tuple(plan["khis"]), (), _filters(plan))
    return talk


def _filters(plan: dict) -> Filters:
    """The talk's place and year as filters: what the audit log records for its views and downloads."""
    return Filters(years=(plan["year"],), areas=(plan["area"],) if plan["area"] else (),
                   schemes=(plan["scheme"],) if plan["scheme"] else ())


def downloads(deck: slides.Deck, plan: dict) -> None:
    """The sidebar's downloads: the talk as .pptx and PDF, this slide's picture as PNG and SVG, and the footer."""
    current = deck.slides[plan["slide"]]
    talk, metrics = _filters(plan), list(plan["khis"])
    nav.sample_notice()
    st.subheader(_("Download the talk"))
    base = f"khi-{schema.AREAS.get(plan['area'], 'uk') if not plan['scheme'] else plan['scheme']}-" \
           f"{deck.period_label}".replace(" ", "-").lower()
    def logged(make, fmt: str):  # a download of scheme-level or exact figures goes in the audit log when it is made
        return logged_file(make, None, fmt, talk, metric=metrics)

    st.download_button(_("Slides for PowerPoint (.pptx)"), data=logged(functools.partial(slides.pptx_bytes, deck),
                                                                        "pptx"),
                       file_name=f"{base}.pptx", icon=":material/slideshow:", width="stretch", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation")
    st.download_button(_("Slides as PDF"), data=logged(functools.partial(slides.pdf_bytes, deck), "pdf"),
                       file_name=f"{base}.pdf", mime="application/pdf", icon=":material/picture_as_pdf:",
                       width="stretch", on_click="ignore")
    if current.people is not None:
        fig = charts.people_pictogram(current.value, title=current.sentence)
        st.caption(_("This slide's picture, for your own slides:"))
        left, right = st.columns(2)
        png = functools.partial(export.figure_png, fig, deck.footer, width=900)
        svg = functools.partial(export.figure_svg, fig, deck.footer, width=900)
        left.download_button("PNG", data=logged(png, "png"),
                             file_name=f"{base}-{current.metric_id}.png", mime="image/png",
                             icon=":material/image:", width="stretch", on_click="ignore")
        right.download_button("SVG", data=logged(svg, "svg"),
                              file_name=f"{base}-{current.metric_id}.svg", mime="image/svg+xml",
                              icon=":material/image:", width="stretch", on_click="ignore")
    st.caption(_("Every slide and picture says: {footer}").format(footer=deck.footer))
    explain("suppressed", label=_("What does “{term}” mean?").format(term=_(SUPPRESSED_TEXT)))
    st.caption(_(KEYS_HELP))


def show(deck: slides.Deck, index: int) -> None:
    """The page's h1 (for screen readers), the Previous and Next buttons (→ ← and a clicker's Page Down / Page Up,
    through `_KEYS`) and the slide."""
    total, number = len(deck.slides), index + 1
    # The page's one h1, for screen readers and axe; the slide itself starts at the sentence (h2).
    st.html(f'<h1 class="khi-sr-only" style="position:absolute;width:1px;height:1px;overflow:hidden;'
            f'clip:rect(0 0 0 0);white-space:nowrap;margin:0;padding:0">'
            + html.escape(_("Presentation mode: {place}, {period}").format(place=deck.place, period=deck.period_label))
            + '</h1>')
    bar = st.container(horizontal=True, vertical_alignment="center", gap="small")
    bar.button(_("Previous"), key="pres_prev", on_click=_step, args=(-1,), disabled=number == 1,
               icon=":material/arrow_back:", help=_("Keys: ← or Page Up"))
    bar.button(_("Next"), key="pres_next", on_click=_step, args=(1,), disabled=number == total,
               icon=":material/arrow_forward:", type="primary", help=_("Keys: → or Page Down"))
    bar.markdown(_("Slide {number} of {total} · {place}, {period}").format(
        number=number, total=total, place=html.escape(deck.place), period=deck.period_label))
    st.html(_CSS + slide_html(deck.slides[index], number, total, deck.footer))
    st.html(_KEYS, unsafe_allow_javascript=True)


# ---------------------------------------------------------------------------------------------------------------
# The slide in HTML

def slide_html(s: slides.Slide, number: int, total: int, footer: str) -> str:
    """The slide: sentence, figure and picture, the plain words under them (n, the percentage, the interval), and the
    footer (source, place, period, the synthetic-data notice) on the slide itself, as on the .pptx and PDF.
    Sizes: sentence 40px, figure 120px (both smaller on a phone), picture words 32px, detail 24px, footer 16px."""
    parts = [f'<h2 class="khi-sentence">{html.escape(s.sentence)}</h2>']
    if s.suppressed:
        parts.append(f'<p class="khi-detail">{html.escape(no_figure_words(s.title))}</p>')
    else:
        picture = ""
        if s.people is not None:
            # An <img> of inline SVG data: st.html's sanitiser drops <svg> elements but keeps data: images.
            # alt="" because the caption under it says the same thing in words (read once, not twice).
            src = "data:image/svg+xml;base64," + base64.b64encode(people.svg(s.people).encode()).decode()
            picture = (f'<figure class="khi-people"><img src="{src}" alt="" width="500" height="100">'
                       f'<figcaption class="khi-picture-text">{html.escape(s.picture_text)}</figcaption></figure>')
        unit = f' <span class="khi-unit">{html.escape(s.unit)}</span>' if s.unit else ""
        parts.append(f'<div class="khi-body"><p class="khi-figure">{html.escape(s.figure or "")}{unit}</p>'
                     f'{picture}</div>')
        if s.detail:
            parts.append(f'<p class="khi-detail">{html.escape(s.detail)}</p>')
    parts.append(f'<p class="khi-footer">{html.escape(footer)}</p>')
    label = html.escape(_("Slide {number} of {total}").format(number=number, total=total))
    return (f'<section class="khi-slide" aria-label="{label}" '
            f'data-metric="{html.escape(s.metric_id)}">{"".join(parts)}</section>')


_CSS = """
<style>
.khi-slide { padding: 1.5rem 0 1rem 0; min-height: 55vh; display: flex; flex-direction: column; }
.khi-slide .khi-sentence { font-size: clamp(26px, 6vw, 40px); line-height: 1.25; font-weight: 700; color: #1A1C1E;
  margin: 0 0 2rem 0; padding: 0; }
.khi-slide .khi-body { display: flex; flex-wrap: wrap; align-items: center; gap: 2rem 4rem; }
.khi-slide .khi-figure { font-size: clamp(64px, 16vw, 120px); line-height: 1; font-weight: 700; color: #00666E;
  margin: 0; }
.khi-slide .khi-unit { font-size: clamp(26px, 6vw, 40px); color: #1A1C1E; }
.khi-slide .khi-people { flex: 1 1 min(420px, 100%); max-width: 640px; margin: 0; }
.khi-slide .khi-people img { width: 100%; height: auto; display: block; }
.khi-slide .khi-picture-text { font-size: 32px; font-weight: 700; color: #1A1C1E; margin-top: 0.75rem; }
.khi-slide .khi-detail { font-size: 24px; line-height: 1.4; color: #1A1C1E; margin: 2rem 0 0 0; max-width: 60rem; }
.khi-slide .khi-footer { font-size: 16px; line-height: 1.4; color: #54595F; margin: auto 0 0 0; padding-top: 2rem; }
</style>
"""

# The slide keys, in the page itself (st.html runs it once per browser tab; the listener outlives reruns, so a sidebar
# change never loses it). → and Page Down press Next, ← and Page Up press Previous — a presenter's clicker sends Page
# Down / Page Up. Also when the focus was left in a closed sidebar picker after a change (Streamlit's own button
# shortcuts stop there); never while typing or while a picker's list is open.
_KEYS = """
<script>
(() => {
  if (window.khiSlideKeys) return;
  window.khiSlideKeys = true;
  const STEP = {ArrowRight: "next", PageDown: "next", ArrowLeft: "prev", PageUp: "prev"};
  const typing = (el) => {
    if (!el || el === document.body) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    if (el.tagName !== "INPUT") return false;
    // A picker whose list is closed shows its choice, not what someone is typing (typing opens the list).
    return !(el.getAttribute("role") === "combobox" && el.getAttribute("aria-expanded") !== "true");
  };
  // Capture phase: the sidebar's pickers stop the arrow keys before they reach the document.
  window.addEventListener("keydown", (event) => {
    const which = STEP[event.key];
    if (!which || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (!document.querySelector(".khi-slide") || typing(event.target)) return;
    const button = document.querySelector(`.st-key-pres_${which} button`);
    event.preventDefault();  // Page Down would otherwise scroll the page
    event.stopPropagation();
    if (button && !button.disabled) button.click();
  }, true);
})();
</script>
"""
