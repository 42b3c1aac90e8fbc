"""Answers that cannot change during one script run, worked out once per run instead of once per block.

A page view asked the same questions dozens of times: is sign-in configured (a parse of the secrets), which store
version this session reads (two `stat`s), what the store says about itself, the viewer's scope, the session's
language (hundreds of times, once per translated string). py-spy on a warm server put 15-20% of a script run there.

app.py opens a run's memo after the language is settled and closes it when the page has run; outside a run (the
callbacks Streamlit runs before the next one, a download made on click, tests calling ui functions directly) nothing
is remembered. The memo is the script thread's own, so sessions never share it. Whatever changes an answer during a
run calls `forget()` (ui.data.read_latest does).
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_local = threading.local()


def begin() -> None:
    _local.memo = {}


def end() -> None:
    _local.memo = None


def forget() -> None:
    """Drop what this run remembered (an answer it depends on just changed)."""
    if getattr(_local, "memo", None) is not None:
        _local.memo = {}


def once(fn: F) -> F:
    """Remember `fn`'s answer for the rest of the run (keyed by its arguments, which must be hashable)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        memo = getattr(_local, "memo", None)
        if memo is None:
            return fn(*args, **kwargs)
        key = (fn, args, tuple(sorted(kwargs.items())))
        try:
            return memo[key]
        except KeyError:
            memo[key] = value = fn(*args, **kwargs)
            return value

    return wrapper  # type: ignore[return-value]
