"""Measure the cost of one hook-tool call: ``python -m bench.tool_cost [-n N]``.

Runs, inside one ``juju exec`` context of a hook-less unit, a bash loop of N calls of
``/bin/true`` (the cost of starting any process), then N calls of ``is-leader`` and of
``relation-get`` (a real tool: client start, socket round trip, server work), and reports the
time per call, the difference (the tool's own overhead) and the server-side time per call.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from reactive_harness import Model

__all__ = ["main", "measure"]

_META = "name: bench\nprovides:\n  x:\n    interface: bench\n"
_REMOTE = "name: remote\nrequires:\n  x:\n    interface: bench\n"


def _charm(root: Path, name: str, meta: str) -> Path:
    charm = root / name
    (charm / "hooks").mkdir(parents=True)
    (charm / "metadata.yaml").write_text(meta, encoding="utf-8")
    return charm


def measure(calls: int = 200) -> dict[str, float]:
    """Return milliseconds per call for a baseline process, ``is-leader`` and ``relation-get``.

    Keys: ``true_ms``, ``is_leader_ms``, ``relation_get_ms``, ``overhead_ms`` (tool minus
    baseline), ``server_ms`` (mean time the emulator spent serving a call).
    """
    with tempfile.TemporaryDirectory(prefix="bench-tools-") as tmp, Model(Path(tmp) / "m") as m:
        m.deploy(_charm(Path(tmp), "bench", _META))
        m.deploy(_charm(Path(tmp), "remote", _REMOTE))
        rel = m.relate("bench", "remote")
        results: dict[str, float] = {}
        loops = {
            "true_ms": "/bin/true",
            "is_leader_ms": "is-leader >/dev/null",
            "relation_get_ms": f"relation-get -r {rel.id} - remote/0 >/dev/null",
        }
        server: list[float] = []
        for key, command in loops.items():
            start = time.perf_counter()
            record = m.exec("bench/0", f"for i in $(seq {calls}); do {command}; done")
            results[key] = (time.perf_counter() - start) * 1000 / calls
            server += [call.duration for call in record.tool_calls]
        results["overhead_ms"] = results["is_leader_ms"] - results["true_ms"]
        results["server_ms"] = statistics.mean(server) * 1000 if server else 0.0
        return results


def main(argv: list[str] | None = None) -> int:
    """Print the measurements."""
    parser = argparse.ArgumentParser(prog="python -m bench.tool_cost")
    parser.add_argument("-n", "--calls", type=int, default=200, help="calls per loop")
    args = parser.parse_args(argv)
    results = measure(args.calls)
    print(f"hook-tool call cost over {args.calls} calls (ms per call):")
    print(f"  /bin/true (process start baseline) {results['true_ms']:7.2f}")
    print(f"  is-leader                          {results['is_leader_ms']:7.2f}")
    print(f"  relation-get -r ID - UNIT          {results['relation_get_ms']:7.2f}")
    print(f"  tool overhead (is-leader - true)   {results['overhead_ms']:7.2f}")
    print(f"  emulator time serving one call     {results['server_ms']:7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
