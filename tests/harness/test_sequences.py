"""Hook order and hook environment, against Juju's documented sequences.

Sources: juju ``docs/reference/hook.md`` (start-up order; peers; -departed/-broken),
Juju's documentation of hook environments and teardown reads (hook.md in juju/juju).
Most charms here have no hook files: Juju skips missing hooks, and the emulator still records
them, so the sequence is checked without starting a process.
"""

from __future__ import annotations

import shutil

import pytest

from reactive_harness import Model, SettleLimitError


def hooks(model, unit, start=0):
    return [
        (r.hook, r.env.get("JUJU_REMOTE_UNIT", None))
        for r in model.records[start:]
        if r.unit == unit
    ]


def names(model, unit, start=0):
    return [h for h, _ in hooks(model, unit, start)]


STARTUP = ["install", "leader-settings-changed", "config-changed", "start"]


def test_deploy_single_unit_runs_startup_hooks_with_peer_created_and_no_join(model, make_charm):
    model.deploy(make_charm("a", peers={"p": "a-peer"}))
    assert names(model, "a/0") == [
        "install",
        "p-relation-created",
        "leader-elected",
        "config-changed",
        "start",
    ]
    assert all(r.skipped for r in model.records)


def test_deploy_two_units_non_leader_gets_leader_settings_changed_and_peers_join(
    model, make_charm
):
    model.deploy(make_charm("a", peers={"p": "a-peer"}), num_units=2)
    assert hooks(model, "a/1") == [
        ("install", None),
        ("p-relation-created", ""),
        ("leader-settings-changed", None),
        ("config-changed", None),
        ("start", None),
        ("p-relation-joined", "a/0"),
        ("p-relation-changed", "a/0"),
    ]
    assert hooks(model, "a/0")[-2:] == [
        ("p-relation-joined", "a/1"),
        ("p-relation-changed", "a/1"),
    ]
    assert model.app("a").leader.name == "a/0"


def test_relate_runs_created_then_joined_and_changed_per_remote_unit(model, make_charm):
    model.deploy(make_charm("a", provides={"x": "i"}), num_units=2)
    model.deploy(make_charm("b", requires={"x": "i"}), num_units=3)
    start = len(model.records)
    model.relate("a", "b")
    for unit, remotes in (("a/0", ["b/0", "b/1", "b/2"]), ("b/2", ["a/0", "a/1"])):
        seen = hooks(model, unit, start)
        assert seen[0] == ("x-relation-created", "")
        pairs = seen[1:]
        assert len(pairs) == 2 * len(remotes)
        for i in range(0, len(pairs), 2):
            assert pairs[i][0] == "x-relation-joined"
            assert pairs[i + 1] == ("x-relation-changed", pairs[i][1])
        assert sorted(r for _, r in pairs[::2]) == remotes


def test_relation_ids_share_the_number_but_not_the_endpoint_name(model, make_charm):
    model.deploy(make_charm("web", provides={"website": "http"}))
    model.deploy(make_charm("lb", requires={"backend": "http"}))
    start = len(model.records)
    rel = model.relate("web:website", "lb:backend")
    env_web = model.records[start].env if model.records[start].unit == "web/0" else None
    by_unit = {r.unit: r.env for r in model.records[start:] if r.hook.endswith("-created")}
    assert by_unit["web/0"]["JUJU_RELATION_ID"] == f"website:{rel.id}"
    assert by_unit["lb/0"]["JUJU_RELATION_ID"] == f"backend:{rel.id}"
    assert by_unit["lb/0"]["JUJU_RELATION"] == "backend"
    assert env_web is None or env_web["JUJU_REMOTE_APP"] == "lb"
    assert rel.key("lb") == f"backend:{rel.id}"


def test_relation_hook_environment(model, make_charm):
    model.deploy(make_charm("a", provides={"x": "i"}))
    model.deploy(make_charm("b", requires={"x": "i"}))
    start = len(model.records)
    model.relate("a", "b")
    env = {r.hook: r.env for r in model.records[start:] if r.unit == "b/0"}
    created, joined, changed = (env[f"x-relation-{k}"] for k in ("created", "joined", "changed"))
    assert (created["JUJU_REMOTE_UNIT"], created["JUJU_REMOTE_APP"]) == ("", "a")
    assert (joined["JUJU_REMOTE_UNIT"], joined["JUJU_REMOTE_APP"]) == ("a/0", "a")
    assert changed["JUJU_REMOTE_UNIT"] == "a/0"
    for e in (created, joined, changed):
        assert e["JUJU_UNIT_NAME"] == "b/0"
        assert e["JUJU_RELATION"] == "x"
        assert "JUJU_DEPARTING_UNIT" not in e
        assert e["JUJU_MODEL_NAME"] == "test-model"
        assert e["JUJU_CHARM_DIR"] == e["CHARM_DIR"] == str(model.unit("b/0").charm_dir)
        assert e["UNIT_STATE_DB"] == str(model.unit("b/0").charm_dir / ".unit-state.db")


