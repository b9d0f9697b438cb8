"""HookLifecycle: the one sequence of a hook, its participants, and the one commit path."""

from __future__ import annotations

import sqlite3

import pytest

from charms.reactive import _main, flags
from charms.reactive._config_flags import ConfigFlags
from charms.reactive._endpoint_flags import EndpointLifecycle
from charms.reactive._lifecycle import (
    CharmhelpersCallbacks,
    Hook,
    HookLifecycle,
    SeriesUpgradeFlag,
    TriggerReset,
)
from charms.reactive._notified import NotifiedRelations
from charms.reactive.relations import ConversationLifecycle


class Recorder:
    """A participant that records what it was told, into a shared journal."""

    def __init__(self, name, journal, fail_in=None):
        self.name, self.journal, self.fail_in = name, journal, fail_in

    def begin(self, hook: Hook) -> None:
        handled = flags.is_flag_set("handled")
        self.journal.append(f"{self.name}.begin:{hook.rt.context.hook_name}:{handled}")
        flags.set_flag(f"{self.name}.began")
        if self.fail_in == "begin":
            raise RuntimeError(f"{self.name} fails")

    def end(self, hook: Hook) -> None:
        self.journal.append(f"{self.name}.end:{flags.is_flag_set('handled')}")
        if self.fail_in == "end":
            raise RuntimeError(f"{self.name} fails")


def committed(rt) -> set[str]:
    conn = sqlite3.connect(rt.db_path)
    try:
        return {k for (k,) in conn.execute("select key from kv")}
    except sqlite3.OperationalError:
        return set()
    finally:
        conn.close()


@pytest.fixture
def handler(write):
    write(
        "reactive/h.py",
        """
        from charms.reactive import set_flag, when
        @when('a.began')
        def handle():
            set_flag('handled')
        """,
    )


def test_participants_begin_and_end_in_registration_order_around_the_dispatch(
    rt, registry, handler
):
    journal: list[str] = []
    lifecycle = HookLifecycle(rt, registry)
    for name in ("a", "b"):
        lifecycle.register(Recorder(name, journal))
    reports = []

    lifecycle.run(False, reports.append)

    assert journal == [
        "a.begin:update-status:False",
        "b.begin:update-status:False",
        "a.end:True",
        "b.end:True",
    ]
    assert reports == [None]
    assert {"reactive.states.a.began", "reactive.states.handled"} <= committed(rt)


def test_a_failing_participant_rolls_the_whole_hook_back_and_reports_once(rt, registry, handler):
    journal: list[str] = []
    lifecycle = HookLifecycle(rt, registry)
    lifecycle.register(Recorder("a", journal))
    lifecycle.register(Recorder("b", journal, fail_in="end"))
    reports = []

    with pytest.raises(RuntimeError, match="b fails"):
        lifecycle.run(False, reports.append)

    assert journal == [
        "a.begin:update-status:False",
        "b.begin:update-status:False",
        "a.end:True",
        "b.end:True",
    ]
    assert [type(r).__name__ for r in reports] == ["RuntimeError"]
    assert "reactive.states.a.began" not in committed(rt)


def test_a_failure_in_begin_skips_the_dispatch_and_every_end(rt, registry, handler):
    journal: list[str] = []
    lifecycle = HookLifecycle(rt, registry)
    lifecycle.register(Recorder("a", journal, fail_in="begin"))
    lifecycle.register(Recorder("b", journal))

    with pytest.raises(RuntimeError, match="a fails"):
        lifecycle.run(False, lambda error: None)

    assert journal == ["a.begin:update-status:False"]
    assert committed(rt) == set()


def test_restricted_hooks_run_no_participant(hook_runtime, registry):
    rt = hook_runtime("collect-metrics")
    journal: list[str] = []
    lifecycle = HookLifecycle(rt, registry)
    lifecycle.register(Recorder("a", journal))

    lifecycle.run(True, lambda error: None)

    assert journal == []


def test_system_exit_zero_ends_the_dispatch_and_the_hook_still_commits(rt, registry, write):
    write(
        "reactive/h.py",
        """
        import sys
        from charms.reactive import set_flag, when
        @when('a.began')
        def stop():
            set_flag('stopped')
            sys.exit(0)
        """,
    )
    journal: list[str] = []
    lifecycle = HookLifecycle(rt, registry)
    lifecycle.register(Recorder("a", journal))

    lifecycle.run(False, lambda error: None)

    assert journal == ["a.begin:update-status:False", "a.end:False"]
    assert "reactive.states.stopped" in committed(rt)


def test_the_report_runs_after_relation_writes_and_before_the_store(rt, registry, tools):
    tools.bags["db:1"] = {}
    lifecycle = HookLifecycle(rt, registry)
    seen = []

    class Writer:
        def begin(self, hook: Hook) -> None:
            hook.rt.tools.relation_set("db:1", {"k": "v"})
            flags.set_flag("wrote")

        def end(self, hook: Hook) -> None:
            pass

    lifecycle.register(Writer())

    lifecycle.run(False, lambda error: seen.append((dict(tools.bags["db:1"]), committed(rt))))

    assert seen == [({"local/0": {"k": "v"}}, set())]
    assert "reactive.states.wrote" in committed(rt)


def test_main_registers_every_built_in_participant_in_order(rt):
    kinds = [type(p) for p in _main.hook_lifecycle(rt).participants]

    assert kinds == [
        NotifiedRelations,
        SeriesUpgradeFlag,
        ConfigFlags,
        CharmhelpersCallbacks,
        ConversationLifecycle,
        EndpointLifecycle,
        TriggerReset,
    ]
