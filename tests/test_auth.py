"""ui.auth at unit level: who an ID token's claims name, expiry, and the sidebar block in each state.

The real sign-in (the provider's redirect flow, the cookie, reload, sign-out, a token expiring) is driven in a browser
by tests/browser/test_sign_in.py. Here the sidebar's states are checked with AppTest's seeded `at.user`, which is the
one place claims are put in by hand: these tests are about what the app does with claims, not how they arrive.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui import auth

APP = str(Path(__file__).resolve().parent.parent / "app.py")
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "khi",
        "client_secret": "s", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def claims(**extra):
    return {"sub": "user-1", "exp": int((NOW + timedelta(hours=1)).timestamp()), **extra}


def test_a_verified_email_names_the_person_lower_cased():
    who = auth.from_claims(claims(email="Ana@Example.org", email_verified=True, name="Ana"), now=NOW)
    assert who == auth.Identity(email="ana@example.org", subject="user-1", name="Ana",
                                expires_at=NOW + timedelta(hours=1))
    assert who.label == "ana@example.org"


def test_an_unverified_email_is_not_an_identity_the_subject_is():
    for verified in (None, False, "false"):
        extra = {} if verified is None else {"email_verified": verified}
        who = auth.from_claims(claims(email="ana@example.org", **extra), now=NOW)
        assert who.email is None and who.subject == "user-1"
    assert auth.from_claims(claims(email="ana@example.org", email_verified="true"), now=NOW).email == "ana@example.org"
    assert auth.from_claims(claims(email="ana@example.org", xms_edov=True), now=NOW).email == "ana@example.org"
    assert auth.from_claims(claims(), now=NOW).label == "user-1"
    assert auth.from_claims(claims(name="Ana"), now=NOW).label == "Ana"


def test_expired_or_incomplete_claims_are_signed_out():
    assert auth.from_claims(claims(exp=int(NOW.timestamp())), now=NOW) is None  # expiry is exclusive
    assert auth.from_claims(claims(exp=int(NOW.timestamp()) - 1), now=NOW) is None
    assert auth.from_claims(claims(exp=int(NOW.timestamp()) + 1), now=NOW) is not None
    assert auth.from_claims({"sub": "user-1"}, now=NOW) is None  # no exp: expiry cannot be honoured
    assert auth.from_claims(claims(exp="soon"), now=NOW) is None
    assert auth.from_claims(claims(exp=True), now=NOW) is None
    assert auth.from_claims(claims(sub=""), now=NOW) is None
    assert auth.from_claims({"exp": claims()["exp"]}, now=NOW) is None


def test_the_identity_is_frozen():
    who = auth.from_claims(claims(), now=NOW)
    try:
        who.subject = "someone-else"
    except AttributeError:
        return
    raise AssertionError("Identity must be immutable")


def _sidebar_app():
    from ui import auth as sign_in

    sign_in.sidebar()
    who = sign_in.identity()
    import streamlit as st

    st.text(f"identity={who.label if who else None} configured={sign_in.configured()}")


def run_sidebar(secrets: dict, user: dict | None = None) -> AppTest:
    at = AppTest.from_function(_sidebar_app, default_timeout=30)
    at.secrets.update(secrets)
    if user is not None:
        at.user = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.sidebar.button]


def test_without_an_auth_section_there_is_no_sign_in_at_all():
    at = run_sidebar({"something_else": "1"})  # a secrets file without [auth]
    assert buttons(at) == []
    assert at.text[0].value == "identity=None configured=False"


def test_signed_out_shows_sign_in():
    at = run_sidebar({"auth": AUTH}, {"is_logged_in": False})
    assert buttons(at) == [auth.SIGN_IN]
    assert at.text[0].value == "identity=None configured=True"


def test_signed_in_shows_who_and_sign_out():
    exp = int((datetime.now(timezone.utc) + timedelta(minutes=5)).timestamp())
    at = run_sidebar({"auth": AUTH}, {"is_logged_in": True, "sub": "s1", "exp": exp, "email": "a_b@example.org",
                                      "email_verified": True})
    assert buttons(at) == [auth.SIGN_OUT]
    assert "Signed in as" in at.sidebar.markdown[0].value and "a\\_b@example\\.org" in at.sidebar.markdown[0].value
    assert at.text[0].value == "identity=a_b@example.org configured=True"


def test_an_expired_sign_in_is_signed_out_and_offers_sign_in_again():
    exp = int((datetime.now(timezone.utc) - timedelta(seconds=1)).timestamp())
    at = run_sidebar({"auth": AUTH}, {"is_logged_in": True, "sub": "s1", "exp": exp, "email": "a@example.org",
                                      "email_verified": True})
    assert buttons(at) == [auth.SIGN_IN]
    assert "expired" in at.sidebar.caption[0].value
    assert at.text[0].value == "identity=None configured=True"


def test_the_dashboard_without_auth_has_no_sign_in(sample_env):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["khi_test"] = "no [auth] section"  # stands in for the developer's own secrets file, if any
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert auth.SIGN_IN not in buttons(at) and auth.SIGN_OUT not in buttons(at)
