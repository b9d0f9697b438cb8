"""Lifecycle fuzzer: random relate / add-unit / remote change / remove-unit / unrelate /
leader change / config change / upgrade-charm sequences, with invariants after every step.

``subject`` (every scope: ``u`` UNIT, ``s`` SERVICE, ``g`` GLOBAL, ``c`` custom ``pool``,
peers ``ring`` UNIT) is related to two applications of the hook-less remote charm (``beta``,
``gamma``), so one relation name has two relation ids. Hooks run in-process.

Normal run: ``NORMAL_EXAMPLES`` derandomized sequences of up to ``FUZZ_STEPS`` steps (default
12), about 55 hooks each in-process (deploying three applications included; the charm's own
``status_set()``/``is_leader()`` answered in-process too). Measured on an idle 2-core machine:
60 examples in 28-31 s (about 0.45 s a sequence, 9 ms a hook); in CI, beside the other
interpreters' runs, about twice that.

Long mode (outside CI)::

    FUZZ_EXAMPLES=20000 FUZZ_STEPS=30 FUZZ_STATS=/tmp/fuzz.txt \
        /tmp/dev/bin/pytest tests/reliability -m slow
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from helpers.notified import notified_view_errors
from helpers.reliability import REMOTE, copy_subject
from reactive_harness import Model
from reactive_harness.inprocess import InProcessExecutor

SCOPE = {"u": "unit", "s": "service", "g": "global", "c": "pool", "ring": "unit"}
REMOTES = ("beta", "gamma")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
#: Sequences of the normal run (about 30 s on 2 idle cores; the long mode fuzzes for real).
NORMAL_EXAMPLES = 60
STEPS = int(os.environ.get("FUZZ_STEPS", "12"))
#: Figures for the report.
STATS = {"sequences": 0, "steps": 0, "hooks": 0}


def expected_conversations(model: Model, unit_name: str) -> dict[str, list[str]]:
    """The conversations a unit must hold: its live related units grouped by scope."""
    unit = model.state.units[unit_name]
    out: dict[str, set[str]] = {}
    for rid, view in unit.views.items():
        rel = model.state.relations[rid]
        if view.broken or not view.members:
            continue
        ep = rel.end_for("subject").name
        key = rel.key("subject")
        for member in view.members:
            scope = SCOPE[ep]
            if scope == "unit":
                ns, value = key, member
            elif scope == "service":
                ns, value = key, member.split("/")[0]
            else:
                ns, value = ep, scope
            out.setdefault(f"reactive.conversations.{ns}.{value}", set()).add(member)
    return {k: sorted(v) for k, v in out.items()}


def stored_conversations(model: Model, unit_name: str) -> dict[str, list[str]]:
    convs = model.unit_kv(unit_name, "reactive.conversations.")
    return {k: sorted(v["units"]) for k, v in convs.items() if ".local-data." not in k}


class Lifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        import tempfile
        from pathlib import Path

        self.tmp = Path(tempfile.mkdtemp(prefix="fuzz-"))
        self.charm = copy_subject(self.tmp / "subject")
        self.model = Model(self.tmp / "m", executor=InProcessExecutor(), fail_fast=True)
        self.model.deploy(self.charm, "subject")
        for app in REMOTES:
            self.model.deploy(REMOTE, app)
        self.counter = 0
        STATS["sequences"] += 1

    def teardown(self) -> None:
        try:
            for rel in self.model.relations:
                if not rel.is_peer:
                    self.model.unrelate(rel)
            for unit in self.model.app("subject").units[1:]:
                self.model.remove_unit(unit)
            self.check()
            for unit in self.model.app("subject").units:
                kv = unit.kv("reactive.conversations.")
                assert all(k.startswith("reactive.conversations.ring") for k in kv), kv
            STATS["hooks"] += len(self.model.records)
            if "FUZZ_STATS" in os.environ:  # running figures, readable while a long run goes on
                with open(os.environ["FUZZ_STATS"], "a") as out:
                    out.write(f"{STATS}\n")
        finally:
            self.model.close()
            import shutil

            shutil.rmtree(self.tmp, ignore_errors=True)

    def _related(self) -> list:
        return [r for r in self.model.relations if not r.is_peer and not r.removed]

    @rule(app=st.sampled_from(REMOTES), ep=st.sampled_from("usgc"))
    def relate(self, app: str, ep: str) -> None:
        pair = {f"subject:{ep}", f"{app}:{ep}"}
        if any(set(r.endpoints) == pair for r in self.model.relations):
            return
        self.model.relate(f"subject:{ep}", f"{app}:{ep}")

    @rule(app=st.sampled_from(("subject", *REMOTES)))
    def add_unit(self, app: str) -> None:
        if len(self.model.app(app).units) < 3:
            self.model.add_unit(app)

    @rule(app=st.sampled_from(("subject", *REMOTES)), index=st.integers(0, 2))
    def remove_unit(self, app: str, index: int) -> None:
        units = self.model.app(app).units
        if len(units) > 1:
            self.model.remove_unit(units[index % len(units)])

    @precondition(lambda self: bool(self._related()))
    @rule(index=st.integers(0, 7), value=st.sampled_from(["", "1", "x"]))
    def remote_change(self, index: int, value: str) -> None:
        rels = self._related()
        rel = rels[index % len(rels)]
        remote = next(e for e in rel.endpoints if not e.startswith("subject:")).split(":")[0]
        units = self.model.app(remote).units
        self.model.set_relation_data(rel, units[index % len(units)], {"value": value})

    @precondition(lambda self: bool(self._related()))
    @rule(index=st.integers(0, 7))
    def unrelate(self, index: int) -> None:
        rels = self._related()
        self.model.unrelate(rels[index % len(rels)])

    @rule(index=st.integers(0, 2))
    def leader(self, index: int) -> None:
        units = self.model.app("subject").units
        self.model.set_leader(units[index % len(units)])

    @rule()
    def config(self) -> None:
        self.counter += 1
        self.model.set_config("subject", {"greeting": f"g{self.counter}"})

    @rule()
    def upgrade(self) -> None:
        self.model.upgrade_charm("subject")

    @invariant()
    def check(self) -> None:
        STATS["steps"] += 1
        assert all(r.exit_code in (None, 0) for r in self.model.records)
        for unit in self.model.app("subject").units:
            if self.counter:  # every unit's charm code saw the latest config
                greeting = unit.kv("subject.greeting").get("subject.greeting")
                assert greeting == f"g{self.counter}", (unit.name, greeting)
            assert stored_conversations(self.model, unit.name) == expected_conversations(
                self.model, unit.name
            )
            assert not notified_view_errors(self.model, unit.name), (
                unit.name,
                notified_view_errors(self.model, unit.name),
            )
            convs = set(unit.kv("reactive.conversations."))
            for key, value in unit.kv("reactive.states.").items():
                if isinstance(value, dict) and "conversations" in value:
                    missing = [c for c in value["conversations"] if c not in convs]
                    assert not missing, (key, missing)


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=examples <= 100,
    )


def test_lifecycle_fuzz() -> None:
    """The normal run: ``NORMAL_EXAMPLES`` short sequences (derandomized: CI is repeatable)."""
    Lifecycle.TestCase.settings = _settings(NORMAL_EXAMPLES)
    Lifecycle.TestCase().runTest()


@pytest.mark.slow
@pytest.mark.skipif("FUZZ_EXAMPLES" not in os.environ, reason="long mode: set FUZZ_EXAMPLES")
def test_lifecycle_fuzz_long() -> None:
    """The long mode: ``FUZZ_EXAMPLES`` sequences (default 2000), random seeds."""
    Lifecycle.TestCase.settings = _settings(int(os.environ.get("FUZZ_EXAMPLES", "2000")))
    Lifecycle.TestCase().runTest()
