"""The RelationBase lifecycle participant: migration, repair, departure, -broken in every scope."""

from __future__ import annotations

import json

import pytest

from charms.reactive import relations
from charms.reactive._handlers import Registry
from charms.reactive._lifecycle import HookLifecycle
from charms.reactive._runtime import Runtime
from helpers.fakes import make_context

KEY = "reactive.conversations."

# scope kind -> (relation name using it, key of a unit's conversation)
SCOPES = {
    "unit": ("website", lambda rid, unit: f"{KEY}{rid}.{unit}"),
    "service": ("api", lambda rid, unit: f"{KEY}{rid}.{unit.split('/')[0]}"),
    "global": ("db", lambda rid, unit: f"{KEY}db.global"),
    "custom": ("cache", lambda rid, unit: f"{KEY}cache.memcache-pool"),
}


def join_all(charm, name, layout):
    """Relate and join every unit, each conversation setting '<name>.up' and local data."""
    for rid, units in layout.items():
        charm.relate(f"{name}:{rid}", *units)
    for rid, units in layout.items():
        for unit in units:
            with charm.hook("relation-joined", f"{name}:{rid}", unit):
                rel = relations.endpoint_from_name(name)
                rel.set_state("{relation_name}.up")
                rel.set_local("seen", unit)


def stored_units(charm):
    return {
        k: json.loads(v)["units"]
        for k, v in charm.conversations().items()
        if ".local-data." not in k
    }


@pytest.mark.parametrize("kind", list(SCOPES))
def test_departure_in_every_scope(charm, kind):
    name, key = SCOPES[kind]
    join_all(charm, name, {"1": ["a/0", "a/1"], "2": ["b/0"]})
    charm.remove_unit(f"{name}:1", "a/1")
    with charm.hook("relation-departed", f"{name}:1", "a/1", departing="a/1"):
        rel = relations.endpoint_from_name(name)
        assert "a/1" in rel.conversation().units  # still there while handlers run
    units = stored_units(charm)
    assert all("a/1" not in u for u in units.values())
    if kind in ("unit", "service"):
        assert key(f"{name}:2", "b/0") in units
    if kind == "unit":
        assert key(f"{name}:1", "a/1") not in units
        assert not any(k.startswith(key(f"{name}:1", "a/1")) for k in charm.stored())
    # The flag still references every remaining conversation, and no removed one.
    value = json.loads(charm.flags()[f"{name}.up"])
    assert sorted(value["conversations"]) == sorted(units)


@pytest.mark.parametrize("kind", list(SCOPES))
def test_last_departure_and_broken_leave_nothing(charm, kind):
    name, _ = SCOPES[kind]
    join_all(charm, name, {"1": ["a/0", "a/1"]})
    for unit in ("a/0", "a/1"):
        charm.remove_unit(f"{name}:1", unit)
        with charm.hook("relation-departed", f"{name}:1", unit, departing=unit):
            relations.endpoint_from_name(name)
    assert charm.conversations() == {}
    assert charm.flags() == {}
    charm.remove_relation(f"{name}:1")
    with charm.hook("relation-broken", f"{name}:1", app="a"):
        rel = relations.endpoint_from_name(name)
        rel.conversation().remove_state("{relation_name}.up")  # the 1.x idiom: no error
    assert charm.conversations() == {}
    assert charm.flags() == {}


@pytest.mark.parametrize("kind", list(SCOPES))
def test_broken_without_departures_in_every_scope(charm, kind):
    """Juju may go straight to -broken (teardown, or juju/juju#20214)."""
    name, _ = SCOPES[kind]
    join_all(charm, name, {"1": ["a/0", "a/1"], "2": ["b/0"]})
    charm.remove_relation(f"{name}:1")
    with charm.hook("relation-broken", f"{name}:1", app="a"):
        rel = relations.endpoint_from_name(name)
        conv = rel.conversation()
        conv.set_state("{relation_name}.broken-seen")  # even a detached one gets cleaned
        conv.set_local("x", 1)
        assert rel.get_remote("nothing") is None
    units = stored_units(charm)
    assert sorted(u for us in units.values() for u in us) == ["b/0"]
    assert not any(k.startswith(f"{KEY}{name}:1.") for k in charm.stored())
    # Relation-wide conversations live on (b/0 is still related); per-id ones are gone.
    assert (f"{name}.broken-seen" in charm.flags()) == (kind in ("global", "custom"))
    value = json.loads(charm.flags()[f"{name}.up"])
    assert sorted(value["conversations"]) == sorted(units)


