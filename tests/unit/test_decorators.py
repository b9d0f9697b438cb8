"""Decorators: conditions attached, early validation naming file:line:function, arguments."""

from __future__ import annotations

import sys

import pytest

from charms.reactive import (
    collect_metrics,
    hook,
    main,
    not_unless,
    only_once,
    set_flag,
    when,
    when_all,
    when_any,
    when_file_changed,
    when_none,
    when_not,
    when_not_all,
)
from charms.reactive.errors import HandlerDefinitionError


def line_of(func):
    return f"{__file__}:{func.__code__.co_firstlineno}:{func.__name__}"


@pytest.mark.parametrize(
    "decorator",
    [when, when_all, when_any, when_not, when_none, when_not_all],
    ids=lambda d: d.__name__,
)
def test_flag_decorators_reject_an_empty_flag_list(registry, decorator):
    def handler():
        pass

    with pytest.raises(HandlerDefinitionError) as err:
        decorator()(handler)

    assert line_of(handler) in str(err.value)
    assert f"@{decorator.__name__}()" in str(err.value)


@pytest.mark.parametrize("decorator", [when, when_not, hook, not_unless], ids=lambda d: d.__name__)
def test_decorators_used_without_parentheses_are_rejected(registry, decorator):
    def handler():
        pass

    with pytest.raises(HandlerDefinitionError, match="needs arguments") as err:
        decorator(handler)

    assert line_of(handler) in str(err.value)


@pytest.mark.parametrize("bad", [None, "", 3], ids=["none", "empty", "int"])
def test_flags_must_be_non_empty_strings(registry, bad):
    def handler():
        pass

    with pytest.raises(HandlerDefinitionError, match="non-empty strings"):
        when("ok", bad)(handler)


@pytest.mark.parametrize(
    ("outer", "inner"),
    [
        (when("a"), hook("install")),
        (hook("install"), when_not("a")),
        (collect_metrics(), when("a")),
        (hook("install"), collect_metrics()),
    ],
    ids=["when-over-hook", "hook-over-when_not", "metrics-over-when", "hook-over-metrics"],
)
def test_decorators_of_different_phases_cannot_be_combined(registry, outer, inner):
    def handler():
        pass

    with pytest.raises(HandlerDefinitionError, match="different dispatch phases") as err:
        outer(inner(handler))

    assert line_of(handler) in str(err.value)


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("{peer:x}-relation-joined", "role must be one of"),
        ("{interface:mysql}-relation-joined", "role must be one of"),
        ("{requires:}-relation-joined", "names no interface"),
        ("db-relation-{joined", "unbalanced"),
        ("", "non-empty"),
    ],
    ids=["peer", "interface", "no-interface", "unbalanced", "empty"],
)
def test_hook_rejects_malformed_patterns(registry, pattern, problem):
    def handler():
        pass

    with pytest.raises(HandlerDefinitionError, match=problem) as err:
        hook(pattern)(handler)

    assert line_of(handler) in str(err.value)


def test_stacked_decorators_make_one_handler_with_all_conditions(registry):
    @when("a")
    @when_not("b")
    @only_once
    def handler():
        pass

    [spec] = registry.specs
    assert spec.func is handler
    assert spec.decorators == ["only_once", "when_not", "when"]
    assert spec.id == line_of(handler)


def test_decorators_return_the_function_unchanged(registry):
    def handler():
        return 42

    def other():
        return 43

    assert when("a")(handler) is handler
    assert only_once(handler) is handler
    assert only_once()(handler) is handler
    assert when_file_changed("/etc/hosts")(handler) is handler
    assert hook("install")(other) is other


def test_when_file_changed_needs_a_file(registry):
    def handler():
        pass

    with pytest.raises(HandlerDefinitionError, match="needs at least one file"):
        when_file_changed()(handler)


def test_not_unless_warns_in_the_log_and_still_calls(rt, tools):
    @not_unless("ready", "other")
    def guarded(x):
        return x * 2

    set_flag("other")

    assert guarded(21) == 42
    [(level, message)] = tools.log
    assert level == "WARNING"
    assert message.endswith("called before flag(s): ready")
    assert line_of(guarded.__wrapped__) in message


def test_not_unless_is_silent_when_the_flags_are_set(rt, tools):
    @not_unless("ready")
    def guarded():
        return "ok"

    set_flag("ready")

    assert guarded() == "ok"
    assert tools.log == []


INTERFACE = """
from charms.reactive import RelationBase, hook, scopes

class MysqlRequires(RelationBase):
    scope = scopes.GLOBAL

    @hook('{requires:mysql}-relation-joined')
    def joined(self):
        self.set_state('{relation_name}.connected')
"""

CHARM = """
from charms.reactive import hook, when, when_not
LOG = []

@when('db.connected')
def with_arg(db):
    LOG.append(('with_arg', type(db).__name__, db.relation_name))

@when('db.connected', 'plain')
def plain_flags_give_no_arg(db):
    LOG.append(('plain', type(db).__name__))

@when('db.connected')
def without_arg():
    LOG.append(('without_arg',))

@hook('db-relation-joined')
def hook_arg(rel):
    LOG.append(('hook_arg', type(rel).__name__))

@hook('db-relation-joined')
def hook_no_arg():
    LOG.append(('hook_no_arg',))
"""


def test_handlers_taking_arguments_get_relation_instances(hook_runtime, tools, write):
    write("hooks/relations/mysql/requires.py", INTERFACE)
    write("hooks/relations/mysql/__init__.py", "")
    write("reactive/charm.py", CHARM)
    tools.ids = {"db": ["db:1"]}
    tools.units = {"db:1": ["mysql/0"]}
    hook_runtime("db-relation-joined", relation_id="db:1", remote_unit="mysql/0")
    set_flag("plain")

    main()

    assert sys.modules["reactive.charm"].LOG == [
        ("hook_arg", "MysqlRequires"),
        ("hook_no_arg",),
        ("with_arg", "MysqlRequires", "db"),
        ("plain", "MysqlRequires"),
        ("without_arg",),
    ]
