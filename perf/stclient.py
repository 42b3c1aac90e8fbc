"""A minimal Streamlit client, as a browser tab behaves on the wire: load the page (keeping its cookies), open the
websocket `/_stcore/stream` with them, ask for reruns and read ForwardMsgs until the script has finished. Loopback only.

The cookies matter behind a sticky balancer (scripts/serve.sh): HAProxy answers the first request with
`Set-Cookie: SERVERID=wN`, and only a client that sends it back on the websocket upgrade lands on the worker that holds
its session. perf.load drives many of these; tests/test_stack.py checks the stickiness with them.
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

BALANCER_COOKIE = "SERVERID"  # deploy/haproxy.cfg.template: `cookie SERVERID insert indirect nocache`


def check_loopback(url: str) -> str:
    host = urllib.parse.urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"load tests run on loopback only, not {host!r}")
    return url.rstrip("/")


@dataclass
class Cookies:
    """The cookies one browser tab keeps: updated from every Set-Cookie it is sent, sent back on every request."""

    values: dict[str, str] = field(default_factory=dict)

    def update(self, set_cookie_headers) -> None:
        for header in set_cookie_headers:
            parsed = SimpleCookie()
            parsed.load(header)
            self.values.update({name: morsel.value for name, morsel in parsed.items()})

    def header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.values.items())} if self.values else {}

    @property
    def worker(self) -> str | None:
        """The worker the balancer pinned this tab to, or None (no balancer, or none chosen yet)."""
        return self.values.get(BALANCER_COOKIE)


# Loopback only: never through an http_proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def load_page(url: str, cookies: Cookies, timeout: float = 30) -> int:
    """GET the app's page as a browser does first (blocking); keeps the cookies it sets. Returns the HTTP status."""
    request = urllib.request.Request(url + "/", headers=cookies.header())
    with _OPENER.open(request, timeout=timeout) as response:
        response.read()
        cookies.update(response.headers.get_all("Set-Cookie") or [])
        return response.status


async def open_stream(url: str, cookies: Cookies, timeout: float, session_id: str | None = None):
    """Open `/_stcore/stream` with the tab's cookies; `session_id` asks Streamlit to resume that session, as the
    browser's reconnect does (the subprotocol list carries "streamlit", an XSRF token, the session id)."""
    import websockets

    protocols = ["streamlit", "no-xsrf", session_id] if session_id else ["streamlit"]
    # proxy=None: loopback only, never through a proxy from the environment.
    ws = await websockets.connect(url.replace("http://", "ws://", 1) + "/_stcore/stream", subprotocols=protocols,
                                  additional_headers=cookies.header(), max_size=None, proxy=None,
                                  open_timeout=timeout, ping_interval=None)
    # The balancer also sets its cookie on the upgrade's response when the request had none (or a dead worker's).
    cookies.update(ws.response.headers.get_all("Set-Cookie"))
    return ws


def rerun_message(query: str, page_hash: str) -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_script_hash = page_hash
    return msg.SerializeToString()


def problems(msg) -> list[str]:
    """Exception elements, error alerts and compile errors in one ForwardMsg."""
    kind = msg.WhichOneof("type")
    if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
        el = msg.delta.new_element
        t = el.WhichOneof("type")
        if t == "exception":
            return [f"exception: {el.exception.type}: {el.exception.message}"]
        if t == "alert" and el.alert.format == el.alert.ERROR:
            return [f"error alert: {el.alert.body}"]
    if kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
        return [f"compile error: {msg.session_event.script_compilation_exception.message}"]
    return []


@dataclass
class StepResult:
    seconds: float
    session_id: str  # Streamlit's session, from new_session: the same id after a reconnect means it was resumed
    problems: list[str]


async def step(ws, query: str, page_hash: str, timeout: float, pages: dict, label: str = "") -> StepResult:
    """One rerun until it finishes. Fills `pages` (url path -> page script hash) from navigation messages."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    t0 = time.perf_counter()
    await ws.send(rerun_message(query, page_hash))
    deadline = t0 + timeout
    session_id, found = "", []
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError(f"{label}: no script_finished within {timeout:.0f} s")
        msg = ForwardMsg()
        msg.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=left))
        found += [f"{label}: {p}" for p in problems(msg)]
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            session_id = msg.new_session.initialize.session_id or session_id
        elif kind == "navigation":
            # The last navigation message is st.navigation's page list (an earlier one can list the pages/ folder).
            pages.clear()
            pages.update({p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages})
        elif kind == "script_finished":
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                found.append(f"{label}: compile error")
                return StepResult(time.perf_counter() - t0, session_id, found)
            if status == ForwardMsg.FINISHED_SUCCESSFULLY:
                return StepResult(time.perf_counter() - t0, session_id, found)
            # FINISHED_EARLY_FOR_RERUN (st.rerun) or a fragment: the view is not complete yet, keep reading


async def open_tab(url: str, cookies: Cookies, timeout: float, session_id: str | None = None):
    """Load the page (keeping its cookies) if the tab has none yet, then open the websocket with them."""
    if not cookies.values:
        await asyncio.to_thread(load_page, url, cookies, timeout)
    return await open_stream(url, cookies, timeout, session_id)
