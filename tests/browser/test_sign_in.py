"""Sign-in through a real OpenID Connect provider (oidc-provider-mock on loopback) in chromium, never faking st.user.

The provider's authorize page is filled in as a person would; Streamlit exchanges the code, checks the ID token and
sets its cookie; the dashboard shows who is signed in. Also: a reload keeps the session, "Sign out" ends it, a token
past its expiry counts as signed out, and a second server process with the same cookie secret accepts the sign-in
(even a sign-in started on one process and finished on the other).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpi.data import audit, store, users
from ui.nav import NOT_AVAILABLE

from .axe import serious_violations
from .conftest import DOWNLOAD_TIMEOUT_MS
from .oidc import SIDEBAR, oidc_provider, provider_server, sign_in, signin_app  # noqa: F401  (fixtures)

ANA = {"email": "ana@example.org", "email_verified": True, "name": "Ana Analyst"}


def open_app(page, url, wait_for_app):
    """The definitions page: the lightest (sign-in and sign-out themselves come back to the overview)."""
    page.goto(f"{url}/definitions")
    wait_for_app(page, charts=False)


def user_cookie(page):
    return [c for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]


def test_sign_in_reload_and_sign_out(page, signin_app, oidc_provider, wait_for_app, assert_no_exception,
                                     save_screenshot):
    oidc_provider.put_user("ana", ANA)
    open_app(page, signin_app.url, wait_for_app)
    sidebar = page.locator(SIDEBAR)
    expect(sidebar.get_by_role("button", name="Sign in")).to_be_visible()
    expect(sidebar).not_to_contain_text("Signed in as")

    sign_in(page, signin_app.url, "ana")
    expect(sidebar).to_contain_text("Signed in as ana@example.org")
    assert user_cookie(page)
    assert_no_exception(page)
    save_screenshot(page, "sign-in-signed-in")

    open_app(page, signin_app.url, wait_for_app)  # another page, another session: still signed in
    page.reload()
    wait_for_app(page, charts=False)
    expect(sidebar).to_contain_text("Signed in as ana@example.org")

    sidebar.get_by_role("button", name="Sign out").click()
    # Streamlit clears its cookie and sends the browser to the provider's end-session page, which comes back.
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{signin_app.url}/**")
    wait_for_app(page, charts=False)
    expect(sidebar.get_by_role("button", name="Sign in")).to_be_visible()
    expect(sidebar).not_to_contain_text("Signed in as")
    assert not user_cookie(page)
    assert_no_exception(page)


def test_an_expired_token_is_signed_out(page, signin_app, oidc_provider, wait_for_app, assert_no_exception):
    open_app(page, signin_app.url, wait_for_app)
    # The provider puts this `exp` in the ID token: a token that lives 40 seconds, time enough to see it signed in
    # on a busy machine. (At the callback Authlib allows 120 s of clock skew; afterwards only the app checks exp.)
    expires = int(time.time()) + 40
    oidc_provider.put_user("brief", {**ANA, "email": "brief@example.org", "exp": expires})
    sign_in(page, signin_app.url, "brief")
    sidebar = page.locator(SIDEBAR)
    expect(sidebar).to_contain_text("Signed in as brief@example.org")

    open_app(page, signin_app.url, wait_for_app)
    time.sleep(max(0.0, expires + 1 - time.time()))
    page.reload()  # Streamlit still holds the cookie (it never checks exp); the app must not accept it
    wait_for_app(page, charts=False)
    expect(sidebar).to_contain_text("Your sign-in has expired")
    expect(sidebar).not_to_contain_text("Signed in as")
    expect(sidebar.get_by_role("button", name="Sign in")).to_be_visible()
    assert_no_exception(page)


def test_a_second_process_with_the_same_secret_accepts_the_sign_in(page, signin_app, oidc_provider, streamlit_server,
                                                                   wait_for_app):
    second = streamlit_server("app.py", env={**signin_app.env, "KHI_TEST_PROCESS": "b"})
    first = signin_app.backends["a"]
    port = lambda url: int(url.rsplit(":", 1)[1])  # noqa: E731
    oidc_provider.put_user("ana", ANA)
    open_app(page, signin_app.url, wait_for_app)
    sidebar = page.locator(SIDEBAR)
    try:
        # The sign-in starts on the first process and its callback lands on the second.
        sidebar.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/oauth2/authorize?**")
        signin_app.forwarder.switch(port(second))
        page.locator('input[name="sub"]').fill("ana")
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(f"{signin_app.url}/**")
        wait_for_app(page, charts=False)
        expect(sidebar).to_contain_text("Signed in as ana@example.org")

        signin_app.forwarder.switch(port(first))  # and the first process accepts the cookie the second set
        open_app(page, signin_app.url, wait_for_app)
        wait_for_app(page, charts=False)
        expect(sidebar).to_contain_text("Signed in as ana@example.org")
    finally:
        signin_app.forwarder.switch(port(first))


def test_a_missing_provider_skips_but_fails_under_ci(monkeypatch):
    monkeypatch.setitem(sys.modules, "oidc_provider_mock", None)  # `import oidc_provider_mock` now raises
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="never skips"):
        provider_server()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        provider_server()


def test_a_hub_signed_in_sees_its_region_schemes_and_signed_out_sees_none(
        page, signin_app, oidc_provider, sample_store, wait_for_app, assert_no_exception, save_screenshot):
    schemes = store.read_table(sample_store, "schemes").to_pandas()
    north_west = set(schemes.loc[schemes["area_code"] == "E12000002", "scheme_name"])
    elsewhere = set(schemes.loc[schemes["area_code"] != "E12000002", "scheme_name"])
    users.add(signin_app.access, "hari@example.org", "hub", regions=["E12000002"], by="test")
    oidc_provider.put_user("hari", {"email": "hari@example.org", "email_verified": True, "name": "Hari Hub"})
    compare = f"{signin_app.url}/compare?level=scheme&metric=connected_positive"

    page.goto(compare)  # signed out: a tampered link to scheme figures shows none of them
    wait_for_app(page, charts=False)
    expect(page.get_by_text(NOT_AVAILABLE).first).to_be_visible()
    html = page.content()
    assert not [name for name in north_west | elsewhere if name in html]

    open_app(page, signin_app.url, wait_for_app)
    sign_in(page, signin_app.url, "hari")
    page.goto(compare)
    wait_for_app(page)
    assert_no_exception(page)
    save_screenshot(page, "compare-signed-in-hub")
    html = page.content()
    assert [name for name in north_west if name in html], "the hub sees its region's schemes"
    assert not [name for name in elsewhere if name in html], "and no other region's"
    log = audit.read(signin_app.access, who="hari@example.org")
    assert log and any("scheme" in r["by"] for r in log), "the hub's views of scheme figures are in the audit log"


ROLES = [  # sub, role, what they were given, which schemes' names the Compare page's scheme level may show
    ("amb", "ambassador", {}, "none"),
    ("mgr", "scheme_manager", {"schemes": "first North West"}, "own"),
    ("ana2", "analyst", {}, "all"),
]


@pytest.mark.parametrize("sub, role, given, sees", ROLES, ids=[r[1] for r in ROLES])
def test_each_role_sees_the_schemes_its_scope_allows(page, signin_app, oidc_provider, sample_store, wait_for_app,
                                                      assert_no_exception, sub, role, given, sees):
    schemes = store.read_table(sample_store, "schemes").to_pandas().sort_values("scheme_id")
    own = schemes[schemes["area_code"] == "E12000002"].iloc[0]
    email = f"{sub}@example.org"
    users.add(signin_app.access, email, role, schemes=[own["scheme_id"]] if given else (), by="test")
    oidc_provider.put_user(sub, {"email": email, "email_verified": True})
    open_app(page, signin_app.url, wait_for_app)
    sign_in(page, signin_app.url, sub)
    shown = set()
    for section in ("", "&section=funnel", "&section=similar"):  # each tab of the page (only the open one is built)
        page.goto(f"{signin_app.url}/compare?level=scheme&metric=connected_positive{section}")
        wait_for_app(page, charts=sees != "none")
        assert_no_exception(page)
        expect(page.locator(SIDEBAR)).not_to_contain_text("Access and audit")  # the admin page is for admins only
        html = page.content()
        # "North West 1" must not match inside "North West 10"
        shown |= {name for name in schemes["scheme_name"] if re.search(re.escape(name) + r"(?!\d)", html)}
    if sees == "none":
        expect(page.get_by_text(NOT_AVAILABLE).first).to_be_visible()
        assert not shown
    elif sees == "own":
        assert shown == {own["scheme_name"]}
    else:  # schemes of several regions on one page (the funnel's named outliers): no region restriction
        assert len({a for a, n in zip(schemes["area_code"], schemes["scheme_name"]) if n in shown}) > 1


def test_an_admin_manages_access_and_reads_a_download_in_the_audit_log(
        page, signin_app, oidc_provider, wait_for_app, assert_no_exception, save_screenshot):
    users.add(signin_app.access, "root@example.org", "admin", by="test")
    oidc_provider.put_user("root", {"email": "root@example.org", "email_verified": True, "name": "Ro Admin"})
    open_app(page, signin_app.url, wait_for_app)
    sidebar = page.locator(SIDEBAR)
    expect(sidebar).not_to_contain_text("Access and audit")  # signed out
    page.goto(f"{signin_app.url}/admin")  # a typed URL shows nothing of it
    wait_for_app(page, charts=False)
    expect(page.get_by_role("heading", name="Access and audit")).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_be_visible()  # Streamlit's own notice, then the overview

    open_app(page, signin_app.url, wait_for_app)
    sign_in(page, signin_app.url, "root")
    expect(sidebar).to_contain_text("Access and audit")
    page.goto(f"{signin_app.url}/compare?level=scheme&metric=connected_positive")
    wait_for_app(page)
    button = page.get_by_role("button", name="Download CSV").first
    expect(button).to_be_enabled(timeout=60_000)  # under load the page may still be rerunning
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as got:
        button.click()
    # Scheme-level figures: the export's areas are schemes (a metadata block, then Fingertips-like columns)
    assert ",Scheme," in Path(got.value.path()).read_text(encoding="utf-8-sig")
    page.wait_for_timeout(500)  # the click's callback writes the log line on the server
    assert [r for r in audit.read(signin_app.access, who="root@example.org")
            if r["action"] == "download" and r["format"] == "csv" and "scheme" in r["by"]]

    page.goto(f"{signin_app.url}/admin")
    wait_for_app(page, charts=False)
    expect(page.get_by_role("heading", name="Access and audit")).to_be_visible()
    assert_no_exception(page)
    save_screenshot(page, "admin-access-and-audit")
    assert not serious_violations(page), "axe-core: the Access and audit page"
    page.get_by_label("E-mail address (or sub: and the provider's subject)").fill("new.hub@example.org")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Added new.hub@example.org")).to_be_visible()
    assert users.load(signin_app.access)["new.hub@example.org"].changed_by == "root@example.org"
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as got:
        page.get_by_role("button", name="Download the audit log (CSV)").click()
    log = Path(got.value.path()).read_text(encoding="utf-8-sig")
    assert "root@example.org" in log and "download" in log
