"""The state of one running hook: context, hook tools, key-value store; commit and rollback.

``main()`` builds a :class:`Runtime`, activates it, dispatches, then commits it; the Juju
emulator does the same in-process with its own hook tools. Code that runs outside ``main()``
(actions, the ``charms.reactive`` command line) gets one built from the environment by
:func:`current`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from charms.reactive._hookcache import CachedHookTools
from charms.reactive._metadata import Metadata
from charms.reactive.errors import UnitStateError
from charms.reactive.juju import HookContext, HookTools, SubprocessHookTools

__all__ = ["ChildRunner", "KeyValueStore", "Runtime", "activate", "active", "current"]


class KeyValueStore(Protocol):
    """What the framework uses of the unit's store (see :mod:`charms.reactive._store`)."""

    def get(self, key: str, default: Any = None) -> Any:
        """Return the JSON-decoded value of ``key``, or ``default``."""
        ...

    def set(self, key: str, value: Any) -> Any:
        """Store ``value`` (JSON-encoded) under ``key``."""
        ...

    def unset(self, key: str) -> None:
        """Delete ``key``."""
        ...

    def getrange(self, key_prefix: str, strip: bool = False) -> dict[str, Any]:
        """Return every key starting with ``key_prefix`` (SQL ``LIKE``: ``_`` is a wildcard)."""
        ...

    def update(self, mapping: Mapping[str, Any], prefix: str = "") -> None:
        """Set every ``prefix + key`` of ``mapping``."""
        ...

    def unsetrange(self, keys: list[str] | None = None, prefix: str = "") -> None:
        """Delete ``prefix + key`` for each key, or every key under ``prefix``."""
        ...

    @property
    def changed(self) -> bool:
        """Whether the hook's transaction holds changes."""
        ...

    def savepoint(self) -> AbstractContextManager[None]:
        """Undo the block's changes if it raises, keeping the rest of the transaction."""
        ...

    def commit(self) -> None:
        """Commit the hook's transaction."""
        ...

    def rollback(self) -> None:
        """Discard the hook's transaction."""
        ...

    def flush(self, save: bool = True) -> None:
        """Commit (``save``) or roll back."""
        ...

    def close(self) -> None:
        """Roll back and close."""
        ...

    def release(self) -> None:
        """Give ``unitdata.kv().flush()`` back to charm code (after the hook)."""
        ...


class ChildRunner(Protocol):
    """Runs a child process of the hook that may use the ``charms.reactive`` command line."""

    def run(self, argv: list[str], env: dict[str, str], *, capture: bool) -> tuple[int, str]:
        """Run ``argv`` to its end; return its exit code and (with ``capture``) its stdout."""
        ...


class Runtime:
    """Everything one hook needs. Changes are committed only by :meth:`commit`."""

    def __init__(self, context: HookContext, tools: HookTools) -> None:
        """Create the runtime of one hook.

        Args:
            context: The hook's context.
            tools: The hook tools to use; wrapped in a per-hook :class:`CachedHookTools`.
        """
        self.context = context
        self.tools = CachedHookTools(tools, context.unit_name)
        #: Per-hook scratch space for framework modules, keyed by module name.
        self.scratch: dict[str, Any] = {}
        self._kv: KeyValueStore | None = None
        self._metadata: Metadata | None = None
        #: The process that owns the hook: only it may commit (a forked child must not).
        self.owner_pid = os.getpid()
        #: How executable handlers are run (``main()`` serves them the command line).
        self.children: ChildRunner | None = None
        #: Open the store read-only (the command line outside hooks, for reads).
        self.read_only = False

    @classmethod
    def from_environ(cls) -> Runtime:
        """Build a runtime from ``os.environ`` with the real hook tools."""
        return cls(HookContext.from_environ(), SubprocessHookTools())

    @property
    def kv(self) -> KeyValueStore:
        """The unit's key-value store (charmhelpers' ``unitdata.kv()``, shared with charm code).

        Opened on first use at ``UNIT_STATE_DB`` (else ``$CHARM_DIR/.unit-state.db``); see
        :mod:`charms.reactive._store` for what opening checks.

        Raises:
            UnitStateError: The file is not a database, cannot be opened, was lost after a
                hook committed to it, or was written by a newer version of this layer.
        """
        if self._kv is None:
            from charms.reactive import _store

            path = self.db_path
            self._kv = _store.ReadOnlyStore(path) if self.read_only else _store.open_store(path)
        return self._kv

    @property
    def db_path(self) -> Path:
        """Where the unit's key-value store lives (``UNIT_STATE_DB``)."""
        return self.context.state_db_path or (self.context.charm_dir / ".unit-state.db")

    @property
    def kv_opened(self) -> bool:
        """Whether :attr:`kv` has been opened in this hook."""
        return self._kv is not None

    @property
    def metadata(self) -> Metadata:
        """The charm's metadata.yaml, read once per hook.

        Raises:
            MetadataError: The file is missing or malformed.
        """
        if self._metadata is None:
            self._metadata = Metadata.load(self.context.charm_dir)
        return self._metadata

    def _check_owner(self, what: str) -> None:
        if os.getpid() != self.owner_pid:
            raise UnitStateError(
                f"a child process (pid {os.getpid()}) of the hook (pid {self.owner_pid}) "
                f"tried to {what} its state: only the hook's own process may"
            )

    def commit(self, before_store: Callable[[], None] | None = None) -> None:
        """Make the hook's changes permanent: the one commit path.

        Sends the buffered relation writes, calls ``before_store`` (``main()`` records what
        it sent and sends its closing log lines there), then commits the key-value store,
        last: a hook killed at any earlier point (Juju then discards its relation writes and
        retries it) leaves the store as it was before the hook. Any failure propagates; the
        hook must then fail, so Juju discards the relation writes already sent.

        Args:
            before_store: Called after the relation writes, before the store is committed.

        Raises:
            UnitStateError: Called in a process other than the hook's own (a fork).
        """
        self._check_owner("commit")
        self.tools.flush()
        if before_store is not None:
            before_store()
        if self._kv is not None:
            self._kv.commit()

    def rollback(self) -> None:
        """Discard the hook's changes: buffered relation writes and the kv transaction."""
        self._check_owner("roll back")
        self.tools.discard()
        if self._kv is not None:
            self._kv.rollback()


_active: Runtime | None = None


def active() -> Runtime | None:
    """Return the runtime activated by :func:`activate` or built by :func:`current`, if any."""
    return _active


def current() -> Runtime:
    """Return the active runtime, building one from the environment if none is active."""
    global _active  # the process-wide default; see activate()
    if _active is None:
        _active = Runtime.from_environ()
    return _active


@contextmanager
def activate(runtime: Runtime) -> Iterator[Runtime]:
    """Make ``runtime`` the active one for the duration of the block."""
    global _active
    previous, _active = _active, runtime
    try:
        yield runtime
    finally:
        _active = previous
