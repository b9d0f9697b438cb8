"""The conditions decorators attach to handlers, and the dispatch phase they depend on.

A handler runs when all its conditions hold. Each condition can say which dispatch phase it
belongs to (``hooks`` for ``@hook``, ``other`` for the ``@when*`` family, ``restricted`` for
``collect-metrics`` / ``meter-status-changed``), which flags it watches (the dispatcher
re-tests a handler only when one of them changed), and why it does not hold (for the trace).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, Literal, Protocol

from charms.reactive import _runtime, flags, helpers

__all__ = [
    "PHASE_KEY",
    "Condition",
    "FilesChanged",
    "FlagCondition",
    "HookCondition",
    "NotInvoked",
    "Phase",
    "RestrictedHook",
    "current_phase",
    "persist_phase",
    "record_seen_files",
    "set_phase",
]

Phase = Literal["hooks", "other", "restricted"]
FlagKind = Literal["all", "any", "none", "not_all"]

#: Where the phase is persisted (1.x key; the ``when`` command line reads it).
PHASE_KEY: Final = "reactive.dispatch.phase"
_PHASE: Final = "charms.reactive._conditions.phase"
_SEEN: Final = "charms.reactive._conditions.seen_files"
PLACEHOLDERS: Final = ("{endpoint_name}", "{relation_name}")


def set_phase(rt: _runtime.Runtime, phase: Phase) -> None:
    """Enter a dispatch phase (in memory; see :func:`persist_phase`)."""
    rt.scratch[_PHASE] = phase


def persist_phase(rt: _runtime.Runtime) -> None:
    """Store the phase under ``reactive.dispatch.phase``, as 1.x did, if it differs.

    The dispatcher calls this before running an executable handler (the command line reads
    the phase) and at the end of a dispatch, so a hook that changes nothing writes nothing.
    """
    phase = rt.scratch.get(_PHASE)
    if phase is not None and rt.kv.get(PHASE_KEY) != phase:
        rt.kv.set(PHASE_KEY, phase)


def current_phase(rt: _runtime.Runtime) -> str | None:
    """Return the dispatch phase (the persisted one outside a dispatch; None before any)."""
    phase = rt.scratch.get(_PHASE)
    if phase is None:
        phase = rt.kv.get(PHASE_KEY)
    return phase if isinstance(phase, str) else None


class Condition(Protocol):
    """One condition of a handler."""

    @property
    def phase(self) -> Phase | None:
        """The dispatch phase the condition belongs to; None for any phase."""
        ...

    @property
    def flags(self) -> tuple[str, ...]:
        """The flags whose changes may change the outcome."""
        ...

    def test(self, rt: _runtime.Runtime, handler_id: str) -> bool:
        """Return whether the condition holds now (ignoring the phase)."""
        ...

    def explain(self, rt: _runtime.Runtime, handler_id: str) -> str:
        """Say why the condition does not hold now."""
        ...

    def invoked(self, rt: _runtime.Runtime, handler_id: str) -> None:
        """Note that the handler ran (e.g. mark it invoked, remember file hashes)."""
        ...

    def bind(self, relation_name: str) -> Condition:
        """Return the condition for one relation of an interface layer's handler."""
        ...


def _names(items: Sequence[str]) -> str:
    return ", ".join(items)


class _Value:
    """Equality and repr by the ``__slots__`` values (dataclasses cost start-up time)."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self._values()))

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({args})"


class FlagCondition(_Value):
    """A condition on a set of flags: ``@when*``.

    Kinds: ``all`` (``@when``, ``@when_all``), ``any`` (``@when_any``), ``none``
    (``@when_not``, ``@when_none``) and ``not_all`` (``@when_not_all``).
    """

    __slots__ = ("flags", "kind")
    phase: Final = "other"

    def __init__(self, kind: FlagKind, flags: tuple[str, ...]) -> None:
        """Make the condition of a ``kind`` on ``flags``."""
        self.kind: FlagKind = kind
        self.flags: tuple[str, ...] = tuple(flags)

    def test(self, rt: _runtime.Runtime, handler_id: str) -> bool:
        """Return whether the flags are as required."""
        if self.kind == "all":
            return flags.all_flags_set(*self.flags)
        if self.kind == "any":
            return flags.any_flags_set(*self.flags)
        if self.kind == "none":
            return not flags.any_flags_set(*self.flags)
        return not flags.all_flags_set(*self.flags)

    def explain(self, rt: _runtime.Runtime, handler_id: str) -> str:
        """Name the flags that are (not) set."""
        unset = flags.get_unset_flags(*self.flags)
        if self.kind == "all":
            return f"flags not set: {_names(unset)}"
        if self.kind == "any":
            return f"none of these flags is set: {_names(self.flags)}"
        if self.kind == "none":
            return f"flags set: {_names([f for f in self.flags if f not in unset])}"
        return f"all of these flags are set: {_names(self.flags)}"

    def invoked(self, rt: _runtime.Runtime, handler_id: str) -> None:
        """Do nothing."""

    def bind(self, relation_name: str) -> FlagCondition:
        """Replace ``{endpoint_name}`` / ``{relation_name}`` in the flags."""
        bound = tuple(
            f.replace(PLACEHOLDERS[0], relation_name).replace(PLACEHOLDERS[1], relation_name)
            for f in self.flags
        )
        return FlagCondition(self.kind, bound)

    @property
    def has_placeholder(self) -> bool:
        """Whether a flag names ``{endpoint_name}`` or ``{relation_name}``."""
        return any(p in f for f in self.flags for p in PLACEHOLDERS)


class HookCondition(_Value):
    """``@hook``: the running hook matches one of the patterns."""

    __slots__ = ("patterns",)
    phase: Final = "hooks"
    flags: Final[tuple[str, ...]] = ()

    def __init__(self, patterns: tuple[str, ...]) -> None:
        """Match the hook against ``patterns``."""
        self.patterns = tuple(patterns)

    def test(self, rt: _runtime.Runtime, handler_id: str) -> bool:
        """Return whether the hook's name matches a pattern."""
        return helpers.any_hook(*self.patterns)

    def explain(self, rt: _runtime.Runtime, handler_id: str) -> str:
        """Name the hook and the patterns."""
        return f"hook {rt.context.hook_name} matches none of: {_names(self.patterns)}"

    def invoked(self, rt: _runtime.Runtime, handler_id: str) -> None:
        """Do nothing."""

    def bind(self, relation_name: str) -> HookCondition:
        """Return self: hook patterns name their relations themselves."""
        return self


