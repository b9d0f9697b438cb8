"""Transactional hooks: a hook that fails anywhere leaves no trace in the unit's state.

Juju discards a failed hook's relation writes and retries the hook; the retry must find the
state from before the first attempt. These tests make every hook-tool call of representative
hooks fail in turn, kill the hook (SIGKILL, SIGTERM) at every call, and raise in a handler,
then compare the unit's whole key-value store and every committed bag with the state before
the hook, and retry the hook, which must then succeed. A hook killed after its commit (before
Juju saw it exit) must end, after Juju's retry or ``juju resolved --no-retry``, exactly as
the same hook run without a fault.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator

import pytest

from helpers.reliability import REMOTE, snapshot
from reactive_harness import Model, SettleLimitError, SubprocessExecutor
from reactive_harness.inprocess import InProcessExecutor

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
INJECTED: dict[str, int] = {"fail": 0, "kill": 0, "term": 0, "lost": 0, "exception": 0}


@contextlib.contextmanager
def _processes_for(model: Model, kind: str) -> Iterator[None]:
    """Run the block's hooks as processes when ``kind`` is a signal, in-process otherwise.

    A kill needs a real process (main() must not get to roll back). The hooks that set the
    scene and the retry run in-process: they are the same code, and a process each costs
    most of these tests' time.
    """
    if kind not in ("kill", "term"):
        yield
        return
    saved = model.engine.executor
    model.engine.executor = SubprocessExecutor()
    try:
        yield
    finally:
        model.engine.executor = saved


def _last_failed(model: Model):
    return model.unit(UNIT).error


def _count_calls(model: Model, trigger: Callable[[Model], None], hook: str, kind: str) -> int:
    trigger(model)
    with _processes_for(model, kind):  # counted as the faults will run it
        model.settle()
    assert model.unit(UNIT).error is None
    records = [r for r in model.unit(UNIT).records if r.hook == hook]
    return len(records[-1].tool_calls)


def _inject_each_call(model: Model, trigger: Callable[[Model], None], hook: str, kind: str) -> int:
    """Fail (or kill) call 1, 2, ... n of the hook in turn; return how many runs failed."""
    failures = 0
    calls = _count_calls(model, trigger, hook, kind)
    assert calls >= 3  # the hook really makes tool calls
    for call in range(1, calls + 1):
        trigger(model)  # queues the hook (a remote change commits the remote bag first)
        before = snapshot(model)
        flags_before = model.unit(UNIT).flags
        model.inject_fault(UNIT, call=call, kind=kind)
        with _processes_for(model, kind):
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
        if kind in ("kill", "term"):
            assert failed.killed, failed
        assert snapshot(model) == before, f"{hook}: partial state after {kind} at call {call}"
        assert model.unit(UNIT).flags == flags_before
        retried = model.retry(UNIT)
        assert retried.exit_code == 0, retried.stderr
        assert model.unit(UNIT).error is None
    return failures


@pytest.mark.parametrize("kind", ["fail", "kill", "term"])
@pytest.mark.parametrize("hook", sorted(TRIGGERS))
def test_each_tool_call_failing_leaves_nothing_partial(related: Model, hook: str, kind: str):
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
    assert failed is not None
    assert failed.exit_code == 1
    assert "RuntimeError: failing on request" in failed.stderr
    INJECTED["exception"] += 1
    assert snapshot(related) == before
    (unit.charm_dir / "FAIL").unlink()
    assert related.retry(UNIT).exit_code == 0
    assert unit.kv("subject.greeting") != before[f"kv {UNIT}"].get("subject.greeting")  # type: ignore[union-attr]


# -- teardown hooks: -departed and -broken ---------------------------------------------------


def _own_state(model: Model) -> dict[str, object]:
    """The failing unit's whole kv store and the bags it writes (its own and its app's)."""
    out: dict[str, object] = {"kv": model.unit_kv(UNIT)}
    for rid, rel in sorted(model.state.relations.items()):
        out[f"unit bag {rid}"] = dict(rel.unit_bags.get(UNIT, {}))
        out[f"app bag {rid}"] = dict(rel.app_bags.get("subject", {}))
    return out


def _run_until(model: Model, hook: str) -> None:
    """Run queued hooks one at a time until ``hook`` is next for the unit."""
    while model.pending().get(UNIT, [None])[0] != hook:
        assert model.pending(), f"{hook} never queued"
        with contextlib.suppress(SettleLimitError):
            model.settle(limit=1)


def _teardown(model: Model, hook: str, ep: str) -> None:
    """Queue ``hook``: remove a fresh remote unit (-departed) or unrelate ``ep`` (-broken)."""
    if hook.endswith("-departed"):
        (new,) = model.add_unit("beta")
        model.remove_unit(new, settle=False)
    else:
        if not any(set(r.endpoints) == {f"subject:{ep}", f"beta:{ep}"} for r in model.relations
                   if not r.removed):  # fmt: skip
            model.relate(f"subject:{ep}", f"beta:{ep}")
        model.unrelate(f"subject:{ep} beta:{ep}", settle=False)
    _run_until(model, hook)


#: Each teardown hook failing and killed at each call; SIGTERM (handled by main(), whatever the
#: hook: test_each_tool_call_failing_leaves_nothing_partial covers it in four hooks) in one.
TEARDOWN_FAULTS = [
    (hook, kind)
    for hook in ("u-relation-departed", "u-relation-broken", "g-relation-broken")
    for kind in ("fail", "kill", "term")
    if kind != "term" or hook == "u-relation-broken"
]


@pytest.mark.parametrize(("hook", "kind"), TEARDOWN_FAULTS)
def test_teardown_hook_failing_at_each_call_leaves_nothing_partial(
    related: Model, hook: str, kind: str
):
    ep = hook.split("-")[0]
    _teardown(related, hook, ep)
    with _processes_for(related, kind):  # counted as the faults will run it
        related.settle()
    assert related.unit(UNIT).error is None
    calls = len([r for r in related.unit(UNIT).records if r.hook == hook][-1].tool_calls)
    assert calls >= 3
    failures = 0
    for call in range(1, calls + 1):
        _teardown(related, hook, ep)
        before = _own_state(related)
        flags_before = related.unit(UNIT).flags
        related.inject_fault(UNIT, call=call, kind=kind, hook=hook)
        with _processes_for(related, kind):
            related.settle()
        failed = related.unit(UNIT).error
        if failed is None:
            ran = [r for r in related.unit(UNIT).records if r.hook == hook][-1]
            assert ran.tool_calls[call - 1].argv[0] in TOLERATED, ran.tool_calls
            continue
        failures += 1
        INJECTED[kind] += 1
        assert failed.hook == hook
        assert failed.killed == (kind in ("kill", "term"))
        assert _own_state(related) == before, f"{hook}: partial state after {kind} at {call}"
        assert related.unit(UNIT).flags == flags_before
        assert related.retry(UNIT).exit_code == 0
        assert related.unit(UNIT).error is None
    assert failures >= 1  # -broken reads little: its only non-log calls may be few
    # After the retries the conversations match the live relations: nothing stale remains.
    convs = related.unit(UNIT).kv("reactive.conversations.")
    if hook.endswith("-broken"):
        assert not [k for k in convs if k.startswith(f"reactive.conversations.{ep}")], convs
    else:
        assert all(
            set(v["units"]) <= {u.name for u in related.app("beta").units}
            for k, v in convs.items() if ".local-data." not in k
        ), convs  # fmt: skip


# -- killed after the commit, before Juju saw the hook exit ----------------------------------

FIXED_TRIGGERS: dict[str, Callable[[Model], None]] = {
    "config-changed": lambda m: m.set_config("subject", {"greeting": "fixed"}, settle=False),
    "u-relation-changed": lambda m: m.set_relation_data(
        "subject:u beta:u", "beta/1", {"value": "fixed"}, settle=False
    ),
    "update-status": _update_status,
}


def _comparable(model: Model) -> dict[str, object]:
    state = snapshot(model)
    for key, value in state.items():
        if key.startswith("kv ") and isinstance(value, dict):
            value.pop("reactive.last_commit", None)  # numbered per commit: retries add some
            for cached in [k for k in value if k.startswith("reactive.notified.")]:
                del value[cached]  # the notified view: a cache (checked by the fuzzer)
    return state


@pytest.mark.parametrize("resolution", ["retry", "no-retry"])
@pytest.mark.parametrize("hook", sorted(FIXED_TRIGGERS))
def test_a_hook_killed_after_its_commit_ends_as_the_fault_free_run(
    tmp_path, subject_charm, hook: str, resolution: str
):
    with contextlib.ExitStack() as stack:
        ref, faulty = (
            stack.enter_context(
                Model(tmp_path / name, fail_fast=False, executor=InProcessExecutor())
            )
            for name in ("ref", "faulty")
        )
        for model in (ref, faulty):
            _relate_all(model, subject_charm)
        FIXED_TRIGGERS[hook](ref)
        ref.settle()
        done = faulty.unit(UNIT).charm_dir / ".unit-state.db.done"
        done.unlink(missing_ok=True)
        done.mkdir()  # the kill lands between the commit and the mark that it was passed
        faulty.inject_fault(UNIT, kind="lost", hook=hook)
        FIXED_TRIGGERS[hook](faulty)
        faulty.settle()
        assert faulty.unit(UNIT).error is not None
        INJECTED["lost"] += 1
        done.rmdir()
        if resolution == "retry":
            assert faulty.retry(UNIT).exit_code == 0
        else:
            faulty.resolve(UNIT)
        # The next hook is another one: after --no-retry, the same hook again would be taken
        # for Juju's retry (docs/failure-behaviour.md, known limits).
        follow_up = "config-changed" if hook == "update-status" else "update-status"
        for model in (ref, faulty):
            if follow_up == "update-status":
                model.update_status("subject")
            else:
                model.set_config("subject", {"greeting": "next"})
        assert _comparable(faulty) == _comparable(ref)
