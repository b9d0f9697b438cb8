"""The unit's key-value store, as the framework uses it: one transaction per hook.

The store is charmhelpers' ``unitdata.Storage`` (``unitdata.kv()``), shared with charm code,
in the file charms.reactive 1.x used (``UNIT_STATE_DB``, else ``$CHARM_DIR/.unit-state.db``).
:class:`Store` wraps it for the framework:

* **One transaction per hook.** Only :meth:`Store.commit` and :meth:`Store.rollback` end it.
  While a hook runs, ``unitdata.kv().flush()`` from charm code (common in layers) does not
  commit early: it is deferred to the hook's commit and noted in the trace.
* **Loud, named errors.** A value that is not JSON names its key; a database emptied or
  deleted after a hook committed to it (``<db>.committed`` says one did) refuses to start from
  nothing; a database written by a newer version of this layer (``PRAGMA user_version``)
  refuses to run.
* **Private.** The database is made ``0600`` whatever the umask (older charmhelpers did not).

:class:`ReadOnlyStore` reads the last committed state without taking any lock or writing
anything, for the command line outside hooks.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from charms.reactive.errors import UnitStateError

__all__ = ["SCHEMA_VERSION", "ReadOnlyStore", "Store", "committed_marker", "open_store"]

#: ``PRAGMA user_version`` of databases this layer writes (charms.reactive 1.x left 0).
SCHEMA_VERSION: Final = 1


def committed_marker(path: Path) -> Path:
    """Return the file that says a hook committed to the database at ``path`` before."""
    return path.with_name(path.name + ".committed")


def _check_not_lost(path: Path) -> None:
    marker = committed_marker(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = -1
    if size > 0 or not marker.exists():
        return
    what = "is missing" if size < 0 else "is empty (0 bytes)"
    raise UnitStateError(
        f"the unit state {path} {what}, but hooks committed to it before ({marker} says so): "
        "its flags and data are lost. Restore it from a backup, or remove the marker file to "
        "start this unit afresh (its install handlers will run again)."
    )


def _check_schema(conn: sqlite3.Connection, path: Path) -> int:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise UnitStateError(
            f"the unit state {path} was written by a newer version of the reactive base layer "
            f"(schema {version}; this one knows {SCHEMA_VERSION}): upgrade the charm again "
            "with the newer layer"
        )
    return version


def _decode(path: Path, key: str, data: str) -> Any:
    try:
        return json.loads(data)
    except ValueError as err:
        raise UnitStateError(
            f"the unit state {path}: the value of {key!r} is not JSON ({err}): {data[:80]!r}"
        ) from None


class Store:
    """The framework's view of charmhelpers' store; see the module docstring."""

    def __init__(self, storage: Any, path: Path) -> None:
        """Wrap ``storage`` (a charmhelpers ``Storage`` on ``path``); see :func:`open_store`."""
        self.storage = storage
        self.path = path
        self._conn: sqlite3.Connection = storage.conn
        self._version = _check_schema(self._conn, path)
        #: How often charm code asked for a flush during the hook (deferred to the commit).
        self.deferred_flushes = 0
        self._guard()

    # -- charm code's flush ----------------------------------------------------------------
    def _guard(self) -> None:
        def flush(save: bool = True) -> None:
            # The hook owns the transaction: charm code's commit (or rollback) waits for it.
            self.deferred_flushes += 1

        self.storage.flush = flush

    def release(self) -> None:
        """Give ``unitdata.kv().flush()`` back to charm code (after the hook)."""
        with contextlib.suppress(AttributeError):
            del self.storage.flush

    # -- reads -----------------------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        """Return the decoded value of ``key``, or ``default``.

        Raises:
            UnitStateError: The stored value is not JSON (names the key).
        """
        row = self._conn.execute("select data from kv where key=?", [key]).fetchone()
        return default if row is None else _decode(self.path, key, row[0])

    def getrange(self, key_prefix: str, strip: bool = False) -> dict[str, Any]:
        """Return every key starting with ``key_prefix`` and its value (SQL ``LIKE``).

        Raises:
            UnitStateError: A stored value is not JSON (names the key).
        """
        rows = self._conn.execute(
            "select key, data from kv where key like ?", [f"{key_prefix}%"]
        ).fetchall()
        cut = len(key_prefix) if strip else 0
        return {key[cut:]: _decode(self.path, key, data) for key, data in rows}

    # -- writes (through charmhelpers: its revision records stay right) ---------------------
    def set(self, key: str, value: Any) -> Any:
        """Store ``value`` (JSON-encoded) under ``key``."""
        return self.storage.set(key, value)

    def unset(self, key: str) -> None:
        """Delete ``key``."""
        self.storage.unset(key)

    def update(self, mapping: Mapping[str, Any], prefix: str = "") -> None:
        """Set every ``prefix + key`` of ``mapping``."""
        self.storage.update(dict(mapping), prefix=prefix)

    def unsetrange(self, keys: list[str] | None = None, prefix: str = "") -> None:
        """Delete ``prefix + key`` for each key, or every key under ``prefix``."""
        self.storage.unsetrange(keys, prefix=prefix)

    # -- the transaction ---------------------------------------------------------------------
    @property
    def changed(self) -> bool:
        """Whether the open transaction holds changes."""
        return self._conn.in_transaction

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo the block's changes if it raises, keeping the rest of the hook's transaction."""
        if not self._conn.in_transaction:
            self._conn.execute("BEGIN")  # else RELEASE would commit the whole transaction
        self._conn.execute("SAVEPOINT block")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK TO block")
            self._conn.execute("RELEASE block")
            raise
        self._conn.execute("RELEASE block")

    @property
    def closed(self) -> bool:
        """Whether the database was closed (by :meth:`close`, or charm code)."""
        return bool(getattr(self.storage, "_closed", False))

    def commit(self) -> None:
        """Commit the hook's transaction (nothing is written when nothing changed)."""
        if self.closed or not self._conn.in_transaction:
            return
        if self._version < SCHEMA_VERSION:
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._version = SCHEMA_VERSION
        self._conn.commit()
        marker = committed_marker(self.path)
        if not marker.exists():
            with contextlib.suppress(OSError):  # only a guard: never fail a committed hook
                marker.touch(mode=0o600)

    def rollback(self) -> None:
        """Discard the hook's transaction."""
        if not self.closed:
            self._conn.rollback()

    def flush(self, save: bool = True) -> None:
        """Commit (``save``) or roll back: :meth:`commit` / :meth:`rollback`."""
        if save:
            self.commit()
        else:
            self.rollback()

    def close(self) -> None:
        """Roll back and close the database (and charmhelpers' singleton, if it is this one)."""
        self.release()
        self.storage.close()
        from charmhelpers.core import unitdata

        if unitdata._KV is self.storage:
            unitdata._KV = None


