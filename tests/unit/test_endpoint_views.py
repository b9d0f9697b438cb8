"""The Endpoint API's collections and data views: 1.x semantics, and the deliberate fixes."""

from __future__ import annotations

import json

import pytest

from charms.reactive.endpoints import (
    CachedKeyList,
    CombinedUnitsView,
    JSONUnitDataView,
    KeyList,
    UnitDataView,
)


class Item:
    def __init__(self, key, payload=None):
        self.key, self.payload = key, payload

    def _serialize(self):
        return {"key": self.key, "payload": self.payload}

    @classmethod
    def load(cls, data):
        return cls(data["key"], data["payload"])

    def __repr__(self):
        return f"Item({self.key!r})"


# -- UnitDataView ------------------------------------------------------------------------------


def test_missing_keys_read_as_none_and_get_takes_a_default():
    view = UnitDataView({"a": "1"})
    assert view["a"] == "1"
    assert view["missing"] is None
    assert view.get("missing", "d") == "d"
    assert view.get("a", "d") == "1"
    assert "a" in view
    assert dict(view) == {"a": "1"}


CHANGES = {
    "set": lambda view: view.__setitem__("a", "2"),
    "del": lambda view: view.__delitem__("a"),
    "setdefault": lambda view: view.setdefault("b", "1"),
    "update": lambda view: view.update(b="2"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_remote_data_cannot_be_modified(change):
    view = UnitDataView({"a": "1"}, where="the data of db/0 on db:1")
    message = r"Remote unit data cannot be modified \(the data of db/0"
    with pytest.raises(ValueError, match=message):
        CHANGES[change](view)
    assert dict(view) == {"a": "1"}


def test_a_written_view_that_was_never_read_reads_nothing_and_sends_every_change():
    reads = []
    view = UnitDataView(lambda: reads.append(1) or {"a": "1"}, writeable=True)
    view["a"] = "1"
    view["port"] = 80
    del view["gone"]

    assert reads == []  # no relation-get for a view only written
    assert view.unsent() == {"a": "1", "port": "80", "gone": ""}


def test_a_read_view_sends_only_real_changes():
    view = UnitDataView(lambda: {"a": "1", "b": "2"}, writeable=True)
    assert view["a"] == "1"  # read: the bag is known
    view["a"] = "1"  # unchanged
    view["b"] = "3"
    view["c"] = None  # deleting a key that is not there: nothing to send
    view.setdefault("a", "x")  # present: kept

    assert view.unsent() == {"b": "3"}
    assert dict(view) == {"a": "1", "b": "3"}
    assert view.modified


@pytest.mark.parametrize("empty", [None, ""])
def test_assigning_none_or_empty_deletes_the_key(empty):
    view = UnitDataView(lambda: {"a": "1"}, writeable=True)
    _ = view["a"]
    view["a"] = empty
    assert "a" not in view
    assert view.unsent() == {"a": ""}


def test_writes_made_before_the_first_read_show_in_it():
    view = UnitDataView(lambda: {"a": "1", "b": "2"}, writeable=True)
    view["a"] = "9"
    del view["b"]
    assert dict(view) == {"a": "9"}
    assert view.unsent() == {"a": "9", "b": ""}


# -- JSONUnitDataView --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [("123", 123), ("1.50", 1.5), ("true", True), ("null", None), ('"x"', "x"),
     ('{"b": 1}', {"b": 1}), ("plain", "plain"), ("10.0.0.1", "10.0.0.1"), ("", "")],
)  # fmt: skip
def test_json_view_decodes_and_falls_back_to_the_raw_string(raw, decoded):
    assert JSONUnitDataView(UnitDataView({"k": raw}))["k"] == decoded


def test_json_view_get_default_only_for_absent_keys():
    view = JSONUnitDataView(UnitDataView({"n": "null"}))
    assert view.get("n", "d") is None
    assert view.get("absent", "d") == "d"


