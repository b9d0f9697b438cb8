"""The state of one running hook: context, hook tools, key-value store, commit callbacks.

``main()`` builds a :class:`Runtime`, activates it, dispatches, then commits it; the Juju
emulator does the same in-process with its own hook tools. Code that runs outside ``main()``
(actions, the ``charms.reactive`` command line) gets one built from the environment by
:func:`current`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from charms.reactive.hookcache import CachedHookTools
from charms.reactive.juju import HookContext, HookTools, SubprocessHookTools
from charms.reactive.metadata import Metadata

__all__ = ["KeyValueStore", "Runtime", "activate", "current"]


class KeyValueStore(Protocol):
    """The part of ``charmhelpers.core.unitdata.Storage`` charms.reactive uses."""

    def get(self, key: str, default: Any = None, record: bool = False) -> Any:
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

    def update(self, mapping: dict[str, Any], prefix: str = "") -> None:
        """Set every ``prefix + key`` of ``mapping``."""
        ...

    def unsetrange(self, keys: list[str] | None = None, prefix: str = "") -> None:
        """Delete ``prefix + key`` for each key, or every key under ``prefix``."""
        ...

    def flush(self, save: bool = True) -> None:
        """Commit (``save``) or roll back the open transaction."""
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
        self.on_commit: list[Callable[[], None]] = []
        #: Per-hook scratch space for framework modules, keyed by module name.
        self.scratch: dict[str, Any] = {}
        self._kv: KeyValueStore | None = None
        self._metadata: Metadata | None = None

    @classmethod
    def from_environ(cls) -> Runtime:
        """Build a runtime from ``os.environ`` with the real hook tools."""
        return cls(HookContext.from_environ(), SubprocessHookTools())

    @property
    def kv(self) -> KeyValueStore:
        """The unit's key-value store: charmhelpers' ``unitdata.kv()``, shared with charm code.

        Opened on first use at ``UNIT_STATE_DB`` (else ``$CHARM_DIR/.unit-state.db``).
        """
        if self._kv is None:
            from charmhelpers.core import unitdata  # lazily: keeps start-up cheap

            path = self.context.state_db_path or (self.context.charm_dir / ".unit-state.db")
            existing = unitdata._KV  # charmhelpers' singleton
            if existing is None or Path(existing.db_path) != path:
                existing = unitdata.Storage(str(path))
                unitdata._KV = existing  # share one store with charm code
            self._kv = existing
        return self._kv

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

    def commit(self) -> None:
        """Make the hook's changes permanent.

        Runs the ``on_commit`` callbacks, sends buffered relation writes, then commits the
        key-value store. Any failure propagates; the hook must then fail, so Juju discards the
        relation writes already sent.
        """
        for callback in self.on_commit:
            callback()
        self.tools.flush()
        if self._kv is not None:
            self._kv.flush()

    def rollback(self) -> None:
        """Discard the hook's changes: buffered relation writes and the kv transaction."""
        self.tools.discard()
        if self._kv is not None:
            self._kv.flush(False)


_active: Runtime | None = None


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
