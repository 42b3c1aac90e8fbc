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


def chart_specs(at: AppTest) -> list[str]:
    """Every chart's figure as the browser receives it (Plotly JSON), in page order: ui.charts' basic-bundle charts
    (a Streamlit component whose data carries the figure) and st.plotly_chart (the map)."""
    import json

    def walk(node):
        proto = getattr(node, "proto", None)
        if getattr(node, "type", None) == "plotly_chart":
            yield proto.spec
        elif proto is not None and type(proto).__name__ == "BidiComponent" and proto.component_name == "khi_chart":
            yield json.loads(proto.json)["figure"]
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return list(walk(at._tree))


def record_downloads(monkeypatch) -> list[tuple[str, str, object]]:
    """Every download button pages offer from now on: (label, file name, data). `data` is what a click downloads,
    or the function that makes it (pages build CSVs, slides and images only when clicked): see `resolve`."""
    import functools

    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator

    got: list = []
    original = DeltaGenerator.download_button

    def record(self, label, data, *args, **kwargs):
        got.append((label, kwargs.get("file_name"), data))
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    monkeypatch.setattr(st, "download_button", functools.partial(record, st._main))
    return got


def resolve(data) -> bytes | str:
    """What a click on a download button gives."""
    return data() if callable(data) else data


def sign_in_as(monkeypatch, email: str) -> None:
    """A signed-in identity for the app, as ui.auth would read it from a verified ID token (the sign-in itself is
    tested in the browser through a real identity provider)."""
    import datetime as dt

    from ui import auth

    who = auth.Identity(email=email, subject=email, name=None,
                        expires_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))
    monkeypatch.setattr(auth, "configured", lambda: True)
    monkeypatch.setattr(auth, "identity", lambda: who)
    monkeypatch.setattr(auth, "sidebar", lambda: None)
