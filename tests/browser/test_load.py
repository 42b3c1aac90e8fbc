"""Load: 20 concurrent sessions on Streamlit's websocket for 60 s against the app on the fixture store, loopback only.

The client is perf.load (rerun_script per page and filter view, read until script_finished). It asserts zero errors
(no exception element or error alert in any ForwardMsg, no disconnect, no step left unfinished) and prints the p95.
"""

from __future__ import annotations

import json

import pytest

from perf.load import load_test

SESSIONS, SECONDS = 20, 60


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_twenty_sessions_for_a_minute_without_errors(streamlit_server, sample_store):
    url = streamlit_server(script="app.py", env={"KHI_DATA_DIR": str(sample_store)})
    result = load_test(url, sessions=SESSIONS, seconds=SECONDS, think=1.0, step_timeout=120)
    print(f"\nload: {json.dumps({k: v for k, v in result.items() if k != 'per_page'})}")
    assert result["sessions_connected"] == SESSIONS
    assert result["errors"] == 0 and result["disconnects"] == 0, result["error_samples"]
    assert result["steps"] >= SESSIONS  # every session got past its first page at least
    assert result["p95_ms"] is not None
