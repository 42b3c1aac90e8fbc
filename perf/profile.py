"""`python -m perf.profile`: where a warm page view's server time goes, page by page, in-process.

Each page listed in app.py is run with Streamlit's AppTest against the store (--data; default KHI_DATA_DIR, else the
bundled sample): once cold (its caches fill), then --repeat warm runs. Only the script's own execution is timed (the
wrapped `exec_func_with_error_handling` in Streamlit's script runner, so AppTest's message parsing is left out), and
inside it the time of each top-level call into:

- kpi calls: `ui.data`'s cached functions (a cache hit is a lookup and a copy; a miss computes) and any direct
  `kpi.metrics.api` call; "of which computed" is the time inside `kpi.metrics.api` (zero when every call hits);
- figures: building Plotly figures (and their words) in kpi.render;
- downloads: files made on every run for a download button (kpi.render.tables' CSV, images, slides);
- Plotly JSON: `st.plotly_chart`'s validation of the figure and `plotly.io.to_json`;
- Arrow: `st.dataframe`'s / `st.table`'s DataFrame to Arrow bytes;
- other: the rest of the script run (Streamlit elements and widgets, ui code, navigation, query parameters).

Only the outermost call is counted (a figure built inside a kpi call counts as kpi). One more run per page under
cProfile (inside the script thread) lists the functions with the most own time. Step times under load are what
`python -m perf.load` measures; this says what one view costs and where.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import inspect
import json
import os
import pkgutil
import pstats
import sys
import threading
import time
from pathlib import Path

import numpy as np

from perf import REPO
from perf.record import app_pages

CATEGORIES = ("kpi", "figures", "downloads", "plotly_json", "arrow")
LABELS = {"script": "script run", "kpi": "kpi calls", "computed": "of which computed", "figures": "figures",
          "downloads": "downloads", "plotly_json": "Plotly JSON", "arrow": "Arrow", "other": "other"}
# kpi.render modules that make files to download (built on every run when a page offers the download).
DOWNLOADS = ("tables", "images", "slides")


class Timers:
    """Wraps module attributes so each top-level call's time is added to its category (per thread, outermost only)."""

    def __init__(self):
        self.totals = {c: 0.0 for c in (*CATEGORIES, "computed", "script", "charts")}
        self._local = threading.local()
        self.figure_calls: dict[str, float] = {}  # kpi.render function -> seconds (outermost calls)
        self._undo: list[tuple[object, str, object]] = []
        self.profiler: cProfile.Profile | None = None

    def wrap(self, owner, name: str, category: str) -> None:
        fn = getattr(owner, name)
        timers = self

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            active = getattr(timers._local, "active", frozenset())
            timers._local.active = active | {category}
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds = time.perf_counter() - t0
                timers._local.active = active
                if category == "computed":
                    if category not in active:
                        timers.totals["computed"] += seconds
                    if not active:  # an api call straight from page code is a kpi call too
                        timers.totals["kpi"] += seconds
                elif not active:
                    timers.totals[category] += seconds
                    timers.totals["charts"] += name == "to_json"  # one per st.plotly_chart
                    if category in ("figures", "downloads"):
                        key = f"{getattr(owner, '__name__', owner)}.{name}".removeprefix("kpi.render.")
                        timers.figure_calls[key] = timers.figure_calls.get(key, 0.0) + seconds

        setattr(owner, name, timed)
        self._undo.append((owner, name, fn))

    def wrap_script(self, runner_module) -> None:
        """The script run itself (and the place to profile it: cProfile sees only the thread it is enabled in)."""
        fn = runner_module.exec_func_with_error_handling
        timers = self

        def run_script(*args, **kwargs):
            t0 = time.perf_counter()
            if timers.profiler:
                timers.profiler.enable()
            try:
                return fn(*args, **kwargs)
            finally:
                if timers.profiler:
                    timers.profiler.disable()
                timers.totals["script"] += time.perf_counter() - t0

        runner_module.exec_func_with_error_handling = run_script
        self._undo.append((runner_module, "exec_func_with_error_handling", fn))

    def restore(self) -> None:
        for owner, name, fn in reversed(self._undo):
            setattr(owner, name, fn)
        self._undo.clear()

    def take(self) -> dict[str, float]:
        out = {**self.totals, "figure_calls": self.figure_calls}
        self.totals, self.figure_calls = dict.fromkeys(self.totals, 0.0), {}
        return out


def _public_functions(module) -> list[str]:
    return [n for n, obj in vars(module).items() if not n.startswith("_") and inspect.isfunction(obj)
            and obj.__module__ == module.__name__]