class RestrictedHook(_Value):
    """``@collect_metrics`` / ``@meter_status_changed``: the restricted hook of that name."""

    __slots__ = ("hook",)
    phase: Final = "restricted"
    flags: Final[tuple[str, ...]] = ()

    def __init__(self, hook: str) -> None:
        """Match the restricted hook named ``hook``."""
        self.hook = hook

    def test(self, rt: _runtime.Runtime, handler_id: str) -> bool:
        """Return whether the running hook is this one."""
        return rt.context.hook_name == self.hook

    def explain(self, rt: _runtime.Runtime, handler_id: str) -> str:
        """Name the hook."""
        return f"hook {rt.context.hook_name} is not {self.hook}"

    def invoked(self, rt: _runtime.Runtime, handler_id: str) -> None:
        """Do nothing."""

    def bind(self, relation_name: str) -> RestrictedHook:
        """Return self."""
        return self


class NotInvoked(_Value):
    """``@only_once``: the handler has never run (in any hook); marked when it runs."""

    __slots__ = ()
    phase: Final = None
    flags: Final[tuple[str, ...]] = ()

    def test(self, rt: _runtime.Runtime, handler_id: str) -> bool:
        """Return whether the handler has never been invoked."""
        return not helpers.was_invoked(handler_id)

    def explain(self, rt: _runtime.Runtime, handler_id: str) -> str:
        """Say that it already ran."""
        return "only_once: already invoked"

    def invoked(self, rt: _runtime.Runtime, handler_id: str) -> None:
        """Mark the handler invoked."""
        helpers.mark_invoked(handler_id)

    def bind(self, relation_name: str) -> NotInvoked:
        """Return self."""
        return self


class FilesChanged:
    """``@when_file_changed``: a file's contents differ from when the handler last ran.

    The comparison is with the hash recorded in the key-value store (1.x key
    ``reactive.files_changed.<path>``), or with what the handler saw when it last ran in this
    hook. Testing changes nothing, so several handlers watching one file all run, and tracing
    cannot consume a change (1.x bug #25); the hashes a handler saw are recorded
    at the end of the dispatch (:func:`record_seen_files`).
    """

    __slots__ = ("files", "hash_type")
    phase: Final = None
    flags: Final[tuple[str, ...]] = ()

    def __init__(self, files: tuple[str | Callable[[], str], ...], hash_type: str = "md5") -> None:
        """Watch ``files`` (paths, or callables returning one), hashed with ``hash_type``."""
        self.files = tuple(files)
        self.hash_type = hash_type

    def __repr__(self) -> str:
        return f"FilesChanged(files={self.files!r}, hash_type={self.hash_type!r})"

    def _paths(self) -> list[str]:
        return [f() if callable(f) else f for f in self.files]

    def _seen(self, rt: _runtime.Runtime, handler_id: str) -> dict[str, str | None]:
        seen: dict[str, dict[str, str | None]] = rt.scratch.setdefault(_SEEN, {})
        return seen.setdefault(handler_id, {})

    def _changed(self, rt: _runtime.Runtime, handler_id: str) -> list[str]:
        seen = self._seen(rt, handler_id)
        changed = []
        for path in self._paths():
            before = seen[path] if path in seen else helpers.stored_file_hash(path)
            if helpers.file_hash(path, self.hash_type) != before:
                changed.append(path)
        return changed

    def test(self, rt: _runtime.Runtime, handler_id: str) -> bool:
        """Return whether a watched file changed."""
        return bool(self._changed(rt, handler_id))

    def explain(self, rt: _runtime.Runtime, handler_id: str) -> str:
        """Name the files."""
        return f"files unchanged: {_names(self._paths())}"

    def invoked(self, rt: _runtime.Runtime, handler_id: str) -> None:
        """Remember the hashes the handler saw."""
        seen = self._seen(rt, handler_id)
        for path in self._paths():
            seen[path] = helpers.file_hash(path, self.hash_type)

    def bind(self, relation_name: str) -> FilesChanged:
        """Return self."""
        return self


def record_seen_files(rt: _runtime.Runtime) -> None:
    """Store the file hashes handlers saw in this hook (end of dispatch)."""
    seen: dict[str, dict[str, str | None]] = rt.scratch.get(_SEEN) or {}
    for hashes in seen.values():
        for path, digest in hashes.items():
            helpers.record_file_hash(path, digest)
