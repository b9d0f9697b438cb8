"""The state-named aliases: same behaviour, importable where 1.x layers import them."""

from __future__ import annotations

import importlib
import warnings

import pytest

import charms.reactive
from charms.reactive import _compat

ALIASES_BY_MODULE = {
    "charms.reactive": [
        "set_state",
        "remove_state",
        "toggle_state",
        "is_state",
        "all_states",
        "any_states",
        "get_states",
    ],
    "charms.reactive.bus": [
        "State",
        "StateList",
        "set_state",
        "remove_state",
        "get_state",
        "get_states",
    ],
    "charms.reactive.helpers": ["is_state", "toggle_state", "all_states", "any_states"],
    "charms.reactive.flags": [
        "set_flag",
        "clear_flag",
        "register_trigger",
        "get_flags",
        "set_state",
        "remove_state",
        "toggle_state",
        "is_state",
        "all_states",
        "any_states",
        "get_states",
        "get_state",
        "State",
        "StateList",
    ],
}


@pytest.mark.parametrize(
    ("module", "name"),
    [(m, n) for m, names in ALIASES_BY_MODULE.items() for n in names],
    ids=lambda v: v,
)
def test_names_old_layers_import_exist(module, name):
    assert hasattr(importlib.import_module(module), name)


def test_state_aliases_behave_as_the_flag_functions(rt):
    charms.reactive.set_state("a", {"v": 1})
    _compat.toggle_state("b", True)

    assert charms.reactive.is_state("a")
    assert charms.reactive.all_states("a", "b")
    assert charms.reactive.any_states("a", "zzz")
    assert charms.reactive.get_states() == {"a": {"v": 1}, "b": None}
    assert _compat.get_state("a") == {"v": 1}
    assert _compat.get_state("zzz", "default") == "default"
    charms.reactive.remove_state("a")
    _compat.toggle_state("b", False)
    assert charms.reactive.get_states() == {}


def test_aliases_do_not_warn_by_default(rt, monkeypatch):
    monkeypatch.delenv(_compat.WARN_ENV, raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        charms.reactive.set_state("a")


def test_aliases_warn_when_asked(rt, monkeypatch):
    monkeypatch.setenv(_compat.WARN_ENV, "1")

    with pytest.warns(DeprecationWarning, match="set_state is deprecated; use set_flag"):
        charms.reactive.set_state("a")


def test_state_is_a_string_and_statelist_a_namespace():
    class states(_compat.StateList):  # noqa: N801 (the 1.x idiom)
        connected = _compat.State("{relation_name}.connected")

    assert states.connected == "{relation_name}.connected"
    assert isinstance(states.connected, str)


def test_top_level_all_lists_only_existing_names():
    missing = [n for n in charms.reactive.__all__ if not hasattr(charms.reactive, n)]
    assert missing == []
