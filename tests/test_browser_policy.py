"""The missing-browser rule of the browser harness: skip with a reason on a developer's machine, fail under CI=true.

None of these tests needs a browser: the rule is a small function in tests/browser/conftest.py, and the end-to-end
checks point the harness at a chromium that does not exist.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HARNESS_CONFTEST = Path(__file__).resolve().parent / "browser" / "conftest.py"


def load_harness():
    # Loaded by path under its own name: it is a conftest, so it is not importable the ordinary way from here.
    spec = importlib.util.spec_from_file_location("khi_browser_harness", HARNESS_CONFTEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


harness = load_harness()


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"CI": "true"}, "fail"),
        ({"CI": "TRUE"}, "fail"),
        ({"CI": "1"}, "fail"),
        ({"CI": "yes"}, "fail"),
        ({}, "skip"),
        ({"CI": ""}, "skip"),
        ({"CI": "false"}, "skip"),
        ({"CI": "0"}, "skip"),
    ],
)
def test_missing_browser_fails_under_ci_and_skips_elsewhere(environ, expected):
    assert harness.missing_browser_outcome(environ) == expected


def test_browser_unavailable_fails_the_test_under_ci():
    with pytest.raises(pytest.fail.Exception, match=r"chromium not found.*CI=true: a missing browser fails the run"):
        harness.browser_unavailable("chromium not found at /nowhere", {"CI": "true"})


def test_browser_unavailable_skips_with_the_reason_and_the_fix_outside_ci():
    with pytest.raises(pytest.skip.Exception, match=r"chromium not found at /nowhere; install it with `bash scripts/test.sh`"):
        harness.browser_unavailable("chromium not found at /nowhere", {})


def test_khi_chromium_overrides_the_distro_path():
    assert harness.chromium_path({}) == "/usr/bin/chromium"
    assert harness.chromium_path({"KHI_CHROMIUM": "/opt/chromium/chrome"}) == "/opt/chromium/chrome"


def run_inner_session(tmp_path, ci):
    """Run pytest on one browser test, with the real harness conftest and a chromium path that does not exist."""
    shutil.copy(HARNESS_CONFTEST, tmp_path / "conftest.py")
    (tmp_path / "test_needs_browser.py").write_text("def test_uses_browser(chromium_browser):\n    pass\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(KHI_CHROMIUM=str(tmp_path / "no-such-chromium"), KHI_ARTIFACTS_DIR=str(tmp_path / "artifacts"))
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-ra", "-p", "no:cacheprovider", "-o", "addopts=", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )


def test_a_session_under_ci_without_a_browser_fails(tmp_path):
    result = run_inner_session(tmp_path, ci="true")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CI=true: a missing browser fails the run" in result.stdout
    assert "1 error" in result.stdout  # the session fixture fails, so the test errors in setup


def test_a_session_outside_ci_without_a_browser_skips_with_a_visible_reason(tmp_path):
    result = run_inner_session(tmp_path, ci=None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "SKIPPED" in result.stdout and "chromium not found at" in result.stdout
