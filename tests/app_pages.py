"""Opening one dashboard page with AppTest, as the page tests do (a helper module, like tests/scopes.py)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(path: str, **params) -> AppTest:
    """Run app.py, switch to `path` with the given query parameters, and fail on any exception the page shows."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