def test_json_view_encodes_with_sorted_keys_and_none_deletes():
    raw = UnitDataView(lambda: {"old": '"x"'}, writeable=True)
    view = JSONUnitDataView(raw)
    view["text"] = "text"
    view["obj"] = {"z": 1, "a": 2}
    view["n"] = 5
    view["old"] = None

    assert raw.unsent() == {"text": '"text"', "obj": '{"a": 2, "z": 1}', "n": "5", "old": ""}


def test_json_view_names_the_key_of_a_value_json_cannot_encode():
    view = JSONUnitDataView(UnitDataView({}, writeable=True, where="the data of app/0 on db:1"))
    message = "cannot encode the value of 'when' in the data of app/0 on db:1 as JSON"
    with pytest.raises(TypeError, match=message):
        view["when"] = object()
    assert view.raw_data.changes == {}  # nothing half-written


def test_json_view_of_remote_data_is_read_only():
    with pytest.raises(ValueError, match="Remote unit data cannot be modified"):
        JSONUnitDataView(UnitDataView({"a": "1"}))["a"] = 2


# -- KeyList, CachedKeyList --------------------------------------------------------------------


def test_key_list_indexes_by_position_key_and_slice():
    kl = KeyList([Item("a"), Item("b"), Item("a", 2)], "key")
    assert kl[0].key == "a"
    assert kl[-1].payload == 2
    assert kl["a"] is kl[0]  # the first match
    assert [i.key for i in kl[1:]] == ["b", "a"]  # 1.x took slices for keys
    assert "b" in kl
    assert kl[1] in kl
    assert "z" not in kl
    assert kl.keys() == ["a", "b", "a"]
    assert [k for k, _ in kl.items()] == ["a", "b", "a"]
    with pytest.raises(KeyError):
        kl["z"]
    assert kl.pop("b").key == "b"
    del kl["a"]
    assert kl.keys() == ["a"]


def test_cached_key_list_persists_every_mutation(rt):
    cached = CachedKeyList("test.list", [], "key")
    cached.append(Item("a"))
    cached.insert(0, Item("b"))  # 1.x did not persist insert
    cached.extend([Item("c")])
    cached.sort(key=lambda i: i.key)
    assert [i["key"] for i in rt.kv.get("test.list")] == ["a", "b", "c"]
    popped = cached.pop("b")
    assert popped.key == "b"  # 1.x returned None
    cached.reverse()
    assert [i["key"] for i in rt.kv.get("test.list")] == ["c", "a"]
    reloaded = CachedKeyList.load("test.list", Item.load, "key")
    assert reloaded.keys() == ["c", "a"]
    reloaded.clear()
    assert rt.kv.get("test.list") is None


# -- CombinedUnitsView -------------------------------------------------------------------------


class Rel:
    def __init__(self, rid):
        self.relation_id = rid


class Unit:
    def __init__(self, rid, name, data):
        self.relation, self.unit_name = Rel(rid), name
        self.received_raw = UnitDataView(data)


def test_combined_units_are_in_numeric_order_and_the_first_wins_the_merge():
    units = CombinedUnitsView(
        [
            Unit("db:10", "a/0", {"k": "from db:10", "only10": "x"}),
            Unit("db:2", "a/10", {"k": "from a/10"}),
            Unit("db:2", "a/2", {"k": "from a/2", "two": "y"}),
        ]
    )
    assert [(u.relation.relation_id, u.unit_name) for u in units] == [
        ("db:2", "a/2"),
        ("db:2", "a/10"),
        ("db:10", "a/0"),
    ]  # 1.x sorted the strings: db:10 first, a/10 before a/2
    assert units.received_raw["k"] == "from a/2"
    assert units.received_raw["only10"] == "x"
    assert units["a/10"].unit_name == "a/10"
    assert json.loads(json.dumps(dict(units.received))) == {
        "k": "from a/2", "only10": "x", "two": "y",
    }  # fmt: skip
