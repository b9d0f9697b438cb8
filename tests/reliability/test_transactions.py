"""Transactional hooks: a hook that fails anywhere leaves no trace in the unit's state.

Juju discards a failed hook's relation writes and retries the hook; the retry must find the
state from before the first attempt. These tests make every hook-tool call of representative
hooks fail in turn, kill the hook (SIGKILL) at every call, and raise in a handler, then compare
the unit's whole key-value store and every committed bag with the state before the hook, and
retry the hook, which must then succeed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

from inprocess import InProcessExecutor
from reactive_harness import Model, SubprocessExecutor

from relsupport import REMOTE, snapshot

UNIT = "subject/0"
_counter = itertools.count()


@pytest.fixture
def related(tmp_path, subject_charm) -> Iterator[Model]:
    with Model(tmp_path / "m", fail_fast=False, executor=InProcessExecutor()) as model:
        yield _relate_all(model, subject_charm)


def _relate_all(model: Model, subject_charm) -> Model:
    model.deploy(subject_charm, "subject")
    model.deploy(REMOTE, "beta", num_units=2)
    for ep in ("u", "s", "g", "c"):
        model.relate(f"subject:{ep}", f"beta:{ep}")
    model.set_relation_data("subject:u beta:u", "beta/0", {"value": "1"})
    assert model.unit(UNIT).error is None
    return model


def _config(model: Model) -> None:
    model.set_config("subject", {"greeting": f"hi-{next(_counter)}"}, settle=False)


def _remote_change(model: Model) -> None:
    model.set_relation_data(
        "subject:u beta:u", "beta/1", {"value": str(next(_counter))}, settle=False
    )


def _update_status(model: Model) -> None:
    model.update_status("subject", settle=False)


TRIGGERS: dict[str, Callable[[Model], None]] = {
    "config-changed": _config,
    "u-relation-changed": _remote_change,
    "update-status": _update_status,
}

#: Tool calls whose failure does not fail the hook: main() logs a failing juju-log to stderr,
#: charmhelpers' status_set() falls back to juju-log when status-set fails.
TOLERATED = ("juju-log", "status-set")

#: Figures for the report: faults injected by the tests of this module.
INJECTED: dict[str, int] = {"fail": 0, "kill": 0, "exception": 0}


def _last_failed(model: Model):
    return model.unit(UNIT).error


def _count_calls(model: Model, trigger: Callable[[Model], None], hook: str) -> int:
    trigger(model)
    model.settle()
    assert model.unit(UNIT).error is None
    records = [r for r in model.unit(UNIT).records if r.hook == hook]
    return len(records[-1].tool_calls)


def _inject_each_call(model: Model, trigger: Callable[[Model], None], hook: str, kind: str) -> int:
    """Fail (or kill) call 1, 2, ... n of the hook in turn; return how many runs failed."""
    failures = 0
    calls = _count_calls(model, trigger, hook)
    assert calls >= 3  # the hook really makes tool calls
    for call in range(1, calls + 1):
        trigger(model)  # queues the hook (a remote change commits the remote bag first)
        before = snapshot(model)
        flags_before = model.unit(UNIT).flags
        model.inject_fault(UNIT, call=call, kind=kind)
        model.settle()
        failed = model.unit(UNIT).error
        if failed is None:
            # Only a call whose failure main() tolerates (juju-log) may let the hook pass.
            ran = [r for r in model.unit(UNIT).records if r.hook == hook][-1]
            assert ran.tool_calls[call - 1].argv[0] in TOLERATED, ran.tool_calls
            continue
        failures += 1
        INJECTED[kind] += 1
        assert failed.hook == hook
        if kind == "kill":
            assert failed.killed, failed
        assert snapshot(model) == before, f"{hook}: partial state after {kind} at call {call}"
        assert model.unit(UNIT).flags == flags_before
        retried = model.retry(UNIT)
        assert retried.exit_code == 0, retried.stderr
        assert model.unit(UNIT).error is None
    return failures


@pytest.mark.parametrize("kind", ["fail", "kill"])
@pytest.mark.parametrize("hook", sorted(TRIGGERS))
def test_each_tool_call_failing_leaves_nothing_partial(related: Model, hook: str, kind: str):
    if kind == "kill":  # a SIGKILL needs a real process: main() must not get to roll back
        related.engine.executor = SubprocessExecutor()
    assert _inject_each_call(related, TRIGGERS[hook], hook, kind) >= 2
    hooks = [r.hook for r in related.unit(UNIT).records if r.retry_of is not None]
    assert hook in hooks


def test_exception_in_handler_rolls_back_and_retry_succeeds(related: Model):
    unit = related.unit(UNIT)
    (unit.charm_dir / "FAIL").touch()
    _config(related)
    before = snapshot(related)
    related.settle()
    failed = unit.error
    assert failed is not None and failed.exit_code == 1
    assert "RuntimeError: failing on request" in failed.stderr
    INJECTED["exception"] += 1
    assert snapshot(related) == before
    (unit.charm_dir / "FAIL").unlink()
    assert related.retry(UNIT).exit_code == 0
    assert unit.kv("subject.greeting") != before[f"kv {UNIT}"].get("subject.greeting")  # type: ignore[union-attr]


