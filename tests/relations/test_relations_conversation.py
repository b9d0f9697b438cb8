"""Conversation: storage as 1.x writes it, flags, remote and local data, hook-tool economy."""

from __future__ import annotations

import json

import pytest

from charms.reactive import flags, trace
from charms.reactive._conversation_store import (
    conversation_key,
    is_relation_flag_value,
    parse_record,
    stored_records,
    unit_order,
)
from charms.reactive._conversations import (
    ALL,
    TOGGLE,
    Conversation,
    merge_data,
    relation_conversations,
    scope_kind,
    scopes,
)
from charms.reactive.errors import HookContextError


def test_scopes_are_the_1x_strings():
    assert (scopes.GLOBAL, scopes.SERVICE, scopes.UNIT) == ("global", "service", "unit")


@pytest.mark.parametrize(
    ("scope", "kind"),
    [
        ("unit", "unit"),
        ("".join(["un", "it"]), "unit"),  # built at runtime: equal, not identical
        ("service", "service"),
        ("global", "global"),
        ("memcache-pool", "global"),
    ],
    ids=["unit", "unit-built-at-runtime", "service", "global", "custom"],
)
def test_scope_kind_compares_by_value(scope, kind):
    assert scope_kind(scope) == kind


def test_sentinels_have_readable_reprs():
    assert repr(TOGGLE) == "<TOGGLE>"
    assert repr(ALL) == "<ALL>"


def test_key_relation_name_and_relation_ids_of_a_unit_conversation(charm):
    conv = Conversation("db:1", ["mysql/0"], "mysql/0")
    assert conv.key == "reactive.conversations.db:1.mysql/0"
    assert conv.relation_name == "db"
    with charm.hook():
        assert conv.relation_ids == ["db:1"]
    assert charm.tools.calls == []


def test_relation_ids_of_global_and_custom_scopes_are_every_id_of_the_relation(charm):
    charm.relate("db:1", "mysql/0")
    charm.relate("db:4", "pg/0")
    with charm.hook():
        assert Conversation("db", [], "global").relation_ids == ["db:1", "db:4"]
        assert Conversation("cache", [], "memcache-pool").relation_ids == []
        assert Conversation("db", [], "x").relation_ids == ["db:1", "db:4"]
    assert charm.tools.count("relation-ids") == 2  # once per relation name


def test_relation_ids_leave_out_the_relation_being_broken(charm):
    charm.relate("db:1", "mysql/0")
    charm.relate("db:4", "pg/0")  # Juju < 3.4 still lists the broken id in -broken
    with charm.hook("relation-broken", "db:1", app="mysql"):
        assert Conversation("db", [], "global").relation_ids == ["db:4"]


def test_constructor_rejects_missing_namespace_or_scope():
    with pytest.raises(ValueError, match="namespace and a scope"):
        Conversation("", ["a/0"], "a/0")


def test_serialize_sorts_units_and_deserialize_round_trips():
    conv = Conversation("db", ["b/1", "a/0", "b/0"], "global")
    record = Conversation.serialize(conv)
    assert record == {"namespace": "db", "units": ["a/0", "b/0", "b/1"], "scope": "global"}
    again = Conversation.deserialize(record)
    assert (again.namespace, again.units, again.scope) == ("db", {"a/0", "b/0", "b/1"}, "global")


def test_deserialize_accepts_the_pre_namespace_record():
    conv = Conversation.deserialize({"relation_name": "db", "units": ["a/0"], "scope": "global"})
    assert conv.key == "reactive.conversations.db.global"


def test_repr_names_key_and_units():
    assert repr(Conversation("db:1", ["a/10", "a/2"], "a")) == (
        "<Conversation reactive.conversations.db:1.a units=['a/2', 'a/10']>"
    )


