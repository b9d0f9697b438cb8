"""The benchmark scenario, run in the emulator for one framework, one API and one N.

A ``client`` unit (a bench client charm: ``benchdb`` in the RelationBase idiom, UNIT-scoped,
or in the Endpoint idiom; the scenario is the same for both) is related to ``N``
``server`` units, each publishing 5 keys. With every unit joined and the client's ``answer``
option on, one repetition measures, on ``client/0``:

* ``relation-changed``: one remote unit changes a key (``juju exec`` of ``relation-set`` on
  that server unit, committed, so Juju wakes the client); the client's handler reads every key
  of every conversation and answers each.
* ``update-status`` with nothing changed.
* ``relation-departed``: a server unit is removed (then a new one is added back, unmeasured,
  so every repetition sees N remote units).

Each measured hook gives its wall time (the emulator's ``HookRecord.duration``), its hook-tool
calls by tool, the repeated reads and writes (:func:`repeated_calls`), the hook process's
peak RSS (the bench charm's ``atexit`` writes ``VmHWM`` into ``.bench-maxrss`` in the charm dir)
and the size of the unit's state DB.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.assemble import SERVER
from reactive_harness import HookRecord, InProcessExecutor, Model, SubprocessExecutor, ToolCall

PEAK_MEMORY_FILE = ".bench-maxrss"
MEASURED = ("relation-changed", "relation-departed", "update-status")


@dataclass
class Sample:
    """One measured hook."""

    seconds: float
    tools: dict[str, int]
    peak_kib: int | None
    db_bytes: int
    #: Calls beyond the first on the same target (see :func:`repeated_calls`).
    repeats: dict[str, int] = field(default_factory=dict)


@dataclass
class Series:
    """The samples of one measurement (one hook kind, one framework, one N)."""

    samples: list[Sample] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Median wall time, its spread, the tool calls (of the last run), memory and DB size."""
        times = [s.seconds for s in self.samples]
        last = self.samples[-1]
        peaks = [s.peak_kib for s in self.samples if s.peak_kib is not None]
        return {
            "runs": len(times),
            "median_s": statistics.median(times),
            "min_s": min(times),
            "max_s": max(times),
            "tools": dict(sorted(last.tools.items())),
            "tool_calls": sum(last.tools.values()),
            "tools_stable": all(s.tools == last.tools for s in self.samples),
            "repeats": dict(sorted(last.repeats.items())),
            "peak_rss_mib": max(peaks) / 1024 if peaks else None,
            "state_db_bytes": last.db_bytes,
        }


def _target(argv: tuple[str, ...]) -> str | None:
    """The bag a ``relation-get`` reads or a ``relation-set`` writes, or None (``--help``).

    ``relation-get``: relation id (number only) and the unit or app whose bag is read (the
    second positional argument, after the key or ``-``). ``relation-set``: the relation id.
    A missing id or unit is the hook's own (Juju's default).
    """
    rid, positional, app = "(hook)", [], False
    args = iter(argv[1:])
    for arg in args:
        if arg == "--help":
            return None
        if arg in ("-r", "--relation"):
            rid = next(args, rid)
        elif arg.startswith(("-r=", "--relation=")):
            rid = arg.split("=", 1)[1]
        elif arg == "--app":
            app = True
        elif arg in ("--format", "--file"):
            next(args, None)
        elif not arg.startswith("-") or arg == "-":
            positional.append(arg)
    rid = rid.rsplit(":", 1)[-1]
    scope = " --app" if app else ""
    if argv[0] == "relation-set":
        return f"-r {rid}{scope}"
    unit = positional[1] if len(positional) > 1 else "(remote unit)"
    return f"-r {rid}{scope} {unit}"


def repeated_calls(calls: list[ToolCall]) -> dict[str, int]:
    """Count the ``relation-get`` and ``relation-set`` calls beyond the first on a bag.

    A ``relation-get`` repeats when the same (relation id, unit or app) bag was read before in
    the hook, whatever the key asked (the 1.x ``RelationBase`` reads key by key: 5 reads of a
    bag are 4 repeats); a ``relation-set`` repeats when the same relation id (and ``--app``)
    was written before. ``relation-set --help`` is not counted. Only tools that repeated appear.
    """
    seen: Counter[tuple[str, str]] = Counter()
    for call in calls:
        if call.tool in ("relation-get", "relation-set"):
            target = _target(call.argv)
            if target is not None:
                seen[(call.tool, target)] += 1
    out: Counter[str] = Counter()
    for (tool, _), count in seen.items():
        if count > 1:
            out[tool] += count - 1
    return dict(out)


