"""The unit's state lock: one writer at a time (a hook, or the command line outside hooks).

Juju never runs two hooks of a unit at once, but ``juju exec``, ``juju ssh`` and cron jobs can
run ``charms.reactive`` while a hook runs. Writers hold an exclusive ``flock`` on
``<state db>.lock``, whose content names the holder; readers take no lock (sqlite gives them
the last committed state).
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from charms.reactive.errors import HookLockError, UnitStateError

__all__ = ["lock_path", "state_lock"]


def lock_path(db_path: Path) -> Path:
    """Return the lock file of the state database at ``db_path``."""
    return Path(f"{db_path}.lock")


@contextmanager
def state_lock(db_path: Path, who: str, timeout: float, *, prefix: bool = True) -> Iterator[None]:
    """Hold the exclusive lock of the state database at ``db_path`` for the block.

    Args:
        db_path: The unit's state database.
        who: Who takes it (``hook install``, ``charms.reactive set_flag``); the lock file
            then says ``<who> (pid N)``.
        timeout: Seconds to wait for another holder to release it.
        prefix: Start the error message with ``<who>: ``.

    Raises:
        HookLockError: Another process held it for ``timeout`` seconds; names the holder.
        UnitStateError: The lock file cannot be opened or written (a full disk...); names it.
    """
    import fcntl

    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as err:
        raise UnitStateError(f"cannot open the lock file {path}: {err.strerror}") from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    current = _read(path) or "another process"
                    head = f"{who}: " if prefix else ""
                    raise HookLockError(
                        f"{head}the unit state {db_path} is locked by {current} "
                        f"(waited {timeout:g} s)"
                    ) from None
                time.sleep(0.05)
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):  # never chmod a device or a fifo
                os.fchmod(fd, 0o600)
            payload = f"{who} (pid {os.getpid()})".encode()
            os.pwrite(fd, payload, 0)
            os.ftruncate(fd, len(payload))
        except OSError as err:
            raise UnitStateError(f"cannot write the lock file {path}: {err.strerror}") from None
        try:
            yield
        finally:
            with contextlib.suppress(OSError):  # a stale name is harmless: the flock counts
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return ""
