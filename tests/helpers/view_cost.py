"""What the notified view (issue 15) costs in the store: size and sqlite time per hook.

N remote units, each with 5 keys of 100 bytes, on fake hook tools (no Juju, no emulator:
only the store's work is timed). Measured, each in its own runtime and transaction, as a hook
would run them:

* ``fill``: the first hook of a unit upgraded without a view reads every bag (N tool calls)
  and stores them;
* ``read all``: a later hook whose handler reads every unit (no tool call: N store reads);
* ``changed``: a ``-changed`` hook that reads the one notified bag (one tool call) and then
  every unit;
* ``no read``: a hook that reads nothing (the view is never loaded: lazy);

and the state DB's size on disk after the fill.

Usage: ``.venv/bin/python tests/helpers/view_cost.py [N ...]`` (default 1000). It lives with
the test helpers because it drives the private hook lifecycle directly (only tests may).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "lib"))
sys.path.insert(0, str(REPO / "tests"))

from charms.reactive._lifecycle import Hook  # noqa: E402
from charms.reactive._notified import NotifiedRelations  # noqa: E402
from charms.reactive._runtime import Runtime, activate  # noqa: E402
from helpers.fakes import FakeHookTools, close_kv, make_context  # noqa: E402

RID = "db:1"


def _hook(
    charm: Path, tools: FakeHookTools, name: str, read: Callable[[Runtime], Any], **env: str
) -> float:
    rt = Runtime(make_context(charm, name, **env), tools)
    with activate(rt):
        start = time.perf_counter()
        participant = NotifiedRelations()
        participant.begin(Hook(rt, False, ()))
        read(rt)
        participant.end(Hook(rt, False, ()))
        rt.commit()
        seconds = time.perf_counter() - start
    close_kv(rt)
    return seconds


def _read_all(rt: Runtime) -> None:
    for rid in rt.tools.relation_ids("db"):
        for unit in rt.tools.relation_list(rid):
            rt.tools.relation_get(rid, unit)


def measure(n: int, runs: int = 5) -> dict[str, Any]:
    """Return the size and the median seconds of each kind of hook at ``n`` remote units."""
    units = [f"remote/{i}" for i in range(n)]
    tools = FakeHookTools()
    tools.ids = {"db": [RID]}
    tools.units = {RID: units}
    tools.bags = {RID: {u: {f"key-{k}": "x" * 100 for k in range(5)} for u in units}}
    with tempfile.TemporaryDirectory() as tmp:
        charm = Path(tmp) / "charm"
        charm.mkdir()
        (charm / "metadata.yaml").write_text("name: c\nrequires:\n  db:\n    interface: x\n")
        out: dict[str, Any] = {"n": n}
        out["fill_s"] = _hook(charm, tools, "update-status", _read_all)
        db = charm / ".unit-state.db"
        out["db_kib"] = sum(p.stat().st_size for p in charm.glob(".unit-state.db*")) / 1024
        out["db_file_kib"] = db.stat().st_size / 1024
        calls = len(tools.calls)
        kinds: dict[str, tuple[str, Callable[[Runtime], Any], dict[str, str]]] = {
            "read_all": ("update-status", _read_all, {}),
            "changed": (
                "db-relation-changed",
                _read_all,
                {"relation": "db", "relation_id": RID, "remote_unit": "remote/7"},
            ),
            "no_read": ("update-status", lambda rt: None, {}),
        }
        for kind, (hook, read, env) in kinds.items():
            before = len(tools.calls)
            times = [_hook(charm, tools, hook, read, **env) for _ in range(runs)]
            out[f"{kind}_s"] = statistics.median(times)
            out[f"{kind}_calls"] = (len(tools.calls) - before) / runs
        out["fill_calls"] = calls
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the figures for each N."""
    ns = [int(a) for a in (argv if argv is not None else sys.argv[1:])] or [1000]
    for n in ns:
        m = measure(n)
        print(
            f"N={n}: state DB {m['db_kib']:.0f} KiB after the fill ({m['fill_calls']} calls, "
            f"{m['fill_s'] * 1000:.0f} ms); read every unit {m['read_all_s'] * 1000:.1f} ms "
            f"({m['read_all_calls']:.0f} calls); -changed + read every unit "
            f"{m['changed_s'] * 1000:.1f} ms ({m['changed_calls']:.0f} calls); "
            f"no read {m['no_read_s'] * 1000:.1f} ms ({m['no_read_calls']:.0f} calls)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