def install(timers: Timers) -> None:
    """Wrap what the categories count. Before any page runs, so `from x import f` in ui code binds the wrappers."""
    import plotly.io
    import plotly.tools
    from streamlit import dataframe_util
    from streamlit.runtime.scriptrunner import script_runner

    import kpi.render
    from kpi.metrics import api
    from perf.record import RECORDED

    for info in pkgutil.iter_modules(kpi.render.__path__):
        module = importlib.import_module(f"kpi.render.{info.name}")
        for name in _public_functions(module):
            timers.wrap(module, name, "downloads" if info.name in DOWNLOADS else "figures")
    for name in RECORDED:
        timers.wrap(api, name, "computed")
    ui_data = importlib.import_module("ui.data")
    for name, obj in list(vars(ui_data).items()):
        # Its cached functions (st.cache_data objects) and plain helpers, not what it imported.
        if not name.startswith("_") and callable(obj) and not inspect.isclass(obj) and not inspect.ismodule(obj) \
                and getattr(obj, "__module__", "ui.data") == "ui.data":
            timers.wrap(ui_data, name, "kpi")
    timers.wrap(plotly.io, "to_json", "plotly_json")
    timers.wrap(plotly.tools, "return_figure_from_figure_or_data", "plotly_json")
    for name in ("convert_anything_to_arrow_bytes", "convert_pandas_df_to_arrow_bytes",
                 "convert_arrow_table_to_arrow_bytes"):
        timers.wrap(dataframe_util, name, "arrow")
    timers.wrap_script(script_runner)


def _breakdown(runs: list[dict[str, float]]) -> dict:
    """Medians over the warm runs, in ms; kpi includes direct api calls (computed outside ui.data's caches)."""
    med = {k: float(np.median([r[k] for r in runs])) * 1000 for k in runs[0] if k not in ("charts", "figure_calls")}
    counted = sum(med[c] for c in CATEGORIES)
    med["other"] = max(0.0, med["script"] - counted)
    names = {n for r in runs for n in r["figure_calls"]}
    slowest = sorted(((n, float(np.median([r["figure_calls"].get(n, 0.0) for r in runs])) * 1000) for n in names),
                     key=lambda kv: kv[1], reverse=True)
    return {**{k: round(v, 1) for k, v in med.items()}, "charts": int(np.median([r["charts"] for r in runs])),
            "slowest_figures": {n: round(ms, 1) for n, ms in slowest[:5]}}


def profile_pages(root: Path, repeat: int, top: int, only: list[str] | None = None) -> dict:
    os.environ["KHI_DATA_DIR"] = str(root)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from streamlit.testing.v1 import AppTest

    pages = [p for p in app_pages() if not only or p.stem in only]
    timers = Timers()
    install(timers)
    out: dict = {"store": str(root), "repeat": repeat, "pages": {}}
    try:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=600)
        at.run()  # AppTest wants one run before switch_page; it is the default page's first (cold) run
        first = timers.take()
        for page in pages:
            at.switch_page(page.path)
            at.run()
            cold = first if page.default else timers.take()
            timers.take()
            warm = []
            for _ in range(repeat):
                at.run()
                warm.append(timers.take())
            timers.profiler = cProfile.Profile()
            at.run()
            stats = pstats.Stats(timers.profiler)
            timers.profiler = None
            timers.take()
            hot = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
            out["pages"][page.path] = {
                "title": page.title, "cold_script_ms": round(cold["script"] * 1000, 1), "warm": _breakdown(warm),
                "exceptions": [str(e.value)[:300] for e in at.exception],
                "top_own_time": [{"function": f"{Path(f).name}:{line}({name})", "own_ms": round(tt * 1000, 1),
                                  "calls": nc} for (f, line, name), (_, nc, tt, _, _) in hot]}
    finally:
        timers.restore()
    return out


def table(result: dict) -> str:
    cols = ("script", "kpi", "computed", "figures", "downloads", "plotly_json", "arrow", "other")
    lines = [f"{'page':<24}{'charts':>7}{'cold':>8}" + "".join(f"{LABELS[c]:>19}" for c in cols)]
    for p in result["pages"].values():
        w = p["warm"]
        cells = [f"{w[c]:>10.1f}" + (f" ({w[c] / w['script'] * 100:>3.0f}%)" if c != "script" and w["script"]
                                     else " " * 7) for c in cols]
        lines.append(f"{p['title']:<24}{w['charts']:>7}{p['cold_script_ms']:>8.0f}" + "".join(f"{c:>19}" for c in cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m perf.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="the store (default: KHI_DATA_DIR, else the bundled sample)")
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per page (default 5; medians reported)")
    parser.add_argument("--top", type=int, default=8, help="functions with the most own time to list per page")
    parser.add_argument("--pages", nargs="*", help="only these pages (file stems, e.g. overview growth)")
    parser.add_argument("--json", dest="json_path", help="write the result here as JSON")
    args = parser.parse_args(argv)
    from kpi.data import paths

    root = Path(args.data).resolve() if args.data else paths.data_dir()
    result = profile_pages(root, args.repeat, args.top, args.pages)
    print(f"store {root}; warm medians of {args.repeat} runs in ms (share of the script run); cold = first run")
    print(table(result))
    for p in result["pages"].values():
        print(f"{p['title']}: slowest kpi.render calls: " + "; ".join(
            f"{n} {ms} ms" for n, ms in p["warm"]["slowest_figures"].items()))
        print(f"{p['title']}: most own time: " + "; ".join(f"{h['function']} {h['own_ms']} ms"
                                                          for h in p["top_own_time"][:5]))
        if p["exceptions"]:
            print(f"  exceptions: {p['exceptions']}")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(result, indent=2) + "\n")
    return 0 if not any(p["exceptions"] for p in result["pages"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