def test_hook_process_sees_juju_environment_and_runs_in_charm_dir(model, make_charm):
    charm = make_charm("a", hooks={"install": 'echo "$PWD|$JUJU_HOOK_NAME|$JUJU_UNIT_NAME"'})
    model.deploy(charm)
    record = model.records[0]
    unit_dir = model.unit("a/0").charm_dir
    assert record.stdout == f"{unit_dir}|install|a/0\n"
    assert unit_dir.parent.name == "unit-a-0"
    assert unit_dir.parent.parent.name == "agents"


def test_add_unit_creates_before_start_and_joins_after(model, make_charm):
    model.deploy(make_charm("a", provides={"x": "i"}))
    model.deploy(make_charm("b", requires={"x": "i"}))
    model.relate("a", "b")
    start = len(model.records)
    model.add_unit("b")
    assert names(model, "b/1", start) == [
        "install",
        "x-relation-created",
        "leader-settings-changed",
        "config-changed",
        "start",
        "x-relation-joined",
        "x-relation-changed",
    ]
    assert hooks(model, "a/0", start) == [
        ("x-relation-joined", "b/1"),
        ("x-relation-changed", "b/1"),
    ]


def test_remove_unit_departs_both_sides_then_breaks_stops_and_removes(model, make_charm):
    model.deploy(make_charm("a", provides={"x": "i"}, peers={"p": "a-peer"}), num_units=2)
    model.deploy(make_charm("b", requires={"x": "i"}), num_units=2)
    model.relate("a", "b")
    start = len(model.records)
    model.remove_unit("a/1")
    leaving = [
        (r.hook, r.env.get("JUJU_REMOTE_UNIT"), r.env.get("JUJU_DEPARTING_UNIT"))
        for r in model.records[start:]
        if r.unit == "a/1"
    ]
    assert leaving == [
        ("p-relation-departed", "a/0", "a/1"),
        ("p-relation-broken", "", None),
        ("x-relation-departed", "b/0", "a/1"),
        ("x-relation-departed", "b/1", "a/1"),
        ("x-relation-broken", "", None),
        ("stop", None, None),
        ("remove", None, None),
    ]
    for unit, hook in (("a/0", "p-relation-departed"), ("b/0", "x-relation-departed")):
        (record,) = [r for r in model.records[start:] if r.unit == unit]
        assert record.hook == hook
        assert (record.env["JUJU_REMOTE_UNIT"], record.env["JUJU_DEPARTING_UNIT"]) == (
            "a/1",
            "a/1",
        )
    assert [u.name for u in model.app("a").units] == ["a/0"]


def test_departed_hook_no_longer_lists_the_departing_unit_but_can_read_it(model, make_charm):
    log = (
        'juju-log "list=$(relation-list | tr "\\n" " ") '
        'data=$(relation-get k "$JUJU_REMOTE_UNIT")"'
    )
    model.deploy(make_charm("a", provides={"x": "i"}, hooks={"x-relation-departed": log}))
    model.deploy(make_charm("b", requires={"x": "i"}), num_units=2)
    rel = model.relate("a", "b")
    model.exec("b/1", f"relation-set -r {rel.id} k=from-b1")
    model.remove_unit("b/1")
    (line,) = [entry.message for entry in model.unit("a/0").log]
    assert line == f"x:{rel.id}: list=b/0  data=from-b1"


