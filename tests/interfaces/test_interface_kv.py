"""interfaces/kv through the emulator: an Endpoint layer with application and unit data."""

from __future__ import annotations

from collections import Counter

import pytest

STORE = """
from charmhelpers.core import hookenv
from charms.reactive import clear_flag, endpoint_from_flag, hook, set_flag, when, when_not
from charms.reactive.endpoints import LeadershipError


@when("store.connected")
@when_not("store.published")
def publish():
    store = endpoint_from_flag("store.connected")
    me = hookenv.local_unit()
    store.publish_unit(address=me)
    if hookenv.is_leader():
        store.publish(leader=me, mode="ha", old=None)
    else:
        try:
            store.publish(mode="mine")
        except LeadershipError as err:
            record("refused", str(err))
    set_flag("store.published")


@hook("leader-elected")
def elected():
    clear_flag("store.published")  # publish again, as the new leader


@when("store.consumers.changed")
def consumers():
    record("consumers", endpoint_from_flag("store.consumers.changed").consumer_values())
    clear_flag("store.consumers.changed")


@when_not("store.connected")
def alone():
    clear_flag("store.published")
    record("consumers", None)
"""

APP = """
from charmhelpers.core import hookenv
from charms.reactive import clear_flag, endpoint_from_flag, set_flag, when, when_not


@when("settings.connected")
@when_not("app.announced")
def announce():
    endpoint_from_flag("settings.connected").announce(name=hookenv.local_unit())
    set_flag("app.announced")


@when("settings.settings.changed")
def reconfigure():
    endpoint = endpoint_from_flag("settings.settings.changed")
    record("settings", endpoint.settings())
    record("by_app", endpoint.settings_by_app())
    record("units", endpoint.unit_values())
    clear_flag("settings.settings.changed")


@when_not("settings.connected")
def alone():
    clear_flag("app.announced")
    record("settings", None)
"""


@pytest.fixture
def related(model, make_charm):
    model.deploy(make_charm("store", STORE, provides={"store": "kv"}), num_units=2)
    model.deploy(make_charm("app", APP, requires={"settings": "kv"}), num_units=2)
    relation = model.relate("app:settings", "store:store")
    return model, relation


def relation_tool_targets(record):
    """``(tool, relation id, bag)`` of each relation-get / relation-set of a hook."""
    out = []
    for call in record.tool_calls:
        if call.tool not in ("relation-get", "relation-set"):
            continue
        argv = list(call.argv)
        rid = argv[argv.index("-r") + 1]
        if call.tool == "relation-get":
            out.append((call.tool, rid, argv[-1]))
        else:
            out.append((call.tool, rid, "app" if "--app" in argv else "unit"))
    return out


def test_every_hook_reads_each_bag_once_and_writes_each_bag_once(related):
    model, _ = related
    records = [r for u in ("app/0", "app/1", "store/0", "store/1") for r in model.unit(u).records]
    assert records
    for record in records:
        repeated = [t for t, n in Counter(relation_tool_targets(record)).items() if n > 1]
        assert repeated == [], (record.unit, record.hook, repeated)


def test_consumers_get_the_leaders_settings_and_every_units_values(related, seen):
    model, relation = related
    assert model.relation_data(relation, "store") == {"leader": '"store/0"', "mode": '"ha"'}
    for unit in ("app/0", "app/1"):
        assert {"settings.connected", "settings.available"} <= model.unit(unit).flags
        assert "settings.settings.changed" not in model.unit(unit).flags  # cleared when handled
        assert seen(unit)["settings"] == {"leader": "store/0", "mode": "ha"}
        assert seen(unit)["by_app"] == {"store": {"leader": "store/0", "mode": "ha"}}
    assert model.relation_data(relation, "store/1")["address"] == '"store/1"'


def test_only_the_leader_publishes_and_others_get_a_clear_error(related, seen):
    refused = seen("store/1")["refused"]
    assert "endpoint 'store', relation store:0: only the leader" in refused
    assert "refused" not in seen("store/0")