@pytest.mark.parametrize(
    ("scope", "key", "record"),
    [
        (
            scopes.UNIT,
            "reactive.conversations.db:1.mysql/0",
            {"namespace": "db:1", "units": ["mysql/0"], "scope": "mysql/0"},
        ),
        (
            scopes.SERVICE,
            "reactive.conversations.db:1.mysql",
            {"namespace": "db:1", "units": ["mysql/0"], "scope": "mysql"},
        ),
        (
            scopes.GLOBAL,
            "reactive.conversations.db.global",
            {"namespace": "db", "units": ["mysql/0"], "scope": "global"},
        ),
        (
            "pool",
            "reactive.conversations.db.pool",
            {"namespace": "db", "units": ["mysql/0"], "scope": "pool"},
        ),
    ],
    ids=["unit", "service", "global", "custom"],
)
def test_join_stores_key_and_value_as_1x(charm, scope, key, record):
    charm.relate("db:1", "mysql/0")
    with charm.hook("relation-joined", "db:1", "mysql/0"):
        conv = Conversation.join(scope)
        assert conv.key == key
    # Byte for byte what charms.reactive 1.x writes (json.dumps, keys in this order).
    assert charm.conversations() == {key: json.dumps(record)}
    assert charm.tools.calls == []  # joining reads only the environment


def test_join_adds_units_to_an_existing_conversation(charm):
    charm.relate("db:1", "mysql/1", "mysql/0")
    for unit in ("mysql/1", "mysql/0"):
        with charm.hook("relation-joined", "db:1", unit):
            Conversation.join(scopes.SERVICE)
    stored = json.loads(charm.conversations()["reactive.conversations.db:1.mysql"])
    assert stored["units"] == ["mysql/0", "mysql/1"]


def test_join_outside_a_relation_hook_is_an_error_and_stores_nothing(charm):
    with charm.hook("config-changed"), pytest.raises(HookContextError, match="not a relation"):
        Conversation.join(scopes.GLOBAL)
    assert charm.conversations() == {}


@pytest.mark.parametrize(
    ("hook", "scope", "what"),
    [("relation-created", scopes.UNIT, "unit"), ("relation-broken", scopes.SERVICE, "app")],
)
def test_join_without_remote_unit_or_app_is_an_error(charm, hook, scope, what):
    charm.relate("db:1")
    with charm.hook(hook, "db:1"), pytest.raises(HookContextError, match="no remote"):
        Conversation.join(scope)


def test_join_in_broken_adds_no_unit_and_stores_nothing(charm):
    charm.relate("db:1")
    with charm.hook("relation-broken", "db:1", app="mysql"):
        conv = Conversation.join(scopes.GLOBAL)
        assert conv.units == set()
    assert charm.conversations() == {}


def test_load_skips_missing_keys_and_keeps_order(charm):
    charm.relate("db:1", "a/0", "b/0")
    for unit in ("a/0", "b/0"):
        with charm.hook("relation-joined", "db:1", unit):
            Conversation.join(scopes.UNIT)
    with charm.hook():
        found = Conversation.load(
            [
                "reactive.conversations.db:1.b/0",
                "reactive.conversations.db:1.gone/0",
                "reactive.conversations.db:1.a/0",
            ]
        )
    assert [c.scope for c in found] == ["b/0", "a/0"]


def test_relation_conversations_are_ordered_by_relation_id_number_then_scope(charm):
    with charm.hook():
        for namespace, scope in [("db:10", "a"), ("db:2", "b"), ("db:2", "a"), ("db", "global")]:
            Conversation(namespace, ["a/0"], scope).save()
        Conversation("db2:1", ["a/0"], "a").save()  # another relation, same prefix
        Conversation("db:1", ["a/0"], "a").set_local("x", {"namespace": "db:1"})
        keys = [c.key for c in relation_conversations("db")]
    assert keys == [
        "reactive.conversations.db.global",
        "reactive.conversations.db:2.a",
        "reactive.conversations.db:2.b",
        "reactive.conversations.db:10.a",
    ]


def test_parse_record_rejects_what_is_not_a_conversation():
    key = "reactive.conversations.db:1.a"
    assert parse_record(key, {"namespace": "db:1", "units": ["a/0", None, ""], "scope": "a"}) == {
        "namespace": "db:1",
        "units": ["a/0"],
        "scope": "a",
    }
    assert parse_record(key, ["db:1"]) is None
    assert parse_record(key, {"namespace": "db:1", "units": "a/0", "scope": "a"}) is None
    assert (
        parse_record(key + ".local-data.x", {"namespace": "db:1", "units": [], "scope": "a"})
        is None
    )