def test_unrelate_departs_each_remote_then_breaks_without_remote_unit(model, make_charm):
    model.deploy(make_charm("a", provides={"x": "i"}), num_units=2)
    model.deploy(make_charm("b", requires={"x": "i"}))
    rel = model.relate("a", "b")
    start = len(model.records)
    model.unrelate("a b")
    assert hooks(model, "b/0", start) == [
        ("x-relation-departed", "a/0"),
        ("x-relation-departed", "a/1"),
        ("x-relation-broken", ""),
    ]
    broken = [r for r in model.records[start:] if r.hook == "x-relation-broken"]
    assert {r.env["JUJU_REMOTE_APP"] for r in broken if r.unit == "b/0"} == {"a"}
    assert {r.env["JUJU_RELATION_ID"] for r in broken} == {f"x:{rel.id}"}
    assert rel.removed
    assert model.relations == []


@pytest.mark.parametrize(
    ("version", "listed"), [("3.6.0", ""), ("3.3.0", "x:1")], ids=["juju-3.6", "juju-3.3"]
)
def test_broken_relation_left_out_of_relation_ids_since_juju_3_4(
    tmp_path, make_charm, version, listed
):
    hook = 'juju-log "ids=$(relation-ids x) data=$(relation-get -r $JUJU_RELATION_ID k b/0)"'
    with Model(tmp_path / "m", juju_version=version) as model:
        model.deploy(
            make_charm(
                "a", provides={"x": "i"}, peers={"p": "q"}, hooks={"x-relation-broken": hook}
            )
        )
        model.deploy(make_charm("b", requires={"x": "i"}))
        model.relate("a", "b")
        model.exec("b/0", "relation-set -r 1 k=kept")
        model.unrelate("a b")
        assert [line.message for line in model.unit("a/0").log] == [f"x:1: ids={listed} data=kept"]


def test_peer_relation_is_never_broken_for_surviving_units(model, make_charm):
    model.deploy(make_charm("a", peers={"p": "q"}), num_units=3)
    start = len(model.records)
    model.remove_unit("a/2")
    assert names(model, "a/0", start) == ["p-relation-departed"]
    assert names(model, "a/1", start) == ["p-relation-departed"]
    with pytest.raises(Exception, match="peer relation"):
        model.unrelate(0)


def test_set_leader_runs_leader_elected_on_new_leader_only(model, make_charm):
    model.deploy(make_charm("a"), num_units=3)
    start = len(model.records)
    model.set_leader("a/2")
    assert [(r.unit, r.hook) for r in model.records[start:]] == [("a/2", "leader-elected")]
    assert model.unit("a/2").is_leader
    assert not model.unit("a/0").is_leader
    assert model.exec("a/2", "is-leader").stdout == "True\n"
    assert model.exec("a/0", "is-leader --format=json").stdout == "false\n"


def test_removing_the_leader_elects_another(model, make_charm):
    model.deploy(make_charm("a"), num_units=2)
    start = len(model.records)
    model.remove_unit("a/0")
    assert ("a/1", "leader-elected") in [(r.unit, r.hook) for r in model.records[start:]]
    assert model.app("a").leader.name == "a/1"


def test_leader_set_wakes_non_leaders_only_on_change(model, make_charm):
    model.deploy(make_charm("a"), num_units=3)
    start = len(model.records)
    model.exec("a/0", "leader-set k=v")
    assert [(r.unit, r.hook) for r in model.records[start + 1 :]] == [
        ("a/1", "leader-settings-changed"),
        ("a/2", "leader-settings-changed"),
    ]
    start = len(model.records)
    model.exec("a/0", "leader-set k=v")
    assert len(model.records) == start + 1
    assert model.exec("a/2", "leader-get k").stdout == "v\n"


def test_config_change_runs_config_changed_only_on_real_change(model, make_charm):
    model.deploy(make_charm("a", config={"port": {"type": "int", "default": 80}}), num_units=2)
    start = len(model.records)
    model.set_config("a", {"port": 81})
    assert [(r.unit, r.hook) for r in model.records[start:]] == [
        ("a/0", "config-changed"),
        ("a/1", "config-changed"),
    ]
    start = len(model.records)
    model.set_config("a", {"port": 81})
    assert model.records[start:] == []
    model.set_config("a", {"port": None})
    assert model.app("a").config == {"port": 80}


def test_upgrade_charm_then_config_changed(model, make_charm):
    model.deploy(make_charm("a"))
    start = len(model.records)
    model.upgrade_charm("a")
    assert names(model, "a/0", start) == ["upgrade-charm", "config-changed"]


def test_update_status_on_every_unit(model, make_charm):
    model.deploy(make_charm("a"), num_units=2)
    model.deploy(make_charm("b"))
    start = len(model.records)
    model.update_status()
    assert [(r.unit, r.hook) for r in model.records[start:]] == [
        ("a/0", "update-status"),
        ("a/1", "update-status"),
        ("b/0", "update-status"),
    ]