def test_departure_and_broken_tool_calls_for_a_unit_scope(charm):
    join_all(charm, "website", {"1": ["a/0", "a/1"]})
    charm.remove_unit("website:1", "a/1")
    with charm.hook("relation-departed", "website:1", "a/1", departing="a/1"):
        relations.endpoint_from_name("website")
    assert charm.tools.calls == []  # departure needs only the environment and the store


def test_departure_from_a_global_conversation_checks_other_ids_of_the_same_app(charm):
    join_all(charm, "db", {"1": ["m/0"], "2": ["m/0", "n/0"]})
    charm.remove_unit("db:1", "m/0")
    with charm.hook("relation-departed", "db:1", "m/0", departing="m/0"):
        pass
    assert stored_units(charm) == {f"{KEY}db.global": ["m/0", "n/0"]}  # still on db:2
    assert charm.tools.count("relation-ids") == 1
    assert charm.tools.count("relation-list") == 1  # db:2 only
    charm.remove_unit("db:2", "m/0")
    with charm.hook("relation-departed", "db:2", "m/0", departing="m/0"):
        pass
    assert stored_units(charm) == {f"{KEY}db.global": ["n/0"]}


def test_departure_when_the_local_unit_leaves(charm):
    """The leaving unit gets one -departed per remaining remote unit (JUJU_DEPARTING_UNIT=us)."""
    join_all(charm, "website", {"1": ["a/0", "a/1"]})
    for unit in ("a/0", "a/1"):
        with charm.hook("relation-departed", "website:1", unit, departing="local/0"):
            pass
    assert charm.conversations() == {}
    assert charm.flags() == {}


def test_end_hook_does_nothing_outside_relation_hooks(charm):
    join_all(charm, "website", {"1": ["a/0"]})
    before = charm.stored()
    with charm.hook("update-status"):
        pass
    with charm.hook("relation-changed", "website:1", "a/0"):
        pass
    assert charm.stored() == before


def test_a_failed_hook_keeps_conversations_and_flags(charm):
    join_all(charm, "website", {"1": ["a/0"]})
    before = charm.stored()
    with pytest.raises(RuntimeError), charm.hook("relation-departed", "website:1", "a/0"):
        raise RuntimeError("boom")
    assert charm.stored() == before


# --- begin_hook: migration and repair -------------------------------------------------------


def put(charm, **entries):
    with charm.hook(lifecycle=False) as rt:
        for key, value in entries.items():
            rt.kv.set(key, value)


def test_begin_hook_migrates_pre_namespace_conversations(charm):
    charm.relate("website:1", "a/0")
    charm.relate("website:2", "a/1", "b/0")
    charm.relate("db:3", "m/0")
    old_unit = f"{KEY}website.a/1"
    put(
        charm,
        **{
            old_unit: {"relation_name": "website", "units": ["a/1"], "scope": "a/1"},
            f"{old_unit}.local-data.k": "v",
            f"{KEY}db.global": {"relation_name": "db", "units": ["m/0"], "scope": "global"},
            "reactive.states.website.up": {"relation": "website", "conversations": [old_unit]},
            "reactive.states.db.up": {"relation": "db", "conversations": [f"{KEY}db.global"]},
        },
    )
    with charm.hook():
        pass
    assert stored_units(charm) == {f"{KEY}website:2.a/1": ["a/1"], f"{KEY}db.global": ["m/0"]}
    assert json.loads(charm.conversations()[f"{KEY}db.global"])["namespace"] == "db"
    assert charm.stored()[f"{KEY}website:2.a/1.local-data.k"] == '"v"'
    assert f"{old_unit}.local-data.k" not in charm.stored()
    assert json.loads(charm.flags()["website.up"])["conversations"] == [f"{KEY}website:2.a/1"]
    assert json.loads(charm.flags()["db.up"])["conversations"] == [f"{KEY}db.global"]


