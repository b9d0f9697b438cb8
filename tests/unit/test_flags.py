"""Flags: values in the unit kv under 1.x keys, changes recorded, triggers."""

from __future__ import annotations

import pytest

from charms.reactive import flags
from charms.reactive.errors import TriggerDefinitionError
from charms.reactive.flags import (
    all_flags_set,
    any_flags_set,
    clear_flag,
    flag_watch,
    get_flag_value,
    get_flags,
    get_unset_flags,
    is_flag_set,
    register_trigger,
    set_flag,
    toggle_flag,
)


def test_set_flag_stores_null_under_the_1x_key(rt):
    set_flag("foo")

    assert rt.kv.get("reactive.states.foo", "missing") is None
    assert is_flag_set("foo")


def test_set_flag_stores_its_value(rt):
    set_flag("db.ready", {"relation": "db", "conversations": ["c"]})

    assert get_flag_value("db.ready") == {"relation": "db", "conversations": ["c"]}


def test_clear_flag_removes_the_key(rt):
    set_flag("foo")
    clear_flag("foo")

    assert rt.kv.get("reactive.states.foo", "missing") == "missing"
    assert not is_flag_set("foo")


def test_clear_flag_of_an_unset_flag_is_a_no_op(rt):
    clear_flag("never")

    assert flag_watch(rt).pending == set()


@pytest.mark.parametrize(
    ("should_set", "expected"),
    [(True, True), (False, False), (1, True), (0, False)],
    ids=["true", "false", "one", "zero"],
)
def test_toggle_flag_follows_should_set(rt, should_set, expected):
    set_flag("other")
    toggle_flag("foo", should_set)

    assert is_flag_set("foo") is expected


def test_toggle_flag_false_clears_a_set_flag(rt):
    set_flag("foo")
    toggle_flag("foo", False)

    assert not is_flag_set("foo")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ((), (True, False)),
        (("a",), (True, True)),
        (("a", "b"), (True, True)),
        (("a", "c"), (False, True)),
        (("c",), (False, False)),
    ],
    ids=["none", "one-set", "all-set", "some-set", "none-set"],
)
def test_all_and_any_flags_set(rt, query, expected):
    set_flag("a")
    set_flag("b")

    assert (all_flags_set(*query), any_flags_set(*query)) == expected


def test_get_flags_is_sorted_and_exact_about_the_prefix(rt):
    for name in ("zeta", "alpha", "mid.dle"):
        set_flag(name)
    rt.kv.set("REACTIVE.STATES.not-a-flag", None)  # SQL LIKE in getrange ignores case

    assert get_flags() == ["alpha", "mid.dle", "zeta"]


def test_get_unset_flags_is_sorted(rt):
    set_flag("b")

    assert get_unset_flags("d", "b", "a") == ["a", "d"]


def test_changes_are_recorded_once_per_real_change(rt):
    watch = flag_watch(rt)
    set_flag("a")
    set_flag("a", "new value")  # already set: not a change
    clear_flag("b")  # not set: not a change

    assert watch.pending == {"a"}
    assert not watch.cleared
    clear_flag("a")
    assert watch.cleared


def test_listeners_hear_every_change(rt):
    heard: list[tuple[str, bool]] = []
    flag_watch(rt).listeners.append(lambda flag, is_set: heard.append((flag, is_set)))

    set_flag("a")
    set_flag("a")
    clear_flag("a")

    assert heard == [("a", True), ("a", False)]


def test_set_trigger_sets_and_clears_flags(rt):
    set_flag("old")
    register_trigger(when="a", set_flag="b", clear_flag="old")

    set_flag("a")

    assert get_flags() == ["a", "b"]


def test_clear_trigger_fires_when_the_flag_is_cleared(rt):
    register_trigger(when_not="a", set_flag="a.gone")
    set_flag("a")
    assert not is_flag_set("a.gone")

    clear_flag("a")

    assert is_flag_set("a.gone")


def test_trigger_callback_is_called_after_the_flag_actions(rt):
    seen: list[list[str]] = []
    register_trigger(when="a", set_flag="b")
    register_trigger(when="a", callback=lambda: seen.append(get_flags()))

    set_flag("a")

    assert seen == [["a", "b"]]


def test_triggers_are_stored_with_the_1x_keys(rt):
    register_trigger(when="a", set_flag="b")
    register_trigger(when="a", set_flag="b")  # registering twice does not duplicate
    register_trigger(when_not="a", clear_flag="c")

    assert rt.kv.get("reactive.flag_set_triggers.a") == {"set_flag": ["b"], "clear_flag": []}
    assert rt.kv.get("reactive.flag_clear_triggers.a") == {"set_flag": [], "clear_flag": ["c"]}


def test_clear_triggers_forgets_every_trigger(rt):
    called: list[str] = []
    register_trigger(when="a", set_flag="b", callback=lambda: called.append("x"))
    flags.clear_triggers(rt)

    set_flag("a")

    assert get_flags() == ["a"]
    assert called == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"set_flag": "b"},
        {"when": "a", "when_not": "b", "set_flag": "c"},
        {"when": "a"},
    ],
    ids=["no-condition", "both-conditions", "no-action"],
)
def test_register_trigger_rejects_bad_arguments(rt, kwargs):
    with pytest.raises(TriggerDefinitionError) as err:
        register_trigger(**kwargs)

    assert isinstance(err.value, ValueError)  # 1.x raised ValueError


@pytest.mark.parametrize("bad", ["", None, 3], ids=["empty", "none", "int"])
def test_set_flag_rejects_a_non_string_name(rt, bad):
    with pytest.raises(TypeError, match="flag must be a non-empty string"):
        set_flag(bad)


def test_flag_changes_are_discarded_without_a_commit(hook_runtime):
    rt = hook_runtime()
    set_flag("committed")
    rt.commit()
    set_flag("uncommitted")

    hook_runtime()

    assert get_flags() == ["committed"]