def test_unit_leaving_before_remote_joined_it_gets_no_join_or_depart(model, make_charm):
    model.deploy(make_charm("a", provides={"x": "i"}))
    model.deploy(make_charm("b", requires={"x": "i"}))
    model.relate("a", "b")
    start = len(model.records)
    model.add_unit("b", settle=False)
    # b/1 enters scope when its -created runs; stop right after that.
    while "x-relation-created" not in names(model, "b/1", start):
        model.engine.run_next(model.engine.next_unit())
    model.remove_unit("b/1")
    assert names(model, "a/0", start) == []


def test_changes_before_a_hook_runs_coalesce_into_one_changed(model, make_charm):
    model.deploy(make_charm("a", provides={"x": "i"}))
    model.deploy(make_charm("b", requires={"x": "i"}))
    rel = model.relate("a", "b")
    start = len(model.records)
    assert model.exec("b/0", f"relation-set -r {rel.id} k=1", settle=False).committed
    assert model.exec("b/0", f"relation-set -r {rel.id} k=2", settle=False).committed
    model.settle()
    assert hooks(model, "a/0", start) == [("x-relation-changed", "b/0")]


def test_a_loop_between_units_is_reported_not_hung(model, make_charm):
    bump = 'relation-set n="$(date +%s%N)"'
    model.deploy(make_charm("a", provides={"x": "i"}, hooks={"x-relation-changed": bump}))
    model.deploy(make_charm("b", requires={"x": "i"}, hooks={"x-relation-changed": bump}))
    model.hook_limit = 20
    with pytest.raises(
        SettleLimitError, match=r"did not settle after 20 hooks.*x-relation-changed"
    ):
        model.relate("a", "b")


def test_unrelate_and_remove_unit_together_queue_each_teardown_hook_once(model, make_charm):
    model.deploy(make_charm("a", provides={"x": "i"}), num_units=2)
    model.deploy(make_charm("b", requires={"x": "i"}), num_units=2)
    rel = model.relate("a", "b")
    start = len(model.records)
    model.remove_unit("b/1", settle=False)
    model.unrelate(rel, settle=False)
    model.settle()
    seen = [(r.unit, r.hook, r.env.get("JUJU_REMOTE_UNIT")) for r in model.records[start:]]
    assert len(seen) == len(set(seen))
    assert seen.count(("a/0", "x-relation-departed", "b/1")) == 1
    assert [h for u, h, _ in seen if u == "b/1"] == [
        "x-relation-departed",
        "x-relation-departed",
        "x-relation-broken",
        "stop",
        "remove",
    ]
    for unit in ("a/0", "a/1", "b/0"):
        assert [h for u, h, _ in seen if u == unit][-1] == "x-relation-broken"


def test_upgrade_charm_replaces_files_and_symlinks_and_keeps_unit_files(
    model, make_charm, tmp_path
):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "shared.txt").write_text("not the unit's\n")
    charm = make_charm("a")
    (charm / "lib").symlink_to(outside, target_is_directory=True)
    (charm / "data.txt").write_text("v1\n")
    model.deploy(charm)
    unit_dir = model.unit("a/0").charm_dir
    (unit_dir / "written-by-the-unit.txt").write_text("kept\n")

    # The new charm has a real lib/ where the old one had a symlink, and data.txt changed.
    (charm / "lib").unlink()
    (charm / "lib").mkdir()
    (charm / "lib" / "shared.txt").write_text("the charm's own\n")
    (charm / "data.txt").write_text("v2\n")
    model.upgrade_charm("a", charm)

    assert not (unit_dir / "lib").is_symlink()
    assert (unit_dir / "lib" / "shared.txt").read_text() == "the charm's own\n"
    assert (outside / "shared.txt").read_text() == "not the unit's\n"  # not written through
    assert (unit_dir / "data.txt").read_text() == "v2\n"
    assert (unit_dir / "written-by-the-unit.txt").read_text() == "kept\n"

    # And back: a symlink where the unit now has a directory.
    shutil.rmtree(charm / "lib")
    (charm / "lib").symlink_to(outside, target_is_directory=True)
    model.upgrade_charm("a", charm)

    assert (unit_dir / "lib").resolve() == outside.resolve()
    assert model.unit("a/0").error is None
