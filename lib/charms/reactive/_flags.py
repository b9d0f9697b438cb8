"""Flags (implementation): named facts about the unit, set and cleared by handlers.

A flag is set when its key ``reactive.states.<flag>`` exists in the unit's key-value store
(its value is ``null`` for plain flags, as in charms.reactive 1.x). Every read and write goes
through ``_runtime.current().kv``, so changes become permanent only when the hook commits.

Each change of a flag (set when unset, cleared when set) is recorded in the hook's
:class:`FlagWatch`, which the dispatcher uses to decide which handlers to test again, and which
the hook's tracer listens to. Triggers (:func:`register_trigger`) react to changes at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from charms.reactive import _runtime
from charms.reactive.errors import TriggerDefinitionError

__all__ = [
    "CLEAR_TRIGGER_PREFIX",
    "FLAG_PREFIX",
    "SET_TRIGGER_PREFIX",
    "FlagWatch",
    "all_flags_set",
    "any_flags_set",
    "clear_flag",
    "clear_triggers",
    "flag_values",
    "flag_watch",
    "get_flag_value",
    "get_flags",
    "get_unset_flags",
    "is_flag_set",
    "register_trigger",
    "set_flag",
    "toggle_flag",
    "trigger_flags",
]

#: Key prefix of flags in the key-value store (charms.reactive 1.x layout).
FLAG_PREFIX: Final = "reactive.states."
#: Key prefixes of triggers fired when a flag gets set / cleared (1.x layout).
SET_TRIGGER_PREFIX: Final = "reactive.flag_set_triggers."
CLEAR_TRIGGER_PREFIX: Final = "reactive.flag_clear_triggers."

_WATCH: Final = "charms.reactive.flags.watch"
_CALLBACKS: Final = "charms.reactive.flags.callbacks"
_MISSING: Final = object()

#: Called with ``(flag, is_set)`` after a flag changes.
FlagListener = Callable[[str, bool], None]


class FlagWatch:
    """The flag changes of one hook, by dispatch iteration.

    ``pending`` collects the flags changed during the current iteration;
    :meth:`start_iteration` moves them to ``changed``, which the dispatcher compares with each
    handler's flags.
    """

    def __init__(self) -> None:
        self.iteration = 0
        self.changed: set[str] = set()
        self.pending: set[str] = set()
        #: Set when any flag is cleared; the dispatcher resets it after re-testing its queue.
        self.cleared = False
        self.listeners: list[FlagListener] = []

    def reset(self) -> None:
        """Forget all changes (start of a dispatch); listeners stay."""
        self.iteration = 0
        self.changed = set()
        self.pending = set()
        self.cleared = False

    def start_iteration(self, iteration: int) -> None:
        """Start an iteration: the pending changes become the changes to react to."""
        self.iteration = iteration
        self.changed, self.pending = self.pending, set()

    def record(self, flag: str, is_set: bool) -> None:
        """Record that ``flag`` was set (``is_set``) or cleared, and tell the listeners."""
        self.pending.add(flag)
        if not is_set:
            self.cleared = True
        for listener in self.listeners:
            listener(flag, is_set)

    def as_record(self) -> dict[str, Any]:
        """Return the watch as 1.x stored it (``reactive.state_watch``), for external handlers."""
        return {
            "iteration": self.iteration,
            "changes": sorted(self.changed),
            "pending": sorted(self.pending),
        }


def flag_watch(rt: _runtime.Runtime | None = None) -> FlagWatch:
    """Return the :class:`FlagWatch` of a runtime (default: the current one)."""
    rt = rt or _runtime.current()
    watch = rt.scratch.get(_WATCH)
    if not isinstance(watch, FlagWatch):
        watch = rt.scratch[_WATCH] = FlagWatch()
    return watch


def _callbacks(rt: _runtime.Runtime) -> dict[tuple[str, str], list[Callable[[], Any]]]:
    callbacks = rt.scratch.get(_CALLBACKS)
    if callbacks is None:
        callbacks = rt.scratch[_CALLBACKS] = {}
    return callbacks


def _check_flag(flag: object) -> str:
    if not isinstance(flag, str) or not flag:
        raise TypeError(f"a flag must be a non-empty string, got {flag!r}")
    return flag


def set_flag(flag: str, value: Any = None) -> None:
    """Set ``flag``, storing ``value`` with it.

    The value is always written. Only when the flag was not set before does the change count:
    it is recorded for dispatch and tracing, and the flag's set-triggers fire.

    Args:
        flag: The flag's name.
        value: A JSON-serialisable value kept with the flag (``None`` for plain flags).
    """
    rt = _runtime.current()
    key = FLAG_PREFIX + _check_flag(flag)
    was_set = rt.kv.get(key, _MISSING) is not _MISSING
    rt.kv.set(key, value)
    if not was_set:
        flag_watch(rt).record(flag, True)
        _fire(rt, flag, SET_TRIGGER_PREFIX, "set")


def clear_flag(flag: str) -> None:
    """Clear ``flag``; a no-op when it is not set.

    When it was set, the change is recorded (the dispatcher then re-tests the handlers still
    queued) and the flag's clear-triggers fire.
    """
    rt = _runtime.current()
    key = FLAG_PREFIX + _check_flag(flag)
    if rt.kv.get(key, _MISSING) is _MISSING:
        return
    rt.kv.unset(key)
    flag_watch(rt).record(flag, False)
    _fire(rt, flag, CLEAR_TRIGGER_PREFIX, "clear")


def toggle_flag(flag: str, should_set: bool) -> None:
    """Set ``flag`` if ``should_set`` is true, else clear it."""
    if should_set:
        set_flag(flag)
    else:
        clear_flag(flag)


def is_flag_set(flag: str) -> bool:
    """Return whether ``flag`` is set."""
    return _runtime.current().kv.get(FLAG_PREFIX + flag, _MISSING) is not _MISSING


def all_flags_set(*desired_flags: str) -> bool:
    """Return whether every one of ``desired_flags`` is set (true for none)."""
    kv = _runtime.current().kv
    return all(kv.get(FLAG_PREFIX + f, _MISSING) is not _MISSING for f in desired_flags)


def any_flags_set(*desired_flags: str) -> bool:
    """Return whether at least one of ``desired_flags`` is set (false for none)."""
    kv = _runtime.current().kv
    return any(kv.get(FLAG_PREFIX + f, _MISSING) is not _MISSING for f in desired_flags)


def get_flag_value(flag: str, default: Any = None) -> Any:
    """Return the value stored with ``flag``, or ``default`` when it is not set."""
    return _runtime.current().kv.get(FLAG_PREFIX + flag, default)


def get_flags() -> list[str]:
    """Return the names of all set flags, sorted."""
    return sorted(flag_values())


def get_unset_flags(*desired_flags: str) -> list[str]:
    """Return those of ``desired_flags`` that are not set, sorted."""
    kv = _runtime.current().kv
    return sorted(f for f in set(desired_flags) if kv.get(FLAG_PREFIX + f, _MISSING) is _MISSING)


def flag_values() -> dict[str, Any]:
    """Return every set flag with its value."""
    # getrange matches with SQL LIKE ('_' is a wildcard, case is ignored): keep exact prefixes.
    found = _runtime.current().kv.getrange(FLAG_PREFIX)
    return {k[len(FLAG_PREFIX) :]: v for k, v in found.items() if k.startswith(FLAG_PREFIX)}


def register_trigger(
    when: str | None = None,
    when_not: str | None = None,
    set_flag: str | None = None,
    clear_flag: str | None = None,
    callback: Callable[[], Any] | None = None,
) -> None:
    """Make a change of one flag set or clear other flags, or call a function, at once.

    Triggers act when the flag changes, before any handler sees the change. Flag actions are
    kept in the key-value store and callbacks in memory; both last until the end of the hook
    (:func:`clear_triggers`), so register them at import time of a handler module.

    Args:
        when: Act when this flag gets set.
        when_not: Act when this flag gets cleared.
        set_flag: The flag to set.
        clear_flag: The flag to clear.
        callback: A function called with no arguments.

    Raises:
        TriggerDefinitionError: Not exactly one of ``when`` / ``when_not``, or no action.
    """
    if (when is None) == (when_not is None):
        raise TriggerDefinitionError(
            f"register_trigger needs exactly one of when= or when_not= "
            f"(got when={when!r}, when_not={when_not!r})"
        )
    if not (set_flag or clear_flag or callback):
        raise TriggerDefinitionError(
            f"register_trigger for {when or when_not!r} needs set_flag=, clear_flag= or callback="
        )
    rt = _runtime.current()
    if when is not None:
        flag, prefix, kind = when, SET_TRIGGER_PREFIX, "set"
    else:
        flag, prefix, kind = str(when_not), CLEAR_TRIGGER_PREFIX, "clear"
    if set_flag or clear_flag:
        record = rt.kv.get(prefix + flag) or {"set_flag": [], "clear_flag": []}
        for action, target in (("set_flag", set_flag), ("clear_flag", clear_flag)):
            if target and target not in record[action]:
                record[action].append(target)
        rt.kv.set(prefix + flag, record)
    if callback is not None:
        _callbacks(rt).setdefault((kind, flag), []).append(callback)


def trigger_flags(rt: _runtime.Runtime | None = None) -> set[str]:
    """Return the flags that have a trigger (set or clear, stored or callback) in this hook."""
    rt = rt or _runtime.current()
    found = {flag for _, flag in _callbacks(rt)}
    for prefix in (SET_TRIGGER_PREFIX, CLEAR_TRIGGER_PREFIX):
        found.update(k[len(prefix) :] for k in rt.kv.getrange(prefix) if k.startswith(prefix))
    return found


def _fire(rt: _runtime.Runtime, flag: str, prefix: str, kind: str) -> None:
    record = rt.kv.get(prefix + flag)
    if record:
        for target in record.get("set_flag", []):
            set_flag(target)
        for target in record.get("clear_flag", []):
            clear_flag(target)
    for callback in list(_callbacks(rt).get((kind, flag), [])):
        callback()


def clear_triggers(rt: _runtime.Runtime | None = None) -> None:
    """Forget every trigger (``main()`` does this at the end of each hook, as 1.x did)."""
    rt = rt or _runtime.current()
    if rt.kv_opened:
        for prefix in (SET_TRIGGER_PREFIX, CLEAR_TRIGGER_PREFIX):
            if rt.kv.getrange(prefix):  # a DELETE would open a write transaction
                rt.kv.unsetrange(prefix=prefix)
    rt.scratch.pop(_CALLBACKS, None)
