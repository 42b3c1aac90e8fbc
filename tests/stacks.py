"""The serving stack (scripts/serve.sh through perf.stack) for a module's tests: tests/test_stack.py and
tests/browser/test_stack.py share it (a helper module, like tests/scopes.py)."""

from __future__ import annotations

import contextlib

import pytest

from perf.stack import haproxy_missing, start_stack, stop_stack
from tests.browser.conftest import running_under_ci


@contextlib.contextmanager
def running_stack(store, folder, workers: int = 2, warm_budget: int | None = None):
    """HAProxy and `workers` workers over `store` (warmed for up to `warm_budget` seconds each before it is
    returned, when given), stopped afterwards. Without haproxy the tests skip, except under
    CI=true, where they fail (the browser harness's rule)."""
    missing = haproxy_missing()
    if missing:
        if running_under_ci():
            pytest.fail(f"{missing} (CI=true: a missing haproxy fails the run, it never skips)", pytrace=False)
        pytest.skip(missing)
    s = start_stack(store, workers, folder, warm=warm_budget is not None, warm_budget=warm_budget)
    try:
        yield s
    finally:
        stop_stack(s)
