"""The notified view's journal and keys, hook by hook on fake hook tools (#15).

Each "hook" here is what ``main()`` does around the handlers: the participant's ``begin``,
reads through the runtime's tools, ``end``, then commit (or rollback for a failed hook).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

import pytest

from charms.reactive._lifecycle import Hook
from charms.reactive._notified import NotifiedRelations, journal_path
from charms.reactive._runtime import Runtime
from helpers.fakes import FakeHookTools

RID = "db:1"
UNITS = [f"remote/{i}" for i in range(4)]


@pytest.fixture
def fake(tools: FakeHookTools) -> FakeHookTools:
    tools.ids = {"db": [RID]}
    tools.units = {RID: list(UNITS)}
    tools.bags = {RID: {unit: {"v": unit} for unit in UNITS}}
    return tools


def run_hook(
    hook_runtime: Callable[..., Runtime],
    name: str = "update-status",
    *,
    fail: bool = False,
    **env: str,
) -> dict[str, dict[str, str]]:
    """Run one hook that reads every remote bag; return what it read."""
    rt = hook_runtime(name, **env)
    participant = NotifiedRelations()
    hook = Hook(rt, False, ())
    participant.begin(hook)
    seen = {}
    for rid in rt.tools.relation_ids("db"):
        for unit in rt.tools.relation_list(rid):
            seen[unit] = rt.tools.relation_get(rid, unit)
    if fail:
        rt.rollback()
        return seen
    participant.end(hook)
    rt.commit()
    return seen


def changed(unit: str) -> dict[str, str]:
    return {"relation": "db", "relation_id": RID, "remote_unit": unit, "remote_app": "remote"}


def gets(tools: FakeHookTools) -> list[str]:
    return [args[1] for name, args in tools.calls if name == "relation-get"]


def test_a_second_hook_reads_nothing(hook_runtime, fake):
    run_hook(hook_runtime)
    assert fake.count("relation-get") == 4
    fake.calls.clear()
    seen = run_hook(hook_runtime)
    assert fake.calls == []
    assert seen == {unit: {"v": unit} for unit in UNITS}


def test_a_changed_hook_reads_only_the_notified_bag(hook_runtime, fake):
    run_hook(hook_runtime)
    fake.bags[RID]["remote/2"] = {"v": "new"}
    fake.bags[RID]["remote/3"] = {"v": "not notified yet"}
    fake.calls.clear()
    seen = run_hook(hook_runtime, "db-relation-changed", **changed("remote/2"))
    assert gets(fake) == ["remote/2"]
    assert seen["remote/2"] == {"v": "new"}
    assert seen["remote/3"] == {"v": "remote/3"}  # as last notified: its -changed is queued


def test_failed_notified_hooks_are_read_again_by_the_next_hook(hook_runtime, fake):
    run_hook(hook_runtime)
    fake.bags[RID]["remote/0"] = {"v": "a"}
    fake.bags[RID]["remote/1"] = {"v": "b"}
    run_hook(hook_runtime, "db-relation-changed", fail=True, **changed("remote/0"))
    run_hook(hook_runtime, "db-relation-changed", fail=True, **changed("remote/1"))
    fake.calls.clear()

    seen = run_hook(hook_runtime)  # both skipped (resolved --no-retry)

    assert sorted(gets(fake)) == ["remote/0", "remote/1"]
    assert seen["remote/0"] == {"v": "a"}
    assert seen["remote/1"] == {"v": "b"}
    fake.calls.clear()
    run_hook(hook_runtime)
    assert gets(fake) == []  # handled: not read a third time


def test_a_committed_hook_leaves_nothing_to_read_again(hook_runtime, fake):
    run_hook(hook_runtime)
    run_hook(hook_runtime, "db-relation-changed", **changed("remote/0"))
    fake.calls.clear()
    run_hook(hook_runtime)
    assert fake.calls == []


@pytest.mark.parametrize("garbage", [b"\x00\xff", b"{}", b'[{"kind": "changed"}]', b"[1]"])
def test_an_unreadable_journal_drops_the_whole_view(hook_runtime, fake, charm_dir, garbage):
    run_hook(hook_runtime)
    journal_path(charm_dir / ".unit-state.db").write_bytes(garbage)
    fake.calls.clear()
    seen = run_hook(hook_runtime)
    assert fake.count("relation-get") == 4
    assert fake.count("relation-list") == 1
    assert seen == {unit: {"v": unit} for unit in UNITS}


def test_the_journal_is_private(hook_runtime, fake, charm_dir):
    old = os.umask(0)
    try:
        run_hook(hook_runtime, "db-relation-changed", **changed("remote/0"))
    finally:
        os.umask(old)
    mode = stat.S_IMODE(journal_path(charm_dir / ".unit-state.db").stat().st_mode)
    assert mode == 0o600


def test_a_departed_unit_is_served_as_last_notified_then_forgotten(hook_runtime, fake):
    run_hook(hook_runtime)
    fake.units[RID].remove("remote/1")
    fake.calls.clear()
    rt = hook_runtime("db-relation-departed", **changed("remote/1"))
    participant = NotifiedRelations()
    participant.begin(Hook(rt, False, ()))
    assert rt.tools.relation_get(RID, "remote/1") == {"v": "remote/1"}
    assert rt.tools.relation_list(RID) == ["remote/0", "remote/2", "remote/3"]
    participant.end(Hook(rt, False, ()))
    rt.commit()
    assert gets(fake) == []  # the departing unit's bag as last notified: no call
    assert "reactive.notified.bag.db:1.remote/1" not in rt.kv.getrange("reactive.notified.")


def test_a_bag_of_a_unit_that_is_not_a_member_is_not_kept(hook_runtime, fake):
    rt = hook_runtime()
    participant = NotifiedRelations()
    participant.begin(Hook(rt, False, ()))
    rt.tools.relation_get(RID, "gone/7")
    participant.end(Hook(rt, False, ()))
    rt.commit()
    assert not [k for k in rt.kv.getrange("reactive.notified.bag.") if "gone/7" in k]


def test_broken_forgets_the_relation(hook_runtime, fake):
    run_hook(hook_runtime)
    fake.ids["db"] = []
    rt = hook_runtime("db-relation-broken", relation="db", relation_id=RID, remote_app="remote")
    participant = NotifiedRelations()
    participant.begin(Hook(rt, False, ()))
    participant.end(Hook(rt, False, ()))
    rt.commit()
    assert list(rt.kv.getrange("reactive.notified.")) == ["reactive.notified.done"]


def test_the_environment_switch_drops_the_view(hook_runtime, fake, monkeypatch):
    run_hook(hook_runtime)
    monkeypatch.setenv("CHARMS_REACTIVE_NOTIFIED_CACHE", "off")
    fake.calls.clear()
    run_hook(hook_runtime)
    assert fake.count("relation-get") == 4
    rt = hook_runtime()
    assert rt.kv.getrange("reactive.notified.") == {}


@pytest.mark.parametrize("hook", ["install", "start", "upgrade-charm"])
def test_install_start_and_upgrade_read_membership_again(hook_runtime, fake, hook):
    run_hook(hook_runtime)
    fake.calls.clear()
    run_hook(hook_runtime, hook)
    assert fake.count("relation-ids") == 1
    assert fake.count("relation-list") == 1
    assert fake.count("relation-get") == 0  # bags are only re-read when notified