def test_stored_records_ignore_like_wildcard_matches(charm):
    with charm.hook():
        Conversation("dbXa:1", ["a/0"], "a").save()  # 'db_a' LIKE-matches 'dbXa'
        Conversation("db_a:1", ["a/0"], "a").save()
        assert [r["namespace"] for r in stored_records("db_a")] == ["db_a:1"]


def test_unit_order_is_numeric():
    assert sorted(["a/10", "b/0", "a/2"], key=unit_order) == ["a/2", "a/10", "b/0"]


def test_merge_data_precedence_and_no_mutation():
    data = {"a": 1, "b": 1}
    assert merge_data("b", 2, data, {"c": 3, "a": 4}) == {"a": 4, "b": 2, "c": 3}
    assert data == {"a": 1, "b": 1}
    assert merge_data(None, None, None, {}) == {}
    assert merge_data("k", None, None, {}) == {"k": None}


# --- flags ----------------------------------------------------------------------------------


@pytest.fixture
def two_convs(charm):
    charm.relate("db:1", "a/0", "b/0")
    return Conversation("db:1", ["a/0"], "a/0"), Conversation("db:1", ["b/0"], "b/0")


def test_set_state_interpolates_and_stores_the_1x_value(charm, two_convs):
    a, b = two_convs
    with charm.hook():
        a.set_state("{relation_name}.available")
        a.set_flag("{relation_name}.available")  # alias; no duplicate key
        b.set_state("{relation_name}.available")
        assert a.is_state("{relation_name}.available")
        assert b.is_flag_set("db.available")
    assert charm.flags() == {
        "db.available": json.dumps(
            {
                "relation": "db",
                "conversations": [
                    "reactive.conversations.db:1.a/0",
                    "reactive.conversations.db:1.b/0",
                ],
            }
        )
    }


def test_set_state_with_other_braces_raises_key_error(charm, two_convs):
    with charm.hook(), pytest.raises(KeyError):
        two_convs[0].set_state("{relation_name}.{other}")


def test_remove_state_keeps_the_flag_while_other_conversations_are_in_it(charm, two_convs):
    a, b = two_convs
    with charm.hook():
        a.set_state("{relation_name}.x")
        b.set_state("{relation_name}.x")
        a.remove_state("{relation_name}.x")
        assert not a.is_state("db.x")
        assert flags.get_flag_value("db.x")["conversations"] == ["reactive.conversations.db:1.b/0"]
        a.remove_flag("db.x")  # not in it: nothing changes
        assert flags.is_flag_set("db.x")
        b.remove_state("{relation_name}.x")
        assert not flags.is_flag_set("db.x")
        b.remove_state("{relation_name}.x")  # unset: a no-op


def test_plain_flags_mix_with_conversation_flags(charm, two_convs):
    """1.x raised TypeError on set_state and ignored remove_state for plain flags."""
    a, _ = two_convs
    with charm.hook():
        flags.set_flag("db.plain")
        a.set_state("db.plain")
        assert flags.get_flag_value("db.plain") == {
            "relation": "db",
            "conversations": ["reactive.conversations.db:1.a/0"],
        }
        flags.set_flag("db.other", "some value")
        assert not a.is_state("db.other")
        a.remove_state("db.other")  # a plain flag has no conversation left: cleared
        assert not flags.is_flag_set("db.other")


def test_toggle_state(charm, two_convs):
    a, _ = two_convs
    with charm.hook():
        a.toggle_state("db.t")
        assert a.is_state("db.t")
        a.toggle_flag("db.t")
        assert not a.is_state("db.t")
        a.toggle_state("db.t", True)
        a.toggle_state("db.t", True)
        assert a.is_state("db.t")
        a.toggle_state("db.t", None)  # None means remove (1.x since #70)
        assert not flags.is_flag_set("db.t")
        a.toggle_state("db.t", active=False)
        assert not flags.is_flag_set("db.t")


def test_is_relation_flag_value():
    assert is_relation_flag_value({"relation": "db", "conversations": []})
    assert not is_relation_flag_value(None)
    assert not is_relation_flag_value({"relation": "db"})
    assert not is_relation_flag_value("db")


# --- remote data ----------------------------------------------------------------------------