def test_migration_splits_service_conversations_per_relation_id(charm):
    charm.relate("api:1", "c/0")
    charm.relate("api:2", "c/1")
    put(
        charm,
        **{
            f"{KEY}api.c": {
                "relation_name": "api",
                "units": ["c/0", "c/1", "gone/0"],
                "scope": "c",
            },
            "reactive.states.api.up": {"relation": "api", "conversations": [f"{KEY}api.c"]},
        },
    )
    with charm.hook():
        pass
    assert stored_units(charm) == {f"{KEY}api:1.c": ["c/0"], f"{KEY}api:2.c": ["c/1"]}
    assert json.loads(charm.flags()["api.up"])["conversations"] == [
        f"{KEY}api:1.c",
        f"{KEY}api:2.c",
    ]


def test_migration_without_any_unit_left_clears_its_flags(charm):
    charm.relate("website:1")
    put(
        charm,
        **{
            f"{KEY}website.a/0": {"relation_name": "website", "units": ["a/0"], "scope": "a/0"},
            "reactive.states.website.up": {
                "relation": "website",
                "conversations": [f"{KEY}website.a/0"],
            },
        },
    )
    with charm.hook():
        pass
    assert charm.conversations() == {}
    assert charm.flags() == {}


def test_begin_hook_removes_and_repairs_records_1x_stored_outside_a_relation(charm):
    charm.relate("db:1", "m/0")
    put(
        charm,
        **{
            f"{KEY}None.None": {"namespace": None, "units": [None], "scope": None},
            f"{KEY}None.global": {"namespace": None, "units": [None], "scope": "global"},
            f"{KEY}db:1.": {"namespace": "db:1", "units": [""], "scope": ""},
            f"{KEY}db.global": {"namespace": "db", "units": ["", "m/0"], "scope": "global"},
            "reactive.states.x": {"relation": "db", "conversations": [f"{KEY}None.None"]},
        },
    )
    with charm.hook():
        pass
    assert stored_units(charm) == {f"{KEY}db.global": ["m/0"]}
    assert charm.flags() == {}
    assert charm.tools.calls == []


def test_upgrade_charm_drops_units_1x_never_departed(charm):
    charm.relate("db:1", "m/0")
    charm.relate("api:1", "c/0")
    put(
        charm,
        **{
            f"{KEY}db.global": {"namespace": "db", "units": ["m/0", "m/1"], "scope": "global"},
            f"{KEY}api:1.c": {"namespace": "api", "units": ["c/0", "c/1"], "scope": "c"},
            f"{KEY}api:9.d": {"namespace": "api:9", "units": ["d/0"], "scope": "d"},
            "reactive.states.api.up": {
                "relation": "api",
                "conversations": [f"{KEY}api:9.d", f"{KEY}api:1.c", f"{KEY}gone:1.x"],
            },
        },
    )
    with charm.hook("upgrade-charm"):
        pass
    # api:1.c had a wrong namespace (not a conversation record): untouched.
    units = stored_units(charm)
    assert units[f"{KEY}db.global"] == ["m/0"]
    assert f"{KEY}api:9.d" not in units
    assert "api.up" not in charm.flags()  # every reference was dangling


def test_upgrade_charm_reconciles_service_conversations(charm):
    charm.relate("api:1", "c/0")
    put(
        charm,
        **{
            f"{KEY}api:1.c": {"namespace": "api:1", "units": ["c/0", "c/1"], "scope": "c"},
            f"{KEY}api:9.d": {"namespace": "api:9", "units": ["d/0"], "scope": "d"},
            "reactive.states.api.up": {
                "relation": "api",
                "conversations": [f"{KEY}api:9.d", f"{KEY}api:1.c"],
            },
        },
    )
    with charm.hook("upgrade-charm"):
        pass
    assert stored_units(charm) == {f"{KEY}api:1.c": ["c/0"]}
    assert json.loads(charm.flags()["api.up"])["conversations"] == [f"{KEY}api:1.c"]


