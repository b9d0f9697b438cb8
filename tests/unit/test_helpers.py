"""Helpers: data/file change memory, invoked marks, hook pattern matching."""

from __future__ import annotations

import pytest

from charms.reactive import helpers
from charms.reactive.errors import HookPatternError
from charms.reactive.helpers import (
    any_file_changed,
    any_hook,
    data_changed,
    expand_hook_patterns,
    is_data_changed,
    mark_invoked,
    was_invoked,
)


def test_data_changed_is_true_once_per_new_value(rt):
    assert data_changed("cfg", {"b": 1, "a": [1, 2]})
    assert not data_changed("cfg", {"a": [1, 2], "b": 1})  # key order does not matter
    assert data_changed("cfg", {"a": [1, 2], "b": 2})


def test_data_changed_stores_a_hash_under_the_1x_key(rt):
    data_changed("cfg", "value")

    stored = rt.kv.get("reactive.data_changed.cfg")
    assert isinstance(stored, str)
    assert len(stored) == 32  # md5 hex digest


def test_is_data_changed_does_not_store(rt):
    assert is_data_changed("cfg", 1)
    assert is_data_changed("cfg", 1)
    data_changed("cfg", 1)
    assert not is_data_changed("cfg", 1)


def test_any_file_changed_records_every_file(rt, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("1")
    b.write_text("1")

    assert any_file_changed([str(a), lambda: str(b)])
    assert not any_file_changed([str(a), str(b)])
    b.write_text("2")
    assert any_file_changed([str(a), str(b)])
    assert rt.kv.get(f"reactive.files_changed.{a}") == helpers.file_hash(str(a))


def test_a_missing_file_is_unchanged_until_it_appears(rt, tmp_path):
    path = tmp_path / "later"

    assert not any_file_changed([str(path)])
    path.write_text("now")
    assert any_file_changed([str(path)])


def test_invoked_marks_persist_under_the_1x_key(rt):
    assert not was_invoked("x")
    mark_invoked("x")

    assert was_invoked("x")
    assert rt.kv.get("reactive.invoked.x") is True


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        (["install"], ["install"]),
        (["db-relation-{joined,changed}"], ["db-relation-joined", "db-relation-changed"]),
        (["{A,B}{x,y}"], ["Ax", "Ay", "Bx", "By"]),
        (
            ["{requires:mysql}-relation-joined"],
            ["db-relation-joined", "db2-relation-joined"],
        ),
        (
            ["{provides:http}-relation-{joined,broken}"],
            ["website-relation-joined", "website-relation-broken"],
        ),
        (["{peers:peer}-relation-joined"], ["cluster-relation-joined"]),
        (["{requires:nothing}-relation-joined"], []),
    ],
    ids=["plain", "alternatives", "multiply", "role-interface", "both", "peers", "unused"],
)
def test_expand_hook_patterns(rt, patterns, expected):
    assert expand_hook_patterns(patterns) == expected


def test_expand_hook_patterns_rejects_bad_roles(rt):
    with pytest.raises(HookPatternError, match="role must be one of"):
        expand_hook_patterns(["{peer:x}-relation-joined"])


@pytest.mark.parametrize(
    ("hook_name", "expected"),
    [("db2-relation-changed", True), ("db-relation-departed", False), ("install", False)],
    ids=["match", "other-relation-hook", "other-hook"],
)
def test_any_hook_matches_exact_names(hook_runtime, hook_name, expected):
    hook_runtime(hook_name)

    assert any_hook("{requires:mysql}-relation-{joined,changed}") is expected
