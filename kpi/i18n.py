"""Welsh and English: the language of the current session or command, and its words.

One translator per session, never gettext's process-wide `install()`: every viewer shares one Streamlit process.
The language is looked up on each call, in this order: `using(lang)` (the command line, tests, a builder that
renders in a given language), then the hook the dashboard sets (`set_session_hook`: the viewer's own choice, kept
in their session), then English.

Words are marked in the code with `_("...")` (a sentence, with named `{placeholders}` filled by `.format` after
translation) and `ngettext(singular, plural, n)`; words kept in a constant are marked with `N_("...")` and
translated where they are shown (`_(CONSTANT)`). `python -m kpi.translations` extracts them with Babel into
`kpi/locale/messages.pot` and keeps `kpi/locale/cy/LC_MESSAGES/messages.po` in step. The Welsh catalogue is read
straight from the .po (no compiled .mo to forget), fuzzy entries included: every Welsh string is marked fuzzy
("needs review by a Welsh speaker") until someone who speaks Welsh has checked it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import gettext as _gettext
import io
from pathlib import Path
from typing import Callable, Iterator

LANGUAGES = {"en": "English", "cy": "Cymraeg"}  # code -> the language's own name (what the switch shows)
DEFAULT = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

_forced: contextvars.ContextVar[str | None] = contextvars.ContextVar("khi_language", default=None)
_session_hook: Callable[[], str | None] | None = None

__all__ = ["LANGUAGES", "DEFAULT", "lang", "using", "set_session_hook", "parse", "_", "gettext", "ngettext",
           "pgettext", "N_", "number", "date_text", "month_year", "welsh"]


def parse(raw) -> str | None:
    """A language code from a URL or command line ('cy', 'CY', 'cy-GB'), or None when it is not one we offer."""
    code = str(raw or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def set_session_hook(hook: Callable[[], str | None] | None) -> None:
    """The dashboard's way of saying which language the viewer running this code chose (it reads their session,
    so it is the same function for every viewer but answers for each)."""
    global _session_hook
    _session_hook = hook


def lang() -> str:
    """The language to write in now: 'en' or 'cy'."""
    forced = _forced.get()
    if forced:
        return forced
    if _session_hook is not None:
        chosen = parse(_session_hook())
        if chosen:
            return chosen
    return DEFAULT


def welsh() -> bool:
    return lang() == "cy"


@contextlib.contextmanager
def using(language: str | None) -> Iterator[str]:
    """Write in `language` inside the block (None or '' keeps the current one)."""
    code = parse(language) if language else lang()
    if code is None:
        raise ValueError(f"language {language!r} is not offered: use one of {', '.join(LANGUAGES)}")
    token = _forced.set(code)
    try:
        yield code
    finally:
        _forced.reset(token)


@functools.cache
def translations(language: str) -> _gettext.NullTranslations:
    """The catalogue of a language, read from its .po once per process (fuzzy entries included, see the module)."""
    if language == DEFAULT:
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as fh:
        catalog = read_po(fh, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=True)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext(message: str) -> str:
    """`message` in the current language (itself when there is no translation)."""
    return translations(lang()).gettext(message) if message else message


_ = gettext


def ngettext(singular: str, plural: str, n) -> str:
    """The form for `n` (Welsh has six: zero, one, two, few, many, other)."""
    return translations(lang()).ngettext(singular, plural, int(n))


def pgettext(context: str, message: str) -> str:
    """`message` translated in a context, for a short word that reads differently in two places."""
    return translations(lang()).pgettext(context, message)


def N_(message: str) -> str:
    """Marks words kept in a constant for extraction; translate them where they are shown: `_(CONSTANT)`."""
    return message


def number(x, digits: int = 0) -> str:
    """A number with thousands separators in the current language's way ('12,345', '87.5')."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(x, format=pattern, locale=_locale())


def date_text(day: dt.date) -> str:
    """'2 May 2026' / '2 Mai 2026'."""
    from babel.dates import format_date

    return format_date(day, "d MMMM y", locale=_locale())


def month_year(day: dt.date) -> str:
    """'May 2026' / 'Mai 2026'."""
    from babel.dates import format_date

    return format_date(day, "LLLL y", locale=_locale())


def _locale() -> str:
    return "cy_GB" if lang() == "cy" else "en_GB"
