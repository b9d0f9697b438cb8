"""Start-up cost of ``import charms.reactive``: ``-X importtime`` and wall time vs ``pass``."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

_IMPORTTIME = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def _run(python: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    with tempfile.TemporaryDirectory(prefix="bench-import-") as cwd:
        return subprocess.run(
            [str(python), *args, "-c", code],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )


def _wall(python: Path, code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        _run(python, code)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _children(rows: list[tuple[int, int, str]], name: str) -> list[tuple[int, int, str]]:
    """The direct imports of ``name`` (``-X importtime`` prints children before parents)."""
    index = next((i for i, row in enumerate(rows) if row[2] == name), None)
    if index is None:
        return []
    depth = rows[index][0]
    found = []
    for row in reversed(rows[:index]):
        if row[0] <= depth:
            break
        if row[0] == depth + 1:
            found.append(row)
    return found


def import_cost(python: Path, lib: Path | None, runs: int = 15) -> dict[str, Any]:
    """Measure ``import charms.reactive`` with ``python`` (``lib`` first on ``sys.path``).

    Returns:
        ``importtime_ms`` (the cumulative time ``-X importtime`` gives ``charms.reactive``),
        ``top_imports`` (the five slowest top-level imports under it, ms), ``wall_ms`` (median
        wall time of the import process), ``baseline_ms`` (the same without the import) and
        ``import_ms`` (their difference).
    """
    prefix = f"import sys; sys.path.insert(0, {str(lib)!r}); " if lib else ""
    code = prefix + "import charms.reactive"
    proc = _run(python, code, "-X", "importtime")
    cumulative: dict[str, int] = {}
    rows: list[tuple[int, int, str]] = []
    for line in proc.stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if match:
            depth = len(match.group(3)) // 2
            rows.append((depth, int(match.group(2)), match.group(4)))
            cumulative[match.group(4)] = int(match.group(2))
    top = sorted(_children(rows, "charms.reactive"), key=lambda r: -r[1])[:5]
    wall = _wall(python, code, runs)
    baseline = _wall(python, prefix or "pass", runs)
    return {
        "importtime_ms": cumulative.get("charms.reactive", 0) / 1000,
        "top_imports": {name: us / 1000 for _, us, name in top},
        "wall_ms": wall * 1000,
        "baseline_ms": baseline * 1000,
        "import_ms": (wall - baseline) * 1000,
    }
