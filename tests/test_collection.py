"""Every test directory is collected by a plain ``pytest`` run (nothing skipped silently).

pytest's default ``norecursedirs`` once hid ``tests/build`` from every run; this test fails if
any directory of ``tests/`` with test files contributes no test to the default collection.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_test_directory_is_collected_by_default():
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    collected = {line.split("::")[0] for line in proc.stdout.splitlines() if "::" in line}
    files = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("test_*.py")
        if "data" not in path.relative_to(ROOT).parts
    }
    assert sorted(files - collected) == []


def test_build_tests_carry_the_build_marker():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "build",
            "tests/build",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    selected = [line for line in proc.stdout.splitlines() if "::" in line]
    every = {str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "build").glob("test_*.py")}
    assert every <= {line.split("::")[0] for line in selected}