def test_the_lifecycle_activates_the_runtime_its_participants_act_on(charm):
    join_all(charm, "website", {"1": ["a/0"]})
    with charm.hook("relation-departed", "website:1", "a/0", lifecycle=False) as rt:
        pass
    # A lifecycle run on a runtime that is not the current one: its participants act on it.
    ctx = make_context(
        charm.dir,
        "website-relation-departed",
        relation="website",
        relation_id="website:1",
        remote_unit="a/0",
    )
    other = Runtime(ctx, charm.tools)
    lifecycle = HookLifecycle(other, Registry())
    lifecycle.register(relations.ConversationLifecycle())
    reports = []
    lifecycle.run(False, reports.append)
    assert reports == [None]
    assert charm.conversations() == {}
    assert rt is not other


def test_broken_before_any_unit_joined_leaves_no_local_data(charm):
    charm.relate("db:1")
    charm.relate("db:2")
    for rid in ("db:1", "db:2"):
        with charm.hook("relation-created", rid, app="m"):
            relations.endpoint_from_name("db").set_local("created", rid)
    assert f"{KEY}db.global.local-data.created" in charm.stored()
    charm.remove_relation("db:1")
    with charm.hook("relation-broken", "db:1", app="m"):
        pass
    assert f"{KEY}db.global.local-data.created" in charm.stored()  # db:2 may still adopt it
    charm.remove_relation("db:2")
    with charm.hook("relation-broken", "db:2", app="m"):
        pass
    assert charm.stored() == {}


def test_migration_guesses_the_scope_of_relations_without_an_interface_class(charm):
    charm.write(
        "metadata.yaml",
        "name: x\nrequires:\n  old: {interface: gone}\n  db: {interface: mysql}\n",
    )
    charm.relate("old:1", "a/0", "b/0")
    put(
        charm,
        **{
            f"{KEY}old.global": {"relation_name": "old", "units": ["a/0"], "scope": "global"},
            f"{KEY}old.a/0": {"relation_name": "old", "units": ["a/0"], "scope": "a/0"},
            f"{KEY}old.b": {"relation_name": "old", "units": ["b/0"], "scope": "b"},
            f"{KEY}old.": {"relation_name": "old", "units": ["b/0"], "scope": ""},
        },
    )
    with charm.hook():
        pass
    assert stored_units(charm) == {
        f"{KEY}old.global": ["a/0"],
        f"{KEY}old:1.a/0": ["a/0"],
        f"{KEY}old:1.b": ["b/0"],
    }


def test_migration_merges_into_a_conversation_already_stored(charm):
    charm.relate("api:1", "c/0", "c/1")
    put(
        charm,
        **{
            f"{KEY}api:1.c": {"namespace": "api:1", "units": ["c/1"], "scope": "c"},
            f"{KEY}api.c": {"relation_name": "api", "units": ["c/0"], "scope": "c"},
        },
    )
    with charm.hook():
        pass
    assert stored_units(charm) == {f"{KEY}api:1.c": ["c/0", "c/1"]}


def test_repair_removes_a_record_without_any_valid_unit(charm):
    put(charm, **{f"{KEY}db:1.a": {"namespace": "db:1", "units": ["", None], "scope": "a"}})
    with charm.hook():
        pass
    assert charm.conversations() == {}


def test_departure_uses_the_departing_unit_when_juju_gives_no_remote_unit(charm):
    join_all(charm, "website", {"1": ["a/0"]})
    with charm.hook("relation-departed", "website:1", departing="a/0"):
        pass
    assert charm.conversations() == {}
    join_all(charm, "website", {"1": ["a/0"]})
    with charm.hook("relation-departed", "website:1", departing="local/0"):
        pass  # we are the one leaving, and Juju did not say from whom: nothing to do
    assert list(stored_units(charm)) == [f"{KEY}website:1.a/0"]
