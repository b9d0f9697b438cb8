"""The handler decorators: ``@when`` and friends, ``@hook``, ``@only_once``, ...

Each decorator attaches a condition to the function's :class:`~charms.reactive._handlers.
HandlerSpec` in the default registry and returns the function unchanged (only
:func:`not_unless` wraps it). Stacked decorators combine with AND. Mistakes fail when the
decorator is applied, i.e. at discovery, with a
:class:`~charms.reactive.errors.HandlerDefinitionError` naming ``file:line:function``:
an empty flag list, a decorator used without its parentheses, ``@hook`` combined with
``@when*``, or a malformed hook pattern.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar, overload

from charms.reactive import _conditions, _runtime, flags, helpers
from charms.reactive._handlers import Handler, HandlerSpec, default_registry
from charms.reactive.errors import HandlerDefinitionError

__all__ = [
    "collect_metrics",
    "hook",
    "meter_status_changed",
    "not_unless",
    "only_once",
    "when",
    "when_all",
    "when_any",
    "when_file_changed",
    "when_none",
    "when_not",
    "when_not_all",
]

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]


def _code_of(func: Callable[..., Any], decorator: str) -> Any:
    target: Any = func
    while hasattr(target, "__wrapped__"):
        target = target.__wrapped__
    code = getattr(target, "__code__", None)
    if code is None:
        raise HandlerDefinitionError(f"@{decorator} applied to {func!r}, which is not a function")
    return code


def where(func: Callable[..., Any]) -> str:
    """Return ``file:line:name`` of a (possibly wrapped) function."""
    code = _code_of(func, "?")
    return f"{code.co_filename}:{code.co_firstlineno}:{code.co_name}"


def _spec(func: Callable[..., Any], decorator: str) -> HandlerSpec:
    code = _code_of(func, decorator)
    return default_registry().spec_for(func, code.co_filename, code.co_firstlineno, code.co_name)


def _attach(func: F, decorator: str, condition: _conditions.Condition) -> F:
    spec = _spec(func, decorator)
    if condition.phase is not None:
        clash = [c for c in spec.conditions if c.phase not in (None, condition.phase)]
        if clash:
            others = ", ".join(f"@{d}" for d in spec.decorators)
            raise HandlerDefinitionError(
                f"{spec.id}: @{decorator} cannot be combined with {others}: they run in "
                f"different dispatch phases ({condition.phase} vs {clash[0].phase}), "
                "so the handler would never run"
            )
    spec.conditions.append(condition)
    spec.decorators.append(decorator)
    return func


def _check_not_bare(decorator: str, args: tuple[Any, ...]) -> None:
    if len(args) == 1 and callable(args[0]):
        raise HandlerDefinitionError(
            f"{where(args[0])}: @{decorator} needs arguments: write @{decorator}('...')"
        )


def _flag_decorator(name: str, kind: _conditions.FlagKind, legacy_args: bool) -> Any:
    def decorator(*desired_flags: str) -> Decorator[Any]:
        _check_not_bare(name, desired_flags)

        def register(func: F) -> F:
            if not desired_flags:
                raise HandlerDefinitionError(f"{where(func)}: @{name}() needs at least one flag")
            bad = [f for f in desired_flags if not isinstance(f, str) or not f]
            if bad:
                raise HandlerDefinitionError(
                    f"{where(func)}: @{name} flags must be non-empty strings, got {bad[0]!r}"
                )
            _attach(func, name, _conditions.FlagCondition(kind, tuple(desired_flags)))
            spec = _spec(func, name)
            spec.per_relation = _is_endpoint_method
            if legacy_args:
                spec.args_factory = _flag_args
            elif spec.args_factory is None:
                spec.args_factory = _endpoint_args
            return func

        return register

    decorator.__name__ = decorator.__qualname__ = name
    return decorator


def _endpoint_class(func: Callable[..., Any]) -> type | None:
    """The Endpoint subclass ``func`` is a method of, found by its qualified name.

    Looked up once the module is loaded (1.x guessed at decoration time from the module's
    globals, and missed methods whose module imported Endpoint under another name, #184).
    """
    from charms.reactive.endpoints import Endpoint

    parts = getattr(func, "__qualname__", "").split(".")
    if len(parts) < 2 or "<locals>" in parts:
        return None
    owner: Any = sys.modules.get(getattr(func, "__module__", ""))
    for part in parts[:-1]:
        owner = getattr(owner, part, None)
    return owner if isinstance(owner, type) and issubclass(owner, Endpoint) else None


def _is_endpoint_method(spec: HandlerSpec) -> bool:
    return _endpoint_class(spec.func) is not None


def _endpoint_args(rt: _runtime.Runtime, handler: Handler) -> list[Any]:
    """An Endpoint method's ``self``: the endpoint of its relation."""
    if handler.relation_name and _endpoint_class(handler.spec.func) is not None:
        from charms.reactive.endpoints import Endpoint

        return [Endpoint.from_name(handler.relation_name)]
    return []


def _flag_args(rt: _runtime.Runtime, handler: Handler) -> list[Any]:
    """An Endpoint method's ``self``; else (1.x) each ``@when`` flag's relation instance."""
    if handler.relation_name and _endpoint_class(handler.spec.func) is not None:
        return _endpoint_args(rt, handler)
    from charms.reactive import relations

    args: list[Any] = []
    for cond in handler.conditions:
        if isinstance(cond, _conditions.FlagCondition) and cond.kind == "all":
            for flag in cond.flags:
                endpoint = relations.endpoint_from_flag(flag)
                if endpoint is not None:
                    args.append(endpoint)
    return args


def _hook_args(rt: _runtime.Runtime, handler: Handler) -> list[Any]:
    """The relation instance of the running relation hook, if there is one."""
    if not rt.context.relation_name:
        return []
    from charms.reactive import relations

    endpoint = relations.endpoint_from_name(rt.context.relation_name)
    return [endpoint] if endpoint else []


when = _flag_decorator("when", "all", legacy_args=True)
when.__doc__ = """Run the handler when all of the flags are set (the other phase).

A handler taking arguments gets, for each flag, the relation instance that set it (1.x
behaviour; flags without one are skipped)."""
when_all = _flag_decorator("when_all", "all", legacy_args=True)
when_all.__doc__ = """Same as :func:`when`."""
when_any = _flag_decorator("when_any", "any", legacy_args=False)
when_any.__doc__ = """Run the handler when at least one of the flags is set."""
when_not = _flag_decorator("when_not", "none", legacy_args=False)
when_not.__doc__ = """Run the handler when none of the flags is set."""
when_none = _flag_decorator("when_none", "none", legacy_args=False)
when_none.__doc__ = """Same as :func:`when_not`."""
when_not_all = _flag_decorator("when_not_all", "not_all", legacy_args=False)
when_not_all.__doc__ = """Run the handler when at least one of the flags is not set."""


def hook(*hook_patterns: str) -> Decorator[Any]:
    """Run the handler in the hooks phase when the hook matches a pattern.

    Patterns may use ``{role:interface}`` (each relation using that interface in that role,
    role one of provides/requires/peers) and ``{a,b}`` alternatives. A handler taking an
    argument gets the relation instance of the running relation hook, if any. Cannot be
    combined with ``@when*``.
    """
    _check_not_bare("hook", hook_patterns)

    def register(func: F) -> F:
        if not hook_patterns:
            raise HandlerDefinitionError(f"{where(func)}: @hook() needs at least one pattern")
        for pattern in hook_patterns:
            problem = helpers.check_hook_pattern(pattern)
            if problem:
                raise HandlerDefinitionError(f"{where(func)}: @hook: {problem}")
        _attach(func, "hook", _conditions.HookCondition(tuple(hook_patterns)))
        _spec(func, "hook").args_factory = _hook_args
        return func

    return register


def when_file_changed(
    *filenames: str | Callable[[], str], hash_type: str = "md5"
) -> Decorator[Any]:
    """Run the handler when one of the files changed since it last ran (in any phase).

    File names may be callables returning the path, evaluated when tested.
    """

    def register(func: F) -> F:
        if not filenames:
            raise HandlerDefinitionError(
                f"{where(func)}: @when_file_changed() needs at least one file"
            )
        _attach(func, "when_file_changed", _conditions.FilesChanged(tuple(filenames), hash_type))
        return func

    return register


@overload
def only_once(action: F) -> F: ...
@overload
def only_once(action: None = None) -> Decorator[Any]: ...
def only_once(action: Any = None) -> Any:
    """Run the handler once in the unit's life (with or without parentheses).

    It has no phase condition, so without other conditions it runs in the hooks phase of the
    first hook. The mark is kept under ``reactive.invoked.<handler id>``.
    """

    def register(func: F) -> F:
        return _attach(func, "only_once", _conditions.NotInvoked())

    return register if action is None else register(action)


def _restricted(decorator: str, hook_name: str, action: Any) -> Any:
    def register(func: F) -> F:
        return _attach(func, decorator, _conditions.RestrictedHook(hook_name))

    return register if action is None else register(action)


def collect_metrics(action: Any = None) -> Any:
    """Run the handler in the restricted ``collect-metrics`` hook."""
    return _restricted("collect_metrics", "collect-metrics", action)


def meter_status_changed(action: Any = None) -> Any:
    """Run the handler in the restricted ``meter-status-changed`` hook."""
    return _restricted("meter_status_changed", "meter-status-changed", action)


def not_unless(*desired_flags: str) -> Decorator[Any]:
    """Warn (in the juju log) when the function is called while a flag is not set.

    It is not a handler condition: the function is always called.
    """
    _check_not_bare("not_unless", desired_flags)

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            missing = flags.get_unset_flags(*desired_flags)
            if missing:
                _runtime.current().tools.juju_log(
                    f"{where(func)} called before flag(s): {', '.join(missing)}", "WARNING"
                )
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return wrap
