"""PNG and SVG of any chart, through kaleido and the distro's chromium. No Streamlit here.

Kaleido 1.x draws with a Chrome/Chromium it finds on PATH or at BROWSER_PATH; we point it at Debian's chromium
(`/usr/bin/chromium`, or KHI_CHROMIUM), never a downloaded build. Starting a browser costs about 2.5 s, so one
kaleido sync server is started lazily, once per process (then about 0.2 s an image); if it cannot start, each image
is drawn by its own short-lived browser instead. MathJax is off: it would be fetched from a CDN, and the app must
work offline.

Every exported image carries a footer (source, place and period, date made, synthetic notice): pass `footer_text`
(e.g. `kpi.render.text.footer_text(...)`), or give a figure that already has one from `kpi.render.style.footer`.
The title and footer are the words given, in whatever language they were made in (`kpi.i18n`); the footer is
recognised by its "Source:" in English or Welsh.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time

import plotly.graph_objects as go

from kpi.i18n import N_, _
from kpi.render import style

__all__ = ["figure_png", "figure_svg", "figure_image", "chromium_path", "ExportError"]

DEFAULT_CHROMIUM = "/usr/bin/chromium"
DEFAULT_WIDTH = 1100
_KOPTS = {"mathjax": False, "n": 1}  # mathjax False: nothing fetched; one tab is plenty at 0.2 s an image
_SERVER_PROBE_TIMEOUT_S = 60
FOOTER_NAME = "khi-export-footer"
SOURCE_LABEL = N_("Source:")  # how every footer begins (kpi.render.text.footer_text), in each language

_lock = threading.Lock()  # the sync server answers one caller at a time; Streamlit calls from many threads
_server_ok: bool | None = None  # None: not tried yet; True: running; False: failed, draw per call


class ExportError(RuntimeError):
    """An image could not be made; the message says what to install or set."""


def chromium_path() -> str:
    return os.environ.get("KHI_CHROMIUM") or os.environ.get("BROWSER_PATH") or DEFAULT_CHROMIUM


def _point_kaleido_at_chromium() -> None:
    # choreographer (kaleido's browser driver) reads BROWSER_PATH before searching PATH.
    path = chromium_path()
    if os.path.isfile(path):
        os.environ["BROWSER_PATH"] = path


def _with_footer(fig: go.Figure, footer_text: str | None, width: int) -> go.Figure:
    out = go.Figure(fig)  # a copy: the caller's figure (often on screen too) is not changed
    style.title_to_width(out, width=width)
    if footer_text:
        style.footer(out, footer_text, width=width)  # wrapped to the image's width, the image made taller
        out.layout.annotations[-1].name = FOOTER_NAME
        return out
    texts = [str(a.text or "") for a in (fig.layout.annotations or ())]
    labels = {SOURCE_LABEL, _(SOURCE_LABEL)}
    if not any(label in t for t in texts for label in labels):
        raise ValueError("an exported image must carry its source, period, date made and synthetic-data notice: "
                         "pass footer_text (kpi.render.text.footer_text) or add one with kpi.render.style.footer")
    return out


def _oneshot(fig_dict: dict, opts: dict) -> bytes:
    """Draw one image with its own browser (in a thread, so this works even inside a running event loop)."""
    import kaleido

    result: dict = {}

    def work():
        try:
            result["bytes"] = asyncio.run(kaleido.calc_fig(fig_dict, opts=opts, kopts=dict(_KOPTS)))
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join()
    if "error" in result:
        raise ExportError(_("kaleido could not draw the image with {browser} ({error}); install chromium "
                            "(apt-get install chromium) or set KHI_CHROMIUM").format(
            browser=chromium_path(), error=f"{type(result['error']).__name__}: {result['error']}")) from result["error"]
    return result["bytes"]


def _start_server() -> bool:
    """Start kaleido's sync server and prove it answers; False (and per-call drawing) if it does not."""
    import kaleido

    try:
        kaleido.start_sync_server(**_KOPTS, silence_warnings=True)
    except Exception:
        return False
    server = kaleido._global_server  # only to see whether its thread died at start (then it would never answer)
    probe: dict = {}

    def ask():
        try:
            probe["bytes"] = kaleido.calc_fig_sync(go.Figure().to_dict(),
                                                   opts=dict(format="svg", width=10, height=10, scale=1))
        except BaseException as exc:
            probe["error"] = exc

    asker = threading.Thread(target=ask, daemon=True)
    asker.start()
    deadline = time.monotonic() + _SERVER_PROBE_TIMEOUT_S
    while asker.is_alive() and time.monotonic() < deadline:
        asker.join(0.1)
        thread = getattr(server, "_thread", None)
        if thread is not None and not thread.is_alive():
            break
    if "bytes" in probe:
        return True
    thread = getattr(server, "_thread", None)
    if thread is not None and not thread.is_alive():
        try:
            kaleido.stop_sync_server(silence_warnings=True)
        except Exception:
            pass
    return False


def _render(fig: go.Figure, fmt: str, width: int | None, height: int | None, scale: float) -> bytes:
    global _server_ok
    import kaleido

    _point_kaleido_at_chromium()
    width = int(width or fig.layout.width or DEFAULT_WIDTH)
    height = int(height or fig.layout.height or 500)  # the footer's lines are in fig.layout.height already
    opts = dict(format=fmt, width=width, height=height, scale=scale)
    fig_dict = fig.to_dict()
    with _lock:
        if _server_ok is None:
            _server_ok = _start_server()
        if _server_ok:
            try:
                return kaleido.calc_fig_sync(fig_dict, opts=opts)
            except Exception:
                pass  # a broken server: draw this image on its own below
        return _oneshot(fig_dict, opts)


def figure_image(fig: go.Figure, fmt: str, footer_text: str | None = None, *, width: int | None = None,
                 height: int | None = None, scale: float = 1) -> bytes:
    """The figure as `fmt` ("png" or "svg") bytes, with its footer added (wrapped to `width`; the image grows by its
    lines unless `height` is given)."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"image format must be 'png' or 'svg', not {fmt!r}")
    width = int(width or fig.layout.width or DEFAULT_WIDTH)
    out = _with_footer(fig, footer_text, width)
    data = _render(out, fmt, width, height, scale)
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def figure_png(fig: go.Figure, footer_text: str | None = None, *, width: int | None = None,
               height: int | None = None, scale: float = 2) -> bytes:
    """PNG bytes (2x scale by default: sharp on a projector)."""
    return figure_image(fig, "png", footer_text, width=width, height=height, scale=scale)


def figure_svg(fig: go.Figure, footer_text: str | None = None, *, width: int | None = None,
               height: int | None = None) -> bytes:
    """SVG bytes (text stays text, so the footer and labels are searchable and scale without blur)."""
    return figure_image(fig, "svg", footer_text, width=width, height=height, scale=1)
