"""The state of one running hook: context, hook tools, key-value store; commit and rollback.

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

from charms.reactive._hookcache import CachedHookTools
from charms.reactive._metadata import Metadata
from charms.reactive.errors import UnitStateError
from charms.reactive.juju import HookContext, HookTools, SubprocessHookTools

__all__ = ["KeyValueStore", "Runtime", "activate", "active", "current"]


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
        #: Per-hook scratch space for framework modules, keyed by module name.
        self.scratch: dict[str, Any] = {}
        self._kv: KeyValueStore | None = None
        self._metadata: Metadata | None = None
        #: The store's committed rows from before the first :meth:`checkpoint`, if any.
        self._snapshot: list[tuple[str, str]] | None = None

    @classmethod
    def from_environ(cls) -> Runtime:
        """Build a runtime from ``os.environ`` with the real hook tools."""
        return cls(HookContext.from_environ(), SubprocessHookTools())

    @property
    def kv(self) -> KeyValueStore:
        """The unit's key-value store: charmhelpers' ``unitdata.kv()``, shared with charm code.

        Opened on first use at ``UNIT_STATE_DB`` (else ``$CHARM_DIR/.unit-state.db``).

        Raises:
            UnitStateError: The file is not a database or cannot be opened.
        """
        if self._kv is None:
            from charmhelpers.core import unitdata  # lazily: keeps start-up cheap

            path = self.db_path
            existing = unitdata._KV  # charmhelpers' singleton
            if existing is None or Path(existing.db_path) != path:
                import sqlite3

                try:
                    existing = unitdata.Storage(str(path))
                except sqlite3.Error as err:  # e.g. "file is not a database": name the file
                    raise UnitStateError(f"cannot open the unit state {path}: {err}") from err
                unitdata._KV = existing  # share one store with charm code
            self._kv = existing
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

    def commit(self, before_store: Callable[[], None] | None = None) -> None:
        """Make the hook's changes permanent: the one commit path.

        Sends the buffered relation writes, calls ``before_store`` (``main()`` sends its
        closing log lines there), then commits the key-value store, last: a hook killed at any
        earlier point (Juju then discards its relation writes and retries it) leaves the store
        as it was before the hook. Any failure propagates; the hook must then fail, so Juju
        discards the relation writes already sent.

        Args:
            before_store: Called after the relation writes, before the store is committed.
        """
        self.tools.flush()
        if before_store is not None:
            before_store()
        if self._kv is not None:
            self._kv.flush()

    def checkpoint(self) -> None:
        """Commit the store now so a child process (an executable handler) sees it.

        The first checkpoint of a hook first reads the store's committed rows, i.e. the state
        from before the hook, so that :meth:`rollback` can still restore it. Buffered relation
        writes are sent too, keeping their order with the child's own ``relation-set`` calls
        (Juju discards them all if the hook fails).
        """
        self.tools.flush()
        if self._kv is None:
            return
        if self._snapshot is None:
            self._snapshot = _committed_rows(self.db_path)
        self._kv.flush()

    def rollback(self) -> None:
        """Discard the hook's changes: buffered relation writes and the kv transaction.

        After a :meth:`checkpoint`, the store is restored to its state from before the hook.
        """
        self.tools.discard()
        if self._kv is None:
            return
        self._kv.flush(False)
        if self._snapshot is not None:
            import json

            self._kv.unsetrange(prefix="")
            for key, data in self._snapshot:
                self._kv.set(key, json.loads(data))
            self._kv.flush()
            self._snapshot = None


def _committed_rows(path: Path) -> list[tuple[str, str]]:
    """Read the committed ``kv`` rows through a second connection (the hook's stays open)."""
    import sqlite3

    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return [(str(k), str(v)) for k, v in conn.execute("select key, data from kv")]
    except sqlite3.OperationalError:  # no kv table yet: nothing was ever committed
        return []
    finally:
        conn.close()


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
