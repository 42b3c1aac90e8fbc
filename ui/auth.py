"""Sign-in with Streamlit's own OpenID Connect support (st.login / st.user / st.logout).

An organisation points it at its own identity provider with an `[auth]` section in `.streamlit/secrets.toml` (see
`.streamlit/secrets.example.toml` and the README's "Sign-in" section). Without that section sign-in is off:
`configured()` is False, `identity()` is None and `sidebar()` shows nothing, so the dashboard behaves as before.

The interface the rest of the app uses:

- `configured() -> bool`: an `[auth]` section exists (st.user.is_logged_in raises without one, so ask this first).
- `identity() -> Identity | None`: who is signed in, or None when signed out, not configured or expired.
- `sidebar()`: "Sign in", or "Signed in as ..." with "Sign out"; called by every page's start (ui/nav.py).

Streamlit keeps the ID token's claims in a signed cookie for 30 days and never looks at the token's `exp`: this
module does, and treats an identity past its expiry as signed out (the sidebar then offers sign-in again). Who the
person is comes from the provider's verified e-mail (`email` with `email_verified` true, or Entra's `xms_edov`) or,
failing that, the subject (`sub`); a roles table keys on those, never on other claims in the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

import streamlit as st

from kpi.i18n import N_, _
from ui import per_run

SIGN_IN = N_("Sign in")  # the English labels; the buttons show them in the viewer's language
SIGN_OUT = N_("Sign out")


@dataclass(frozen=True)
class Identity:
    """A signed-in person, from the ID token's claims.

    email: the verified e-mail address (lower-cased), or None when the provider did not say it is verified.
    subject: the provider's stable identifier for the person (`sub`), always present.
    name: the display name, if the provider sent one.
    expires_at: when the ID token expires (UTC); after it the person is treated as signed out.
    """

    email: str | None
    subject: str
    name: str | None
    expires_at: datetime

    @property
    def label(self) -> str:
        """How the sidebar names the person: the e-mail, else the name, else the subject."""
        return self.email or self.name or self.subject


@per_run.once
def configured() -> bool:
    """True when `.streamlit/secrets.toml` (or the files in `secrets.files`) has an `[auth]` section."""
    try:
        return bool(st.secrets.load_if_toml_exists()) and isinstance(st.secrets.get("auth"), Mapping)
    except Exception:  # an unreadable secrets file means no sign-in, never a broken page
        return False


def from_claims(claims: Mapping[str, Any], now: datetime | None = None) -> Identity | None:
    """The identity in an ID token's claims (as st.user holds them), or None if it has no subject, no expiry or
    has expired. `now` is for tests; it defaults to the current time."""
    now = now or datetime.now(timezone.utc)
    subject = claims.get("sub")
    exp = claims.get("exp")
    if not isinstance(subject, str) or not subject:
        return None
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        return None  # an ID token always carries exp (OIDC Core 2); without it we cannot honour expiry
    expires_at = datetime.fromtimestamp(exp, timezone.utc)
    if expires_at <= now:
        return None
    email = claims.get("email")
    # email_verified (OIDC), or Microsoft Entra's optional claim xms_edov ("email domain owner verified"), since
    # Entra's ID tokens carry no email_verified; "true" as a string too, as some providers send it.
    verified = any(claims.get(key) is True or str(claims.get(key)).lower() == "true"
                   for key in ("email_verified", "xms_edov"))
    name = claims.get("name")
    return Identity(
        email=email.strip().lower() if isinstance(email, str) and email.strip() and verified else None,
        subject=subject,
        name=name if isinstance(name, str) and name else None,
        expires_at=expires_at,
    )


def _plain(text: str) -> str:
    """Text from the provider shown literally: markdown's special characters escaped (a name is not markup). An
    e-mail address still shows as a mailto: link (Streamlit's markdown links it whatever the escaping)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()<>#+-.!|~$:" else ch for ch in text)


def _claims() -> dict[str, Any] | None:
    """st.user's claims when someone is signed in (expired or not), else None."""
    if not configured():
        return None
    user = st.user
    if not user.get("is_logged_in"):
        return None
    return {key: user.get(key) for key in user}


def identity() -> Identity | None:
    """Who is signed in: None when sign-in is not configured, nobody is signed in, or the ID token has expired."""
    claims = _claims()
    return None if claims is None else from_claims(claims)


def sidebar() -> None:
    """The sidebar's sign-in block: nothing when sign-in is off; "Sign in"; or "Signed in as ..." and "Sign out"."""
    claims = _claims()
    if claims is None and not configured():
        return
    who = None if claims is None else from_claims(claims)
    with st.sidebar:
        if who is not None:
            # Not a caption: its 60% grey would take the e-mail link (markdown links it) below 4.5:1 contrast.
            st.markdown(_("Signed in as **{who}**").format(who=_plain(who.label)))
            if st.button(_(SIGN_OUT), key="khi_sign_out", icon=":material/logout:"):
                st.logout()
            return
        if claims is not None:
            st.caption(_("Your sign-in has expired. Sign in again to continue."))
        if st.button(_(SIGN_IN), key="khi_sign_in", icon=":material/login:", type="primary"):
            st.login()
