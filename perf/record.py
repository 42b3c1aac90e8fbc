"""Recording: run each page of app.py once with AppTest and keep the top-level kpi.metrics.api calls it makes.

The api module's public functions are wrapped before any page runs (ui code calls them through the module, so the
wrappers see every call). Nested calls (headline -> khi_table) are part of their caller's time and not kept.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from perf import REPO

# The api functions pages call. growth_table is not one of them: the growth page asks khi_table(s) for growth KHIs.
RECORDED = ("khi_table", "khi_tables", "khi_tables_many", "headline", "trend", "profile", "funnel", "coverage", "years",
            "scheme_list", "similar_schemes", "compare_with_similar")


@dataclass(frozen=True)
class Page:
    path: str  # "pages/overview.py"
    title: str
    default: bool

    @property
    def stem(self) -> str:
        return Path(self.path).stem

    @property
    def url_path(self) -> str:
        return "" if self.default else self.stem


def app_pages() -> list[Page]:
    """The pages everyone's navigation lists (ui.nav.PAGES, which app.py shows), in order, the default first.
    Pages for some roles only (the admin page) are not part of a page-view benchmark."""
    from ui import nav

    return [Page(script, title, i == 0) for i, (script, title, _, roles) in enumerate(nav.PAGES) if roles is None]


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple
    kwargs: tuple  # sorted (key, value) pairs, without con / data_dir / cur

    def run(self, api, con):
        return getattr(api, self.name)(*self.args, con=con, **dict(self.kwargs))

    def __str__(self) -> str:
        args = ", ".join([*map(repr, self.args), *(f"{k}={v!r}" for k, v in self.kwargs)])
        return f"{self.name}({args})"


class Recorder:
    """Wraps kpi.metrics.api's public functions; keeps each top-level call (depth per thread: nested ones are not)."""

    def __init__(self, api):
        self.api, self.calls, self._originals, self._local = api, [], {}, threading.local()

    def __enter__(self):
        for name in RECORDED:
            fn = getattr(self.api, name)
            self._originals[name] = fn
            setattr(self.api, name, self._wrap(name, fn))
        return self

    def __exit__(self, *exc):
        for name, fn in self._originals.items():
            setattr(self.api, name, fn)

    def _wrap(self, name, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            depth = getattr(self._local, "depth", 0)
            if depth == 0:
                kept = tuple(sorted((k, v) for k, v in kwargs.items() if k not in ("con", "data_dir", "cur")))
                self.calls.append(Call(name, tuple(args), kept))
            self._local.depth = depth + 1
            try:
                return fn(*args, **kwargs)
            finally:
                self._local.depth = depth

        return wrapper


@dataclass
class Recording:
    calls: list[Call] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    seconds: float = 0.0


def record_pages(root: Path, pages: list[Page]) -> dict[str, Recording]:
    """Run every page once in AppTest with KHI_DATA_DIR=root and return the kpi.metrics.api calls each one made."""
    os.environ["KHI_DATA_DIR"] = str(root)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from kpi.metrics import api
    from ui import cache

    def clear() -> None:
        st.cache_data.clear()
        cache.clear()

    out: dict[str, Recording] = {}
    with Recorder(api) as rec:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=900)
        started = False
        for page in pages:
            if not started:  # AppTest wants one run before switch_page
                clear()
                at.run()
                started = True
            clear()
            rec.calls.clear()
            t0 = time.perf_counter()
            at.switch_page(page.path)
            at.run()
            out[page.path] = Recording(list(rec.calls), [str(e.value)[:500] for e in at.exception],
                                       time.perf_counter() - t0)
    return out

