"""The registry is the one definition of every KHI: it is valid, complete, documented and listed by the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kpi.metrics import definitions, registry
from kpi.data import schema
from kpi.cli import main

REPO = Path(__file__).resolve().parent.parent


def test_registry_is_valid():
    assert registry.validate() == []


@pytest.mark.parametrize(
    "broken, problem",
    [
        (dict(id="connected_positive"), "duplicate id"),
        (dict(direction="sideways"), "direction 'sideways'"),
        (dict(theme="weather"), "theme 'weather'"),
        (dict(source="impact_happiness"), "not a responses column"),
        (dict(numerator=("great",)), "answer 'great' is not in impact_connected's allowed values"),
        (dict(denominator=("positive", "none", "negative", "not_applicable")), "not_applicable must be left out"),
        (dict(numerator=("negative",), denominator=("positive", "none")), "numerator answers must be part"),
        (dict(kind="ratio"), "kind 'ratio'"),
        (dict(sentence="No placeholder here"), "no {share} or {value} placeholder"),
    ],
)
def test_validation_names_each_problem(broken, problem):
    from dataclasses import replace

    bad = replace(registry.get("connected_positive"), **{"id": "x", **broken})
    found = registry.validate((*registry.REGISTRY, bad) if broken.get("id") else (bad,))
    assert any(problem in p for p in found), found


def test_registry_covers_what_the_issue_asks_for():
    ids = set(registry.BY_ID)
    for col in schema.IMPACT_COLUMNS:
        stem = col.removeprefix("impact_")
        assert {f"{stem}_positive", f"{stem}_negative", f"{stem}_net"} <= ids
    assert {"connections_helps", "connections_gets_in_way", "friends_median", "friends_none", "friends_three_plus",
            "lonely_often", "warmth_always_mostly", "kindness_always_mostly", "dignity_always_mostly",
            "distance_friends_change", "distance_connected_change", "people_supported", "people_net_change",
            "people_growth_pct", "people_growth_share", "people_per_100k"} <= ids
    negatives = [k for k in registry.REGISTRY if k.id.endswith("_negative")]
    assert negatives and all(k.direction == "low_is_good" for k in negatives)


def test_docs_metrics_md_matches_the_registry():
    on_disk = (REPO / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert on_disk == definitions.markdown(), "regenerate: python -m kpi metrics --format markdown > docs/metrics.md"


def test_metrics_json_lists_every_registry_field(capsys):
    assert main(["metrics", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [m["id"] for m in listed] == [k.id for k in registry.REGISTRY]
    for field in ("id", "title", "sentence", "explanation", "question", "source", "kind", "numerator",
                  "denominator", "unit", "direction", "theme", "min_n", "statistic"):
        assert all(field in m for m in listed), field
    connected = next(m for m in listed if m["id"] == "connected_positive")
    assert connected["numerator"] == ["positive"] and connected["denominator"] == ["positive", "none", "negative"]
    assert connected["unit"] == "%" and connected["direction"] == "high_is_good"


@pytest.mark.parametrize(
    "p, words",
    [(0.89, "Nearly 9 in 10 people"), (0.83, "More than 8 in 10 people"), (0.90, "About 9 in 10 people"),
     (0.03, "About 3 in 100 people"), (0.004, "Fewer than 1 in 100 people"), (0.995, "Nearly everyone"),
     (1.0, "Everyone"), (0.0, "Nobody")],
)
def test_plain_share_reads_as_people_say_it(p, words):
    assert registry.plain_share(p) == words


def test_sentence_uses_the_programme_and_suppression_text():
    k = registry.get("connected_positive")
    assert registry.sentence(k, 89.0, programmes=("shared_lives",)) == (
        "Nearly 9 in 10 people said Shared Lives helped them feel more connected to people.")
    assert registry.sentence(k, None) == "Feeling connected: positive impact: too few answers to show"


def test_no_second_definition_of_a_khi_outside_the_registry():
    """Pages, ui and exports render from the registry: no answer lists or KHI titles are written again there."""
    offenders = []
    for path in [*REPO.glob("pages/*.py"), *REPO.glob("ui/*.py"), REPO / "app.py", *REPO.glob("kpi/slides*.py"),
                 *REPO.glob("kpi/export*.py")]:
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        for k in registry.REGISTRY:
            if re.search(re.escape(f'"{k.title}"'), text):
                offenders.append(f"{path.name}: title of {k.id}")
        if re.search(r"IN \(\s*'positive'", text) or "impact_connected = 'positive'" in text:
            offenders.append(f"{path.name}: SQL answer list")
    assert offenders == []


def test_cli_runs_as_a_module():
    out = subprocess.run([sys.executable, "-m", "kpi", "metrics"], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout
    assert "connected_positive" in out and "people_growth_pct" in out
