"""Developer tools, outside the runtime package: the benchmark (perf.bench) and the load test (perf.load)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
