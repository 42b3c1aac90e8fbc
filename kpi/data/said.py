"""Messages made once and shown later, in whatever language the reader has then.

An ingest report, a refusal or a stored reason is made in English (the quarantine files, the JSON report and the
command line's output keep it byte for byte), but the upload page shows it to a viewer who may read Welsh, perhaps
after switching language. So such a message is a `Said`: a str holding the English text, which also remembers its
msgid and values; `say(message)` translates it at display time (`kpi.i18n`, the current language), values that are
themselves `Said` included. A plain str passes through `say` unchanged.

Mark msgids for extraction where they are written: `Said(N_("{path}: no such file"), path=p)`;
`Said.ngettext("{n} row", "{n} rows", n)` is found as it is.
"""

from __future__ import annotations

from typing import Any, Iterable

from kpi import i18n

__all__ = ["Said", "say", "message"]


class Said(str):
    """English text that can be said again in the current language (`say`). Compares, prints, formats and
    serialises as the English str it is."""

    def __new__(cls, msgid: str, /, **params: Any) -> "Said":
        return cls._make(msgid.format(**params), (msgid, None, None, params, None, None))

    @classmethod
    def ngettext(cls, singular: str, plural: str, n: int, /, **params: Any) -> "Said":
        """A message with a count: `n` fills {n} unless given as a param, and picks the form. Named ngettext so
        that extraction (kpi.translations) finds both forms."""
        params = {"n": n, **params}
        return cls._make((singular if n == 1 else plural).format(**params), (singular, plural, n, params, None, None))

    @classmethod
    def join(cls, sep: str, items: Iterable[str]) -> "Said":
        """Messages one after another with a separator (punctuation, not words: it is not translated)."""
        items = list(items)
        return cls._make(sep.join(items), (None, None, None, {}, sep, items))

    @classmethod
    def _make(cls, english: str, how: tuple) -> "Said":
        made = super().__new__(cls, english)
        made._how = how
        return made

    def __reduce__(self):  # copy and pickle rebuild the same message, not a str re-read as a msgid
        return _rebuild, (str(self), self._how)

    def say(self) -> str:
        msgid, plural, n, params, sep, items = self._how
        if sep is not None:
            return sep.join(say(i) for i in items)
        values = {k: say(v) for k, v in params.items()}
        template = i18n.gettext(msgid) if plural is None else i18n.ngettext(msgid, plural, n)
        return template.format(**values)


def _rebuild(english: str, how: tuple) -> Said:
    return Said._make(english, how)


def say(message: Any) -> Any:
    """A message (or an exception carrying one) in the current language; anything else as it is."""
    if isinstance(message, Said):
        return message.say()
    if isinstance(message, BaseException):
        args = message.args
        return say(args[0]) if len(args) == 1 and isinstance(args[0], Said) else str(message)
    return message


def message(error: BaseException) -> str:
    """The message an exception carries: its `Said` (to be said again later), else its text."""
    args = error.args
    return args[0] if len(args) == 1 and isinstance(args[0], Said) else str(error)