def test_the_provider_sees_each_consumers_values(related, seen):
    model, _ = related
    consumers = seen("store/0")["consumers"]
    assert {unit: values["name"] for unit, values in consumers.items()} == {
        "app/0": "app/0",
        "app/1": "app/1",
    }
    assert consumers["app/0"]["ingress-address"]  # Juju's own keys are there too
    assert "store.connected" in model.unit("store/0").flags


def test_a_new_leader_republishes_and_consumers_see_only_that_change(related, seen):
    model, relation = related
    model.set_leader("store/1")

    assert model.relation_data(relation, "store")["leader"] == '"store/1"'
    for unit in ("app/0", "app/1"):
        assert seen(unit)["settings"] == {"leader": "store/1", "mode": "ha"}
        assert "endpoint.settings.app.changed.leader" in model.unit(unit).flags
        changed = [r for r in model.unit(unit).records if r.hook == "settings-relation-changed"]
        last = changed[-1]
        assert not last.env.get("JUJU_REMOTE_UNIT")  # the application's bag changed
        gets = [t for t in relation_tool_targets(last) if t[0] == "relation-get"]
        assert gets[0] == ("relation-get", last.env["JUJU_RELATION_ID"], "store")  # the check
        assert len(gets) == len(set(gets))  # the handler's reads: each bag once


def test_a_hook_of_no_relation_asks_juju_nothing_relational(related):
    model, _ = related
    model.update_status()
    for unit in ("app/0", "app/1", "store/0", "store/1"):
        last = model.unit(unit).records[-1]
        assert last.hook == "update-status"
        assert not [c for c in last.tool_calls if c.tool.startswith("relation-")], unit


def test_departure_and_removal_clear_the_flags(related, seen):
    model, relation = related
    model.remove_unit("store/1")
    for unit in ("app/0", "app/1"):
        assert model.unit(unit).records[-1].hook == "settings-relation-departed"
        assert "endpoint.settings.departed" in model.unit(unit).flags
        departed = model.unit(unit).kv("reactive.endpoints.departed.settings")
        assert [d["unit_name"] for d in departed["reactive.endpoints.departed.settings"]] == [
            "store/1"
        ]
    model.update_status("app")
    for unit in ("app/0", "app/1"):
        assert "endpoint.settings.departed" not in model.unit(unit).flags  # still joined
        assert "settings.available" in model.unit(unit).flags

    model.unrelate(relation)
    for unit in ("app/0", "app/1"):
        flags = model.unit(unit).flags
        assert not {"settings.connected", "settings.available", "endpoint.settings.joined"} & flags
        assert seen(unit)["settings"] is None
    assert "store.connected" not in model.unit("store/0").flags
    assert seen("store/0")["consumers"] is None
    keys = model.unit("app/0").kv("reactive.data_changed.endpoint.settings.")
    assert keys == {}  # the broken relation's change hashes are forgotten


def test_the_flags_agree_with_the_membership_after_every_hook(related):
    """After each hook: connected iff joined, available only when connected, changes handled."""
    model, relation = related
    model.set_leader("store/1")
    model.remove_unit("store/0")
    model.add_unit("store")
    model.unrelate(relation)
    checked = 0
    for unit, side in (("app/0", "settings"), ("app/1", "settings"), ("store/1", "store")):
        for record in model.unit(unit).records:
            after = record.flags_after or frozenset()
            joined = f"endpoint.{side}.joined" in after
            assert (f"{side}.connected" in after) == joined, (unit, record.seq, record.hook)
            assert f"{side}.available" not in after or joined, (unit, record.seq, record.hook)
            assert "settings.settings.changed" not in after, (unit, record.seq, record.hook)
            if record.hook == f"{side}-relation-broken":
                assert not joined, (unit, record.seq)
            checked += 1
    assert checked > 30
