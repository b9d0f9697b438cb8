"""All or nothing for an Endpoint relation hook: a fault at any hook-tool call commits nothing.

The fixture charm (``tests/data/reliability_endpoint``) implements its ``ep`` relation with an
Endpoint interface layer whose handler, when a remote ``value`` changes, reads every remote
unit's data, writes ``to_publish`` / ``to_publish_raw`` and, as the leader, ``to_publish_app``,
sets flags and a kv key. Its other side is hook-less (the test sets its data).

For ``ep-relation-changed``, the clean run tells how many tool calls the hook makes (K). Then
for every k in 1..K the hook meets a fault at its k-th call (the call fails, or the hook is
killed with SIGKILL there): afterwards the unit's whole store (flags, kv, the endpoint's change
hashes and departed list), every committed bag (what the remote units see) and the remote
side's hook queue are as before the hook. The retried hook (``juju resolved``) must then end
in exactly the state of the clean run of the same change.

The handler's output depends only on the remote data, so the test alternates the remote value
between two settings, A and B, whose clean end states are recorded first.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.reliability import DATA, snapshot, write_hooks
from reactive_harness import Model, SubprocessExecutor
from reactive_harness.inprocess import InProcessExecutor

UNIT = "epsubject/0"
REL = "epsubject:ep epremote:ep"
HOOK = "ep-relation-changed"
HOOKS = (
    "install", "config-changed", "start", "stop", "remove", "upgrade-charm", "update-status",
    "leader-elected", "leader-settings-changed",
    *(f"ep-relation-{kind}" for kind in ("created", "joined", "changed", "departed", "broken")),
)  # fmt: skip
#: The two settings of epremote/1's value the faulty hooks go between.
SETTINGS = {"A": "3", "B": "4"}
#: Tool calls whose failure does not fail the hook: main() logs a failing juju-log to stderr,
#: charmhelpers' status_set() falls back to juju-log when status-set fails.
TOLERATED = ("juju-log", "status-set")
#: The store's keys of the Endpoint machinery (compared on their own for a clearer message).
ENDPOINT_KEYS = ("reactive.data_changed.endpoint.", "reactive.endpoints.", "reactive.states.")


def state(model: Model) -> dict[str, Any]:
    """The committed state: every kv store and bag, the unit's flags (no commit serial)."""
    out = snapshot(model)
    for key, value in out.items():
        if key.startswith("kv ") and isinstance(value, dict):
            value.pop("reactive.last_commit", None)  # numbered per commit: retries add some
            for cached in [k for k in value if k.startswith("reactive.notified.")]:
                del value[cached]  # the notified view: a cache (checked by the fuzzer)
    out["flags"] = sorted(model.unit(UNIT).flags)
    return out


def endpoint_keys(model: Model) -> dict[str, Any]:
    return {k: v for k, v in model.unit_kv(UNIT).items() if k.startswith(ENDPOINT_KEYS)}


def told_remote(model: Model, since: int) -> list[str]:
    """The remote units that ran (or skipped: they have no hooks) a hook since record ``since``.

    A committed change of the subject's bags queues ``ep-relation-changed`` for them.
    """
    return sorted({r.unit for r in model.records[since:] if r.unit.startswith("epremote/")})


def change(model: Model, setting: str) -> None:
    """Queue the subject's ``ep-relation-changed``: epremote/1's value goes to ``setting``."""
    model.set_relation_data(REL, "epremote/1", {"value": SETTINGS[setting]}, settle=False)


@pytest.fixture
def endpoint_model(tmp_path: Path) -> Iterator[Model]:
    charm = tmp_path / "charms" / "epsubject"
    shutil.copytree(DATA / "reliability_endpoint", charm)
    write_hooks(charm, HOOKS)
    with Model(tmp_path / "m", fail_fast=False, executor=InProcessExecutor()) as model:
        model.deploy(charm, "epsubject")
        model.deploy(DATA / "reliability_endpoint_remote", "epremote", num_units=2)
        model.relate("epsubject:ep", "epremote:ep")
        model.set_relation_data(REL, "epremote/0", {"value": "10"})
        assert model.unit(UNIT).error is None
        yield model


