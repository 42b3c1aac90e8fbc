"""The serving stack from Python: start `bash scripts/serve.sh` (HAProxy + N workers) on a free loopback port, read
HAProxy's view of its workers from the stats socket, find the processes, stop it all. Used by `perf.load --stack` and
tests/test_stack.py."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from perf import REPO


def haproxy_missing() -> str | None:
    """Why the stack cannot start here (no haproxy binary), or None."""
    if shutil.which("haproxy") or os.access("/usr/sbin/haproxy", os.X_OK):
        return None
    return "haproxy is not installed (bash scripts/test.sh or scripts/serve.sh installs Debian's haproxy)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    proc: subprocess.Popen  # scripts/serve.sh
    url: str
    run_dir: Path
    log_path: Path
    workers: int

    def worker_pid(self, name: str) -> int | None:
        """The current pid of worker `name` ("w1", ...), as serve.sh wrote it (it changes when a worker restarts)."""
        try:
            return int((self.run_dir / f"{name}.pid").read_text())
        except (OSError, ValueError):
            return None

    def stats(self) -> dict[str, dict]:
        """HAProxy's `show stat` for the workers: {"w1": {"status": "UP", "stot": "3", "wredis": "0", ...}, ...}."""
        text = haproxy_command(self.run_dir / "haproxy.sock", "show stat")
        rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
        return {r["svname"]: r for r in rows if r["pxname"] == "streamlit" and r["svname"] not in ("BACKEND",)}

    def processes(self) -> list[int]:
        """HAProxy, every worker and whatever they started: the server side whose memory perf.load reports."""
        return [p for p in descendants(self.proc.pid) if _comm(p) not in ("sleep", "bash")]

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


def haproxy_command(sock: Path, command: str, timeout: float = 5) -> str:
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(str(sock))
        s.sendall(command.encode() + b"\n")
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def start_stack(root: Path, workers: int, run_dir: Path, timeout: float = 180, warm: bool = False,
                warm_timeout: float = 1800, warm_budget: int | None = None) -> Stack:
    """`bash scripts/serve.sh` on a free loopback port over the store `root`; returns once every worker is UP in
    HAProxy and, with `warm`, once serve.sh has warmed them (else it starts with --no-warm). Raises RuntimeError
    (with serve.sh's output) if it exits or is not ready in time."""
    run_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = run_dir / "serve.log"
    log = open(log_path, "wb")  # a file, never a pipe: an unread pipe would stall the script
    cmd = ["bash", str(REPO / "scripts" / "serve.sh"), "--port", str(port), "--workers", str(workers),
           "--data", str(root), "--address", "127.0.0.1", "--run-dir", str(run_dir)] + ([] if warm else ["--no-warm"]) \
        + (["--warm-budget", str(warm_budget)] if warm_budget is not None else [])
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    log.close()
    stack = Stack(proc, f"http://127.0.0.1:{port}", run_dir, log_path, workers)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"scripts/serve.sh exited ({proc.returncode}):\n{stack.log_tail()}")
        if "==> ready:" in stack.log_tail(100_000):
            try:
                if all(r["status"] == "UP" for r in stack.stats().values()):
                    break
            except OSError:
                pass
        time.sleep(0.5)
    else:
        stop_stack(stack)
        raise RuntimeError(f"the stack was not ready within {timeout:.0f} s:\n{stack.log_tail()}")
    if not warm or wait_until(lambda: "==> warm:" in stack.log_tail(100_000) or proc.poll() is not None,
                              warm_timeout):
        if proc.poll() is None:
            return stack
        raise RuntimeError(f"scripts/serve.sh exited ({proc.returncode}):\n{stack.log_tail()}")
    stop_stack(stack)
    raise RuntimeError(f"the stack's workers were not warm within {warm_timeout:.0f} s:\n{stack.log_tail()}")


def wait_until(predicate, timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(interval)
    return False


def stop_stack(stack: Stack, timeout: float = 30) -> None:
    """SIGTERM to serve.sh (it stops HAProxy and the workers, see its trap). Only if it has to be killed outright are
    the process groups it had started (as its pid files name them, still running the same programs) killed here."""
    groups = [p for p in [stack.worker_pid(f"w{i + 1}") for i in range(stack.workers)]
              + [stack.worker_pid("haproxy")] if p]
    if stack.proc.poll() is not None:
        return
    stack.proc.send_signal(signal.SIGTERM)
    try:
        stack.proc.wait(timeout=timeout)
        return
    except subprocess.TimeoutExpired:
        stack.proc.kill()
        stack.proc.wait(timeout=10)
    for pid in groups:
        if _comm(pid) in ("python", "haproxy"):
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def descendants(root: int) -> list[int]:
    """Every process below `root` (children, grandchildren, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name in field 2 may hold spaces: parent pid is the 2nd field after its closing ")".
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out