def test_get_remote_reads_each_bag_once_and_returns_the_first_non_empty_value(charm):
    charm.relate("db:1", "mysql/1", "mysql/0", "other/0")
    charm.set_data("db:1", "mysql/1", host="h1")
    charm.set_data("db:1", "mysql/0", host="h0", port="3306")
    charm.set_data("db:1", "other/0", user="never read")
    conv = Conversation("db", ["mysql/0", "mysql/1"], "global")
    with charm.hook():
        assert conv.get_remote("host") == "h1"  # relation-list order decides
        assert conv.get_remote("port") == "3306"
        assert conv.get_remote("user", "default") == "default"
        assert conv.get_remote("user") is None
    assert charm.tools.calls == [
        ("relation-ids", ("db",)),
        ("relation-list", ("db:1",)),
        ("relation-get", ("db:1", "mysql/1")),
        ("relation-get", ("db:1", "mysql/0")),
    ]


def test_get_remote_values_are_strings_never_evaluated(charm):
    charm.relate("db:1", "a/0")
    charm.set_data("db:1", "a/0", cmd="__import__('os').system('false')", n="3")
    conv = Conversation("db:1", ["a/0"], "a/0")
    with charm.hook():
        assert conv.get_remote("cmd") == "__import__('os').system('false')"
        assert conv.get_remote("n") == "3"


def test_get_remote_skips_units_not_in_relation_list(charm):
    charm.relate("db:1", "a/1")
    charm.set_data("db:1", "a/0", x="stale")
    conv = Conversation("db:1", ["a/0", "a/1"], "a")
    with charm.hook():
        assert conv.get_remote("x") is None
    assert charm.tools.count("relation-get") == 1  # only a/1


def test_get_remote_without_units_calls_nothing(charm):
    with charm.hook():
        assert Conversation("db", [], "global").get_remote("x", 1) == 1
    assert charm.tools.calls == []


def test_get_remote_in_departed_reads_the_departing_unit_without_corrupting_the_cache(charm):
    charm.relate("db:1", "a/0")  # Juju leaves a/1 out of relation-list in its -departed
    charm.set_data("db:1", "a/1", x="from a/1")
    conv = Conversation("db:1", ["a/1"], "a/1")
    with charm.hook("relation-departed", "db:1", "a/1", departing="a/1", lifecycle=False) as rt:
        for _ in range(3):
            assert conv.get_remote("x") == "from a/1"
        assert rt.tools.relation_list("db:1") == ["a/0"]
    assert charm.tools.count("relation-list") == 1
    assert charm.tools.count("relation-get") == 1


def test_get_remote_in_broken_reads_the_conversation_units_by_id(charm):
    charm.relate("db:1")  # relation-list is empty in -broken
    charm.set_data("db:1", "a/0", x="still readable")
    conv = Conversation("db:1", ["a/0"], "a")
    with charm.hook("relation-broken", "db:1", app="a", lifecycle=False):
        assert conv.get_remote("x") == "still readable"
    assert charm.tools.count("relation-list") == 0


def test_set_remote_encodes_like_1x_and_buffers_one_relation_set_per_id(charm):
    charm.relate("db:1", "a/0")
    charm.relate("db:2", "b/0")
    conv = Conversation("db", ["a/0", "b/0"], "global")
    data = {"d": 1, "k": "from data"}
    with charm.hook() as rt:
        conv.set_remote("k", True, data, kw=None, n=2.5)
        conv.set_remote(data={"obj": {"a": 1}})
        conv.set_remote()  # nothing to send
        assert charm.tools.count("relation-set") == 0  # buffered until the commit
        assert rt.tools.relation_get("db:1", "local/0")["k"] == "True"
    assert data == {"d": 1, "k": "from data"}  # not modified
    sets = [args for tool, args in charm.tools.calls if tool == "relation-set"]
    expected = {"d": "1", "k": "True", "kw": "", "n": "2.5", "obj": "{'a': 1}"}
    assert sets == [("db:1", expected, False), ("db:2", expected, False)]


def test_set_remote_precedence_kwargs_over_key_over_data(charm):
    charm.relate("db:1", "a/0")
    conv = Conversation("db:1", ["a/0"], "a/0")
    with charm.hook():
        conv.set_remote("x", "key", {"x": "data", "y": "data"}, y="kw")
    assert charm.tools.bags["db:1"]["local/0"] == {"x": "key", "y": "kw"}


