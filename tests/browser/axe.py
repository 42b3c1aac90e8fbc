"""axe-core in a Playwright page: the serious and critical violations, for test_accessibility.py and the signed-in
pages' tests (test_upload.py, test_sign_in.py).

axe-core is the npm package pinned in package.json / package-lock.json (scripts/test.sh runs `npm ci` when
node_modules/axe-core is missing). Exclusions are by rule id AND selector, each with the reason; nothing is ignored
wholesale.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")

# (rule id, CSS selector of the node axe reports, why it cannot be fixed from the app). Keep each one narrow.
EXCLUSIONS: tuple[tuple[str, str, str], ...] = ()


def _excluded(rule: str, target: list) -> bool:
    selector = " ".join(str(t) for t in target)
    return any(rule == r and selector == s for r, s, _ in EXCLUSIONS)


def serious_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now; the serious and critical problems, each with where and why."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` at the repository root (scripts/test.sh does it)",
                    pytrace=False)
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    failing = []
    for v in results["violations"]:
        for node in v["nodes"]:
            impact = node.get("impact") or v.get("impact")
            if impact in FAILING_IMPACTS and not _excluded(v["id"], node["target"]):
                failing.append({"rule": v["id"], "impact": impact, "help": v["help"], "target": node["target"],
                                "html": node["html"][:300], "summary": node.get("failureSummary", "")[:400]})
    return failing