def clean_runs(model: Model) -> tuple[dict[str, dict[str, Any]], list[tuple[str, ...]]]:
    """Run the change to B, then to A, without faults; their end states and tool calls."""
    ends: dict[str, dict[str, Any]] = {}
    counts: list[list[tuple[str, ...]]] = []
    for setting in ("B", "A"):
        change(model, setting)
        model.settle()
        assert model.unit(UNIT).error is None
        record = [r for r in model.records if r.unit == UNIT and r.hook == HOOK][-1]
        counts.append([c.argv[:6] if c.argv[0] != "juju-log" else c.argv[:3]
                       for c in record.tool_calls])  # fmt: skip
        ends[setting] = state(model)
    assert counts[0] == counts[1], counts  # both directions make the same calls
    return ends, counts[0]


@pytest.mark.parametrize("kind", ["fail", "kill"])
def test_a_fault_at_each_call_of_an_endpoint_hook_commits_nothing(
    endpoint_model: Model, kind: str
) -> None:
    model = endpoint_model
    ends, clean = clean_runs(model)
    calls = len(clean)  # K
    # What the clean runs did: the handler read, wrote both bags, set flags and kv.
    for setting, value in SETTINGS.items():
        end = ends[setting]
        total = 10 + int(value)
        bags = end[f"units {model.relation(REL).id}"]
        assert (
            bags[UNIT]["answer"] == f'{{"total": {total}, "units": ["epremote/0", "epremote/1"]}}'
        )
        assert bags[UNIT]["seen"] == f"epremote/0=10,epremote/1={value}"
        apps = end[f"apps {model.relation(REL).id}"]
        assert apps["epsubject"]["summary"] == f'{{"count": 2, "total": {total}}}'
        assert ("ep.odd" in end["flags"]) == bool(total % 2)
        assert "ep.answered" in end["flags"]
        assert end[f"kv {UNIT}"]["eptest.values"] == {"epremote/0": 10, "epremote/1": int(value)}
    assert ends["A"] != ends["B"]
    assert calls >= 5  # reads, is-leader, writes: the hook really talks to Juju

    if kind == "kill":  # a signal needs a real process (main() must not get to roll back)
        model.engine.executor = SubprocessExecutor()
    failed_at: list[tuple[str, ...]] = []
    current = "A"
    for call in range(1, calls + 1):
        target = "B" if current == "A" else "A"
        assert state(model) == ends[current]
        change(model, target)  # commits the remote bag, queues the hook
        before, keys_before = state(model), endpoint_keys(model)
        model.inject_fault(UNIT, call=call, kind=kind, hook=HOOK)
        seen = len(model.records)
        model.settle()
        failed = model.unit(UNIT).error
        ran = [r for r in model.records if r.unit == UNIT and r.hook == HOOK][-1]
        if failed is None:
            # Only a call whose failure the hook tolerates may let it pass; it then did all.
            assert kind == "fail"
            assert ran.tool_calls[call - 1].argv[0] in TOLERATED, ran.tool_calls
            assert state(model) == ends[target], f"tolerated fault at call {call}"
            current = target
            continue
        failed_at.append(clean[call - 1])
        assert ran.tool_calls[call - 1].argv[0] == clean[call - 1][0]
        assert failed.hook == HOOK
        assert failed.killed == (kind == "kill")
        where = f"{kind} at call {call} ({ran.tool_calls[call - 1].argv[0]})"
        assert endpoint_keys(model) == keys_before, where
        assert state(model) == before, f"partial state after {where}"
        assert told_remote(model, seen) == [], where  # the remote side saw no change
        seen = len(model.records)
        retried = model.retry(UNIT)
        assert retried.exit_code == 0, retried.stderr
        assert model.unit(UNIT).error is None
        assert state(model) == ends[target], f"the retry after {where} differs from a clean run"
        assert told_remote(model, seen) == ["epremote/0", "epremote/1"], where
        current = target
    # Every call but the tolerated ones failed the hook (every call, for a kill), among them
    # the remote reads, is-leader and both writes (the unit's bag, then the app's).
    tolerated = [argv for argv in clean if argv[0] in TOLERATED]
    assert len(failed_at) == calls - (len(tolerated) if kind == "fail" else 0)
    assert {"relation-get", "is-leader", "relation-set"} <= {argv[0] for argv in failed_at}
    assert ("relation-set", "-r", "ep:0", "--app", "--file", "-") in failed_at
