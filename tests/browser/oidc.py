"""A real OpenID Connect provider and a signed-in dashboard for browser tests (import the fixtures you use).

- `oidc_provider` (session): PyPI's oidc-provider-mock on a free loopback port, in this process
  (`run_server_in_thread`). `oidc_provider.put_user(sub, claims)` sets the claims its ID tokens carry for that subject
  (`PUT /users/{sub}`); a claim `exp` overrides the token's expiry, which is how a short-lived token is made.
- `signin_app` (module): the dashboard with an `[auth]` section pointing at that provider, from a secrets file of its
  own (`STREAMLIT_SECRETS_FILES`, Streamlit's `secrets.files` option), never the developer's .streamlit/secrets.toml.
  It is reached through `Forwarder`, a loopback TCP forwarder standing in for a sticky balancer, so a test can start a
  second process with the same secrets and move the browser onto it. `signin_app.url` is the address to open.
- `sign_in(page, url, sub)`: press "Sign in", type the subject on the provider's authorize page, come back.

Without oidc-provider-mock the tests skip, except under CI=true, where they fail (the browser harness's rule).
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import threading
import urllib.request
from dataclasses import dataclass, field

import pytest

from .conftest import APP_TIMEOUT_MS, running_under_ci, wait_for_app

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
SIDEBAR = '[data-testid="stSidebar"]'


@dataclass
class Provider:
    url: str  # http://localhost:PORT

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def put_user(self, sub: str, claims: dict) -> None:
        """Set the claims of `sub`'s next ID tokens (email, email_verified, name, or exp to shorten its life)."""
        request = urllib.request.Request(f"{self.url}/users/{sub}", data=json.dumps(claims).encode(), method="PUT",
                                         headers={"Content-Type": "application/json"})
        with _NO_PROXY.open(request, timeout=10) as response:
            assert response.status == 204, response.status


def provider_server():
    """oidc-provider-mock's `run_server_in_thread`; when the package is missing the test skips, or fails under CI."""
    try:
        from oidc_provider_mock import run_server_in_thread
    except ImportError as exc:
        reason = f"oidc-provider-mock is not importable ({exc})"
        if running_under_ci():
            pytest.fail(f"{reason} (CI=true: a missing provider fails the run, it never skips)", pytrace=False)
        pytest.skip(f"{reason}; install it with `bash scripts/test.sh` (requirements-dev.txt)")
    return run_server_in_thread


@pytest.fixture(scope="session")
def oidc_provider():
    with provider_server()(port=0) as server:  # binds localhost (loopback) on a free port
        yield Provider(f"http://localhost:{server.server_port}")


class Forwarder:
    """Loopback TCP forwarding from one public port to whichever backend port is current (a stand-in for a sticky
    balancer: the app's redirect URI and cookies name this port, whichever process serves it)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.backend: int | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def switch(self, backend_port: int) -> None:
        """Send new connections to `backend_port`, and close the open ones (the browser reconnects)."""
        with self._lock:
            self.backend = backend_port
            for sock in self._open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._open.clear()

    def close(self) -> None:
        self._listener.close()
        self.switch(0)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.backend), timeout=10)
                upstream.settimeout(None)
            except (OSError, TypeError):
                client.close()
                continue
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            try:
                sink.shutdown(socket.SHUT_WR)
            except OSError:
                pass


@dataclass
class SigninApp:
    url: str  # what the browser opens: the forwarder
    forwarder: Forwarder
    env: dict = field(default_factory=dict)  # how the first process was started (for starting another like it)
    backends: dict = field(default_factory=dict)  # name -> backend URL
    access: str = ""  # the roles table's folder (KHI_ACCESS_DIR) the app reads


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def start_signin_app(streamlit_server, oidc_provider, store_dir, folder):
    """The dashboard over `store_dir` with sign-in through `oidc_provider`, behind a Forwarder; its secrets file and
    access folder (roles table, audit log) in `folder`. Returns (SigninApp, the Forwarder to close)."""
    forwarder = Forwarder()
    public = f"http://127.0.0.1:{forwarder.port}"
    path = folder / "secrets.toml"
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "{public}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "khi-dashboard"\n'
        'client_secret = "test-secret"\n'
        f'server_metadata_url = "{oidc_provider.metadata_url}"\n'
    )
    access = str(folder / "access")
    env = {"KHI_DATA_DIR": str(store_dir), "STREAMLIT_SECRETS_FILES": str(path), "KHI_ACCESS_DIR": access,
           "NO_PROXY": "127.0.0.1,localhost", "KHI_TEST_PROCESS": "a"}
    first = streamlit_server("app.py", env=env)
    forwarder.switch(_port(first))
    return SigninApp(url=public, forwarder=forwarder, env=env, backends={"a": first}, access=access), forwarder


@pytest.fixture(scope="module")
def signin_app(streamlit_server, oidc_provider, sample_store, tmp_path_factory):
    app, forwarder = start_signin_app(streamlit_server, oidc_provider, sample_store,
                                      tmp_path_factory.mktemp("signin"))
    try:
        yield app
    finally:
        forwarder.close()


def sign_in(page, url: str, sub: str) -> None:
    """From a dashboard page: "Sign in", the provider's authorize page as `sub`, and back at the dashboard."""
    page.locator(SIDEBAR).get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/oauth2/authorize\?"), timeout=APP_TIMEOUT_MS)
    page.locator('input[name="sub"]').fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**", timeout=APP_TIMEOUT_MS)
    wait_for_app(page, charts=False)
