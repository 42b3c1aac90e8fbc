"""ui.per_run: answers worked out once per script run, never across runs or outside one."""

from __future__ import annotations

import threading

from ui import per_run

calls: list[tuple] = []


@per_run.once
def _answer(x, *, y=0):
    calls.append((x, y))
    return [x, y]


def test_inside_a_run_each_question_is_answered_once():
    calls.clear()
    per_run.begin()
    try:
        first = _answer(1)
        assert _answer(1) is first
        assert _answer(1, y=2) == [1, 2] and _answer(2) == [2, 0]  # other arguments, other answers
        assert calls == [(1, 0), (1, 2), (2, 0)]
        per_run.forget()
        assert _answer(1) is not first, "forgotten when what it depends on changed"
    finally:
        per_run.end()
    assert len(calls) == 4


def test_outside_a_run_and_in_the_next_run_nothing_is_remembered():
    calls.clear()
    _answer(1), _answer(1)
    assert len(calls) == 2
    per_run.begin()
    _answer(1)
    per_run.end()
    per_run.begin()
    _answer(1)
    per_run.end()
    assert len(calls) == 4


def test_another_thread_never_sees_this_runs_answers():
    calls.clear()
    per_run.begin()
    try:
        _answer(1)
        other = threading.Thread(target=lambda: (per_run.begin(), _answer(1), per_run.end()))
        other.start()
        other.join()
        _answer(1)
    finally:
        per_run.end()
    assert calls == [(1, 0), (1, 0)]
