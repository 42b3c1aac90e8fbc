"""Timing and machine helpers: percentiles in ms, RSS high-water marks, the machine's description, the aggregate
build's cost."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np


def percentiles_ms(seconds: list[float]) -> dict:
    if not seconds:
        return {"p50": None, "p95": None, "runs": 0}
    arr = np.asarray(seconds) * 1000
    return {"p50": round(float(np.percentile(arr, 50)), 2), "p95": round(float(np.percentile(arr, 95)), 2),
            "runs": len(seconds)}


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def rss_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def proc_peak_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def machine() -> dict:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = None
    try:
        mem = round(int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                             if line.startswith("MemTotal"))) / 1024 ** 2, 1)
    except (OSError, StopIteration):
        pass
    versions = {}
    for lib in ("streamlit", "duckdb", "pandas", "pyarrow", "numpy", "plotly", "playwright"):
        try:
            versions[lib] = importlib.metadata.version(lib)
        except importlib.metadata.PackageNotFoundError:
            versions[lib] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": mem, "python": platform.python_version(),
            "os": platform.platform(), "load_average": list(os.getloadavg()), "versions": versions}


def time_derive(root: Path) -> dict:
    """Seconds to build each aggregate from the raw responses, as kpi.data.derive does at every commit."""
    from kpi.data import queries, store

    manifest = store.read_manifest(root)
    out = {}
    with tempfile.TemporaryDirectory(prefix="khi-bench-derive-") as tmp:
        con = queries.raw_connection(root, manifest)
        con.execute("SET temp_directory = $d", {"d": tmp}).fetchall()
        try:
            for name in queries.DERIVED:
                seconds, rows = timed(lambda: queries.build_derived(con, name, Path(tmp) / f"{name}.parquet"))
                out[name] = {"seconds": round(seconds, 2), "rows": rows}
        finally:
            con.close()
    out["total_seconds"] = round(sum(v["seconds"] for v in out.values()), 2)
    return out



def rss_mb(pids) -> float:
    """Resident memory of these processes now, summed (processes that have gone are skipped)."""
    total_kb = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
                    break
        except OSError:
            continue
    return total_kb / 1024


class RssPeak:
    """Samples the summed RSS of `pids_fn()` every `interval` s in a thread, keeping the highest sum: the server's
    memory high-water mark however many processes it is (one `streamlit run`, or HAProxy and N workers)."""

    def __init__(self, pids_fn, interval: float = 0.5):
        import threading

        self.pids_fn, self.interval, self.peak_mb = pids_fn, interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="khi-rss", daemon=True)

    def _run(self) -> None:
        while True:
            self.peak_mb = max(self.peak_mb, rss_mb(self.pids_fn()))
            if self._stop.wait(self.interval):
                return

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
