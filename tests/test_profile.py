"""perf.profile on the fixture store: a page's warm script run is split into kpi calls, figures, Plotly JSON, Arrow,
downloads and the rest, and the parts are measured inside the run (they add up to no more than it)."""

from __future__ import annotations

import pytest

from perf.profile import profile_pages, table


@pytest.mark.timeout(300)
def test_the_overview_breakdown_counts_its_charts_and_stays_inside_the_script_run(sample_store):
    result = profile_pages(sample_store, repeat=2, top=5, only=["overview"])
    page = result["pages"]["pages/overview.py"]
    assert page["exceptions"] == []
    warm = page["warm"]
    assert warm["charts"] >= 1  # the Overview draws Plotly charts: each went through plotly.io.to_json
    assert warm["figures"] > 0 and warm["plotly_json"] > 0 and warm["kpi"] > 0
    parts = sum(warm[c] for c in ("kpi", "figures", "downloads", "plotly_json", "arrow"))
    assert parts <= warm["script"] + 0.5  # rounding to 0.1 ms per part
    assert warm["computed"] == 0  # warm: every kpi call was answered by ui.data's cache
    assert page["top_own_time"] and "Overview" in table(result)
