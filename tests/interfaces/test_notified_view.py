"""The notified view (#15): relation hooks ask Juju only for what they were notified of.

A client charm reads every remote unit's data in every hook (a level-triggered handler, both
relations APIs); a hook-less remote application's units change their data. After each hook,
the view kept in the client's store must equal what Juju notified it of, and reads of units it
was not notified about must cost no hook-tool call.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from reactive_harness import Model
from reactive_harness.executor import SubprocessExecutor

CLIENT = """
from charms.reactive import endpoint_from_name, when


@when("db.connected")
def read_everything():
    db = endpoint_from_name("db")
    record("endpoint", {
        unit.unit_name: dict(unit.received_raw)
        for relation in db.relations for unit in relation.units
    })
"""

REL = "client:db server:db"


def view(model: Model, unit: str = "client/0") -> dict[str, object]:
    return model.unit_kv(unit, "reactive.notified.")


def live(model: Model) -> dict[str, object]:
    """What Juju holds now (the view must equal it once every hook has run)."""
    rid = f"db:{model.relation(REL).id}"
    units = sorted(u.name for u in model.app("server").units)
    out: dict[str, object] = {f"reactive.notified.units.{rid}": units}
    for unit in units:
        out[f"reactive.notified.bag.{rid}.{unit}"] = model.relation_data(REL, unit)
    if f"reactive.notified.bag.{rid}.server" in view(model):  # the app bag, once read
        out[f"reactive.notified.bag.{rid}.server"] = model.relation_data(REL, "server")
    return out


def stored_view(model: Model) -> dict[str, object]:
    return {
        key: value
        for key, value in view(model).items()
        if key.startswith(("reactive.notified.units.", "reactive.notified.bag."))
    }


def tools(record) -> Counter:
    return Counter(call.argv[0] for call in record.tool_calls)


@pytest.fixture
def client(make_charm) -> Path:
    return make_charm("client", CLIENT, requires={"db": "kv"})


@pytest.fixture
def server(make_charm) -> Path:
    return make_charm("server", "", provides={"db": "kv"})


@pytest.fixture
def related(model: Model, client: Path, server: Path) -> Model:
    model.deploy(client, "client")
    model.deploy(server, "server", num_units=8)
    model.relate("client:db", "server:db")
    for index in range(8):
        model.set_relation_data(REL, f"server/{index}", {"v": f"{index}", "pad": "x" * 100})
    return model


def last(model: Model, hook: str, unit: str = "client/0"):
    return [r for r in model.unit(unit).records if r.hook == hook][-1]


def test_a_changed_hook_asks_only_for_the_notified_bag(related: Model, seen):
    related.set_relation_data(REL, "server/3", {"v": "new"})

    record = last(related, "db-relation-changed")
    assert record.env["JUJU_REMOTE_UNIT"] == "server/3"
    gets = [c.argv for c in record.tool_calls if c.argv[0] == "relation-get"]
    assert len(gets) == 1, gets
    assert "server/3" in gets[0], gets
    assert tools(record)["relation-list"] == 0
    assert tools(record)["relation-ids"] == 0
    # ... and the handler still read all 8 units, the notified one as Juju has it now.
    got = seen("client/0")["endpoint"]
    assert sorted(got) == [f"server/{i}" for i in range(8)]
    assert got["server/3"]["v"] == "new"
    assert got["server/5"]["v"] == "5"
    assert stored_view(related) == live(related)


def test_update_status_reads_every_unit_with_no_tool_call(related: Model, seen):
    related.update_status("client")

    record = last(related, "update-status")
    assert not {"relation-get", "relation-list", "relation-ids"} & set(tools(record))
    assert len(seen("client/0")["endpoint"]) == 8


def test_joined_and_departed_keep_membership_exact(related: Model, seen):
    related.add_unit("server")
    assert stored_view(related) == live(related)
    joined = last(related, "db-relation-joined")
    assert tools(joined)["relation-list"] == 1  # membership changed: asked once
    assert tools(joined)["relation-get"] <= 1  # only the joining unit's bag

    related.remove_unit("server/2")
    departed = last(related, "db-relation-departed")
    assert tools(departed)["relation-get"] == 0  # the departing unit's bag as last notified
    assert stored_view(related) == live(related)
    assert "server/2" not in seen("client/0")["endpoint"]


def test_a_scale_out_costs_o_of_n_calls(model: Model, client: Path, server: Path):
    model.deploy(client, "client")
    model.deploy(server, "server", num_units=1)
    model.relate("client:db", "server:db")
    model.add_unit("server", count=15)

    hooks = [r for r in model.unit("client/0").records if r.hook.startswith("db-relation-")]
    per_hook = [sum(tools(r)[t] for t in ("relation-get", "relation-list", "relation-ids"))
                for r in hooks]  # fmt: skip
    assert max(per_hook) <= 3, per_hook  # never one call per remote unit
    assert stored_view(model) == live(model)


def test_a_skipped_changed_hook_is_read_again_by_the_next_hook(related: Model, seen):
    related.fail_fast = False
    related.inject_fault("client/0", call=1, kind="fail", hook="db-relation-changed")
    related.set_relation_data(REL, "server/4", {"v": "missed"})
    assert related.unit("client/0").error is not None
    related.resolve("client/0")  # juju resolved --no-retry: that -changed never commits

    related.update_status("client")
    record = last(related, "update-status")
    gets = [c.argv for c in record.tool_calls if c.argv[0] == "relation-get"]
    assert len(gets) == 1, gets
    assert "server/4" in gets[0], gets  # exactly the lost notification
    assert seen("client/0")["endpoint"]["server/4"]["v"] == "missed"
    assert stored_view(related) == live(related)

    related.update_status("client")
    assert tools(last(related, "update-status"))["relation-get"] == 0


@pytest.mark.parametrize("kind", ["kill", "term"])
def test_a_killed_changed_hook_is_read_again_by_the_next_hook(
    tmp_path: Path, client: Path, server: Path, kind: str
):
    for charm in (client, server):  # run as processes by this interpreter (charmhelpers)
        for hook in (charm / "hooks").iterdir():
            if hook.is_file():
                text = hook.read_text()
                hook.write_text(f"#!{sys.executable}\n" + text.split("\n", 1)[1])
    with Model(tmp_path / "sub", fail_fast=False, executor=SubprocessExecutor()) as model:
        model.deploy(client, "client")
        model.deploy(server, "server", num_units=3)
        model.relate("client:db", "server:db")
        model.inject_fault("client/0", call=1, kind=kind, hook="db-relation-changed")
        model.set_relation_data(REL, "server/1", {"v": "killed"})
        assert model.unit("client/0").error is not None
        model.resolve("client/0")

        model.update_status("client")
        record = last(model, "update-status")
        gets = [c.argv for c in record.tool_calls if c.argv[0] == "relation-get"]
        assert len(gets) == 1, gets
        assert "server/1" in gets[0], gets
        assert stored_view(model) == live(model)


def test_the_environment_switch_turns_the_view_off_for_one_hook(related: Model, seen):
    related.engine.extra_env["CHARMS_REACTIVE_NOTIFIED_CACHE"] = "off"
    related.update_status("client")
    record = last(related, "update-status")
    assert tools(record)["relation-get"] == 8  # as before: one per remote unit
    assert view(related) == {}  # and the view is dropped: it would miss this hook's news

    del related.engine.extra_env["CHARMS_REACTIVE_NOTIFIED_CACHE"]
    related.set_relation_data(REL, "server/0", {"v": "after"})
    related.update_status("client")
    assert stored_view(related) == live(related)  # filled again, lazily and exactly
    assert tools(last(related, "update-status"))["relation-get"] == 0


def test_the_layer_option_turns_the_view_off(model: Model, client: Path, server: Path, seen):
    (client / "layer.yaml").write_text("options:\n  reactive-base:\n    notified_cache: false\n")
    model.deploy(client, "client")
    model.deploy(server, "server", num_units=3)
    model.relate("client:db", "server:db")
    model.update_status("client")
    assert tools(last(model, "update-status"))["relation-get"] == 3
    assert view(model) == {}


def test_upgrade_charm_reads_membership_again(related: Model, client: Path):
    related.upgrade_charm("client", client)
    record = last(related, "upgrade-charm")
    assert tools(record)["relation-list"] == 1
    assert tools(record)["relation-ids"] >= 1
    assert stored_view(related) == live(related)


def test_unrelating_forgets_the_relation(related: Model):
    rid = f"db:{related.relation(REL).id}"
    related.unrelate(REL)
    assert not [key for key in view(related) if f".{rid}" in key], view(related)
    related.update_status("client")
    assert view(related).get("reactive.notified.ids.db", []) == []


DIRECT = """
from charmhelpers.core import hookenv
from charms.reactive import hook


@hook("update-status")
def direct():
    rid = hookenv.relation_ids("db")[0]
    record("direct", hookenv.relation_get(rid=rid, unit="server/0"))
"""


def test_charm_code_calling_charmhelpers_still_asks_juju(model: Model, make_charm, server, seen):
    model.deploy(make_charm("client", DIRECT, requires={"db": "kv"}), "client")
    model.deploy(server, "server", num_units=2)
    model.relate("client:db", "server:db")
    model.set_relation_data(REL, "server/0", {"v": "direct"})
    model.update_status("client")
    record = last(model, "update-status")
    assert tools(record)["relation-ids"] == 1
    assert tools(record)["relation-get"] == 1
    assert seen("client/0")["direct"]["v"] == "direct"