def _db_bytes(charm_dir: Path) -> int:
    return sum(p.stat().st_size for p in charm_dir.glob(".unit-state.db*") if p.is_file())


def _peak(charm_dir: Path) -> int | None:
    path = charm_dir / PEAK_MEMORY_FILE
    try:
        value = int(path.read_text())
    except (OSError, ValueError):
        return None
    path.unlink()
    return value


class Scenario:
    """A model holding the client (one framework) and N server units, ready to measure.

    Args:
        root: The model's directory.
        charm: The assembled client charm.
        remote_units: N.
        path_prefix: Directories put first on the hooks' ``PATH`` (the dev venv's ``bin/``).
        fast_setup: Run the client's set-up hooks in-process (only for this layer's charm):
            the set-up is not measured, and 2N subprocess hooks make N=1000 take minutes.
    """

    def __init__(
        self,
        root: Path,
        charm: Path,
        remote_units: int,
        *,
        path_prefix: str = "",
        fast_setup: bool = False,
    ) -> None:
        self.remote_units = remote_units
        self._subprocess = SubprocessExecutor()
        self._setup_executor = InProcessExecutor(self._subprocess) if fast_setup else None
        self.model = Model(root, executor=self._subprocess, track_flags=False)
        if path_prefix:
            self.model.engine.base_path = f"{path_prefix}:{self.model.engine.base_path}"
        self._rep = 0
        with self._setting_up():
            self.model.deploy(charm, "client", config={"answer": False})
            self.model.deploy(SERVER, "server", num_units=remote_units)
            self.relation = self.model.relate("client:db", "server:db")
        # As a process: charmhelpers' hookenv caches config() for the life of a process, so
        # an in-process config-changed would still see the first hook's value.
        self.model.set_config("client", {"answer": True, "level": True})
        self.charm_dir = Path(self.model.unit("client/0").charm_dir)
        _peak(self.charm_dir)

    def close(self) -> None:
        """Stop the model's hook-tool server."""
        self.model.close()

    @property
    def setup_hooks(self) -> int:
        """How many hooks (run, not skipped) the set-up took on the client."""
        return sum(1 for r in self.model.records if r.unit == "client/0" and r.exit_code == 0)

    def _setting_up(self) -> _Executor:
        return _Executor(self.model, self._setup_executor)

    def _client_record(self, start: int, hook: str) -> HookRecord:
        found = [r for r in self.model.records[start:] if r.unit == "client/0" and r.hook == hook]
        if len(found) != 1:
            seen = [(r.unit, r.hook) for r in self.model.records[start:]]
            raise RuntimeError(f"expected one {hook} on client/0, got {seen}")
        record = found[0]
        if record.exit_code != 0:
            raise RuntimeError(f"{hook} failed ({record.exit_code}):\n{record.stderr}")
        return record

    def _sample(self, record: HookRecord) -> Sample:
        return Sample(
            record.duration,
            dict(Counter(record.tool_counts)),
            _peak(self.charm_dir),
            _db_bytes(self.charm_dir),
            repeated_calls(record.tool_calls),
        )

    def _server_units(self) -> list[str]:
        return [u.name for u in self.model.app("server").units]

    def measure_changed(self) -> Sample:
        """One remote unit changes a key; measure the client's ``db-relation-changed``."""
        self._rep += 1
        units = self._server_units()
        remote = units[self._rep % len(units)]
        start = len(self.model.records)
        self.model.exec(remote, f"relation-set key-4={self._rep}", relation=self.relation)
        return self._sample(self._client_record(start, "db-relation-changed"))

    def measure_update_status(self) -> Sample:
        """Measure ``update-status`` on the client with nothing changed."""
        start = len(self.model.records)
        self.model.update_status("client")
        return self._sample(self._client_record(start, "update-status"))

    def measure_departed(self) -> Sample:
        """Remove one remote unit; measure ``db-relation-departed``; add a unit back."""
        start = len(self.model.records)
        self.model.remove_unit(self._server_units()[0])
        sample = self._sample(self._client_record(start, "db-relation-departed"))
        with self._setting_up():
            self.model.add_unit("server")
        _peak(self.charm_dir)
        return sample


