"""Developer tools, outside the runtime package: the benchmark (perf.bench) and the load test (perf.load)."""
