"""Kept only for tests/test_slides.py, which checks the slides' SOURCE against the dashboard's; the UI lives in
ui.data, ui.state, ui.blocks, ui.cards, ui.glossary, ui.nav, ui.views and ui.presentation. TODO(render-merge): delete
with that test once kpi.render.text.SOURCE is the one copy."""

from ui.blocks import SOURCE  # noqa: F401