def measure_scale_out(
    root: Path, charm: Path, remote_units: int, *, path_prefix: str = "", in_process: bool = False
) -> dict[str, Any]:
    """Scale out from 0 to ``remote_units`` server units; count the client's hook-tool calls.

    The client runs with ``answer`` and the level-triggered reader (``level``) on from the
    start; the server gets one unit, is related, then gains units one at a time (each settled:
    the client's -joined and -changed run before the next unit comes). Counted: every hook of
    ``client/0`` from the relation on. ``in_process`` runs the client's hooks in this process
    (only this layer's charm; the counts are the same, the seconds are not comparable).
    """
    subprocess_executor = SubprocessExecutor()
    executor = InProcessExecutor(subprocess_executor) if in_process else subprocess_executor
    with Model(root, executor=executor, track_flags=False) as model:
        if path_prefix:
            model.engine.base_path = f"{path_prefix}:{model.engine.base_path}"
        model.deploy(charm, "client", config={"answer": True, "level": True})
        model.deploy(SERVER, "server", num_units=1)
        start = len(model.records)
        began = time.perf_counter()
        model.relate("client:db", "server:db")
        for _ in range(remote_units - 1):
            model.add_unit("server")
        seconds = time.perf_counter() - began
        records = [r for r in model.records[start:] if r.unit == "client/0"]
        failed = [r for r in records if r.exit_code not in (None, 0)]
        if failed:
            raise RuntimeError(f"{failed[0].hook} failed:\n{failed[0].stderr}")
        tools: Counter[str] = Counter()
        for record in records:
            tools.update(record.tool_counts)
        return {
            "hooks": len(records),
            "tool_calls": sum(tools.values()),
            "tools": dict(tools),
            "seconds": seconds,
            "in_process": in_process,
        }


class _Executor:
    """Context manager: hooks run with another executor (if given), then the subprocess one."""

    def __init__(self, model: Model, executor: InProcessExecutor | None) -> None:
        self.model, self.executor = model, executor
        self.saved = model.engine.executor

    def __enter__(self) -> None:
        if self.executor is not None:
            self.model.engine.executor = self.executor

    def __exit__(self, *exc: object) -> None:
        self.model.engine.executor = self.saved


def measure_noop(root: Path, charm: Path, runs: int, path_prefix: str = "") -> Series:
    """``update-status`` of a freshly deployed client with no relations, ``runs`` times."""
    series = Series()
    with Model(root, track_flags=False) as model:
        if path_prefix:
            model.engine.base_path = f"{path_prefix}:{model.engine.base_path}"
        model.deploy(charm, "client")
        charm_dir = Path(model.unit("client/0").charm_dir)
        _peak(charm_dir)
        for _ in range(runs):
            start = len(model.records)
            model.update_status("client")
            record = next(r for r in model.records[start:] if r.hook == "update-status")
            if record.exit_code != 0:
                raise RuntimeError(f"no-op update-status failed:\n{record.stderr}")
            series.samples.append(
                Sample(record.duration, dict(record.tool_counts), _peak(charm_dir), 0)
            )
            series.samples[-1].db_bytes = _db_bytes(charm_dir)
    return series


def interleave(
    scenarios: dict[str, Scenario], runs: int, progress: Callable[[str], None]
) -> dict[str, dict[str, Series]]:
    """Measure every hook kind ``runs`` times, alternating frameworks within each repetition.

    Alternating keeps a change of machine load from favouring one framework.
    """
    out: dict[str, dict[str, Series]] = {fw: {k: Series() for k in MEASURED} for fw in scenarios}
    for rep in range(runs):
        for kind, method in _kinds():
            for fw, scenario in scenarios.items():
                out[fw][kind].samples.append(method(scenario))
        progress(f"    run {rep + 1}/{runs} done")
    return out


def _kinds() -> Iterator[tuple[str, Callable[[Scenario], Sample]]]:
    yield "relation-changed", Scenario.measure_changed
    yield "update-status", Scenario.measure_update_status
    yield "relation-departed", Scenario.measure_departed
