"""Every public page, opened in Welsh (?lang=cy) as the app serves it (AppTest through app.py): no exception, the
page says so (its title and navigation in Welsh), and no English is left anywhere on it — text, labels, options,
help, tables, chart titles, hover text (tests/welsh.py says how English is found)."""

from __future__ import annotations

import pytest

from kpi import i18n
from tests.app_pages import open_page
from tests.welsh import english_in, page_strings
from ui import lang, nav

PUBLIC = [(script, title) for script, title, _, roles in nav.PAGES if roles is None]
# Names that stay as they are in Welsh: the organisation behind the outcomes tool, the keys' names, and the switch's own help, said in
# both languages on purpose (ui.lang.SWITCH_HELP).
ALLOWED = ("Shared Lives Plus", "Page Down", "Page Up", *lang.SWITCH_HELP.values())


@pytest.fixture(scope="module")
def allowed(sample_store) -> tuple[str, ...]:
    """ALLOWED and the schemes' own names (proper names, kept as the schemes wrote them), longest first."""
    import duckdb

    names = [n for (n,) in duckdb.sql(f"select distinct scheme_name from read_parquet("
                                      f"'{sample_store}/schemes/**/*.parquet')").fetchall() if n]
    return tuple(sorted({*ALLOWED, *names}, key=len, reverse=True))


@pytest.mark.parametrize("script, title", PUBLIC, ids=[t for _, t in PUBLIC])
def test_public_page_in_welsh_has_no_english(script, title, allowed, sample_env):
    at = open_page(script, lang="cy")
    with i18n.using("cy"):
        welsh_title = i18n.gettext(title)
        # The overview's heading is the dashboard's name; every other page's is its navigation title.
        headings = {i18n.gettext(t) for t in (title, "Key Human Indicators")}
    assert welsh_title != title, f"{title!r} has no Welsh"
    strings = page_strings(at)
    # Presentation mode's heading is in its slide's HTML, not an st.title.
    assert any(h in s for h in headings for s in (strings if not at.title else [at.title[0].value])), headings
    assert at.query_params.get("lang") in ("cy", ["cy"])
    english = english_in(strings, allowed=allowed)
    assert not english, f"{len(english)} English string(s) on {title!r} in Welsh:\n" + "\n".join(
        s[:300] for s in dict.fromkeys(english))


def test_the_same_page_in_english_is_english(sample_env):
    # The check above can fail: in English the same detector finds English on every page.
    at = open_page("pages/overview.py")
    assert len(english_in(page_strings(at))) > 10
    assert "lang" not in at.query_params