def test_set_remote_does_not_write_to_a_broken_relation(charm):
    charm.relate("db:1")
    charm.relate("db:2", "b/0")
    with charm.hook("relation-broken", "db:1", app="a", lifecycle=False) as rt:
        tracer = trace.HookTrace("db-relation-broken")
        trace.install(rt, tracer)
        Conversation("db:1", [], "a").set_remote(x="1")
        Conversation("db", ["b/0"], "global").set_remote(y="2")
    assert tracer.notes == ["not sent to db:1 (being broken): x"]
    sets = [args for tool, args in charm.tools.calls if tool == "relation-set"]
    assert sets == [("db:2", {"y": "2"}, False)]
    assert charm.tools.log == []  # said in the trace, not in one juju-log call per write


def test_set_remote_is_discarded_when_the_hook_fails(charm):
    charm.relate("db:1", "a/0")

    def failing_hook():
        with charm.hook():
            Conversation("db:1", ["a/0"], "a/0").set_remote(x="1")
            raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError):
        failing_hook()
    assert charm.tools.count("relation-set") == 0


# --- local data -----------------------------------------------------------------------------


def test_local_data_keys_and_values_as_1x(charm):
    conv = Conversation("db:1", ["a/0"], "a/0")
    with charm.hook():
        conv.set_local("k", {"nested": [1]})
        conv.set_local(data={"d": 1}, e="x")
        assert conv.get_local("k") == {"nested": [1]}
        assert conv.get_local("missing", "dflt") == "dflt"
    prefix = "reactive.conversations.db:1.a/0.local-data."
    assert {k: v for k, v in charm.stored().items() if k.startswith(prefix)} == {
        prefix + "k": '{"nested": [1]}',
        prefix + "d": "1",
        prefix + "e": '"x"',
    }
    assert charm.tools.calls == []


def test_save_without_units_removes_conversation_local_data_and_flag_references(charm):
    conv = Conversation("db:1", ["a/0"], "a/0")
    other = Conversation("db:1", ["b/0"], "b/0")
    with charm.hook():
        conv.save()
        other.save()
        conv.set_local("k", 1)
        conv.set_state("db.both")
        other.set_state("db.both")
        conv.set_state("db.only")
        conv.units.clear()
        conv.save()
        assert not flags.is_flag_set("db.only")
        assert flags.get_flag_value("db.both")["conversations"] == [other.key]
    assert set(charm.conversations()) == {other.key}


def test_depart_removes_the_remote_unit_and_is_idempotent(charm):
    charm.relate("db:1", "a/0", "a/1")
    for unit in ("a/0", "a/1"):
        with charm.hook("relation-joined", "db:1", unit):
            Conversation.join(scopes.SERVICE)
    with charm.hook("relation-departed", "db:1", "a/1", lifecycle=False):
        conv = Conversation("db:1", [], "a")  # a stale copy: depart re-reads the store
        conv.depart()
        conv.depart()
        assert conv.units == {"a/0"}
    assert json.loads(charm.conversations()[conversation_key("db:1", "a")])["units"] == ["a/0"]
    with charm.hook("relation-departed", "db:1", "a/0", lifecycle=False):
        Conversation.load([conversation_key("db:1", "a")])[0].depart()
    assert charm.conversations() == {}


def test_depart_without_remote_unit_is_an_error(charm):
    with charm.hook(), pytest.raises(HookContextError, match="remote unit"):
        Conversation("db:1", ["a/0"], "a/0").depart()


def test_depart_keeps_a_unit_still_on_another_id_of_a_relation_wide_conversation(charm):
    charm.relate("db:1", "m/0")
    charm.relate("db:2", "m/0", "n/0")  # the same application related twice
    with charm.hook():
        Conversation("db", ["m/0", "n/0"], "global").save()
    charm.remove_unit("db:1", "m/0")
    with charm.hook("relation-departed", "db:1", "m/0", lifecycle=False):
        conv = Conversation.load(["reactive.conversations.db.global"])[0]
        conv.depart()
        assert conv.units == {"m/0", "n/0"}
    charm.remove_unit("db:2", "m/0")
    with charm.hook("relation-departed", "db:2", "m/0", lifecycle=False):
        conv.depart()
        assert conv.units == {"n/0"}