def open_store(path: Path) -> Store:
    """Open the unit's store at ``path``, shared with charm code as ``unitdata.kv()``.

    Raises:
        UnitStateError: The file is not a database, cannot be opened, is empty or missing
            after a hook committed to it, or was written by a newer version of this layer.
    """
    from charmhelpers.core import unitdata  # lazily: keeps start-up cheap

    _check_not_lost(path)
    storage = unitdata._KV  # charmhelpers' singleton
    if storage is None or Path(storage.db_path) != path:
        try:
            storage = unitdata.Storage(str(path))
        except sqlite3.Error as err:  # e.g. "file is not a database": name the file
            raise UnitStateError(f"cannot open the unit state {path}: {err}") from err
        unitdata._KV = storage  # share one store with charm code
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
    try:
        return Store(storage, path)
    except sqlite3.Error as err:
        raise UnitStateError(f"cannot read the unit state {path}: {err}") from err


class ReadOnlyStore:
    """The last committed state of the store, read without a lock and without writing.

    A hook running meanwhile does not block it (sqlite readers see the last commit).
    """

    def __init__(self, path: Path) -> None:
        """Open ``path`` read-only; a missing database reads as empty.

        Raises:
            UnitStateError: As :func:`open_store`, for a database that is lost or too new.
        """
        _check_not_lost(path)
        self.path = path
        self._conn: sqlite3.Connection | None = None
        if path.exists():
            try:
                self._conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
                _check_schema(self._conn, path)
            except sqlite3.Error as err:
                raise UnitStateError(f"cannot read the unit state {path}: {err}") from err

    def _rows(self, query: str, args: list[str]) -> list[tuple[str, str]]:
        if self._conn is None:
            return []
        try:
            return [(str(k), str(v)) for k, v in self._conn.execute(query, args)]
        except sqlite3.OperationalError as err:
            if "no such table" in str(err):
                return []
            raise UnitStateError(f"cannot read the unit state {self.path}: {err}") from err

    def get(self, key: str, default: Any = None) -> Any:
        """Return the committed value of ``key``, or ``default``."""
        rows = self._rows("select key, data from kv where key=?", [key])
        return default if not rows else _decode(self.path, key, rows[0][1])

    def getrange(self, key_prefix: str, strip: bool = False) -> dict[str, Any]:
        """Return every committed key starting with ``key_prefix``, and its value."""
        rows = self._rows("select key, data from kv where key like ?", [f"{key_prefix}%"])
        cut = len(key_prefix) if strip else 0
        return {key[cut:]: _decode(self.path, key, data) for key, data in rows}

    def _read_only(self, *args: Any, **kwargs: Any) -> None:
        raise UnitStateError(f"the unit state {self.path} is open read-only here")

    set = unset = update = unsetrange = _read_only

    @property
    def changed(self) -> bool:
        """Never: nothing is written."""
        return False

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """Nothing to undo: nothing is written."""
        yield

    def commit(self) -> None:
        """Nothing to commit."""

    def rollback(self) -> None:
        """Nothing to roll back."""

    def flush(self, save: bool = True) -> None:
        """Nothing to flush."""

    def release(self) -> None:
        """Nothing to give back."""

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
