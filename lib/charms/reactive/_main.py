"""``main()``: run one hook of a reactive charm, transactionally."""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from charms.reactive import bus, config_flags, flags, handlers, runtime, trace
from charms.reactive.errors import HookLockError, HookToolError, UnitStateError

__all__ = ["LOCK_TIMEOUT", "RESTRICTED_HOOKS", "main", "run_hook"]

#: Hooks that run restricted: no atstart/atexit, only their own handlers.
RESTRICTED_HOOKS: Final = ("collect-metrics", "meter-status-changed")
#: Seconds to wait for another hook of the unit to release the state lock.
LOCK_TIMEOUT: Final = 30.0
#: Set in ``pre-series-upgrade``, cleared in ``post-series-upgrade`` (as 1.x does).
SERIES_UPGRADE_FLAG: Final = "upgrade.series.in-progress"


def main(relation_name: str | None = None) -> None:
    """Run the hook: discover handlers, dispatch, and commit the unit's state.

    Uses the active runtime (the emulator activates one), else builds one from the
    environment. See :func:`run_hook` for the steps.

    Args:
        relation_name: Ignored; kept for compatibility with 1.x.

    Raises:
        BaseException: Whatever failed the hook, after the state was rolled back.
    """
    rt = runtime.active()
    if rt is not None:
        run_hook(rt)
        return
    with runtime.activate(runtime.Runtime.from_environ()) as rt:
        run_hook(rt)


def run_hook(rt: runtime.Runtime, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
    """Run one hook on ``rt``, holding the unit's state lock.

    Steps: discover the handlers; unless restricted, manage the automatic flags (the
    series-upgrade flag, and the ``config.*`` flags of :mod:`config_flags`), run
    charmhelpers' ``atstart`` callbacks (when charm code imported ``hookenv``) and
    ``relations.begin_hook``; dispatch; unless restricted, clear ``config.changed*``, run
    the ``atexit`` callbacks, ``relations.end_hook`` and forget the triggers; commit.
    ``SystemExit(0)`` from a handler ends the dispatch successfully. On any other exception
    the state is rolled back (flags, conversations, buffered relation writes) and the
    exception propagates.

    At the end (also on failure) at most two lines go to the juju log: an INFO (or ERROR)
    summary naming the handlers invoked (left out when no handler ran and nothing failed),
    and the trace at DEBUG (left out too when no handler ran and no flag changed). The trace
    is always saved for ``charms.reactive trace``.

    Raises:
        HookContextError: ``JUJU_UNIT_NAME`` is not set (not a Juju hook); nothing was run.
        HookLockError: Another hook of the unit held the lock for ``lock_timeout`` seconds.
        UnitStateError: The unit's state database is corrupt or stayed locked (by a process
            not using this lock) for sqlite's busy timeout; names the file.
    """
    # Without the unit name, relation code cannot tell its own bag from a remote one.
    rt.context.require_unit()
    hook = rt.context.hook_name
    restricted = hook in RESTRICTED_HOOKS
    tracer = trace.HookTrace(hook, rt.context.unit_name)
    trace.install(rt, tracer)
    with _state_lock(rt, lock_timeout):
        try:
            _run(rt, restricted)
            _send(rt)
            tracer.finish("ok", None, _flags_now(rt))
            _report(rt, tracer, restricted)
            # The store is committed last, after the report's juju-log calls: a hook killed
            # during any tool call (Juju then discards its relation writes and retries it)
            # must leave the store as it was before the hook.
            if rt.kv_opened:
                rt.kv.flush()
        except BaseException as exc:
            rt.rollback()
            detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            tracer.finish("error", f"{type(exc).__name__}: {exc}", None)
            _report(rt, tracer, restricted, error=detail)
            if type(exc).__module__ == "sqlite3":  # "database is locked" names no file
                raise UnitStateError(f"the unit state {rt.db_path}: {exc}") from exc
            raise


def _run(rt: runtime.Runtime, restricted: bool) -> None:
    relations = None
    config = None
    try:
        bus.discover(rt)
        if not restricted:
            _manage_automatic_flags(rt)
            config = config_flags.begin(rt, handlers.default_registry().handlers(rt))
            _charmhelpers_callbacks("_run_atstart")
            relations = _relations_module()
            if relations is not None:
                relations.begin_hook(rt)
        bus.dispatch(restricted, rt=rt)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    if not restricted:
        config_flags.end(config)
        _charmhelpers_callbacks("_run_atexit")
        relations = relations or _relations_module()
        if relations is not None:
            relations.end_hook(rt)
        flags.clear_triggers(rt)


def _send(rt: runtime.Runtime) -> None:
    """Run ``Runtime.commit()`` but for the store: ``on_commit`` callbacks, relation writes."""
    for callback in rt.on_commit:
        callback()
    rt.tools.flush()


def _relations_module() -> Any:
    try:
        from charms.reactive import relations
    except ModuleNotFoundError as err:  # the relations module may not be shipped yet
        if err.name == "charms.reactive.relations":
            return None
        raise
    return relations


def _charmhelpers_callbacks(name: str) -> None:
    # Only when charm code imported hookenv: importing it ourselves costs ~30 ms, and it
    # cannot hold callbacks if nobody imported it.
    hookenv = sys.modules.get("charmhelpers.core.hookenv")
    if hookenv is not None:
        getattr(hookenv, name)()


def _manage_automatic_flags(rt: runtime.Runtime) -> None:
    hook = rt.context.hook_name
    if hook == "pre-series-upgrade":
        flags.set_flag(SERIES_UPGRADE_FLAG)
    elif hook == "post-series-upgrade":
        flags.clear_flag(SERIES_UPGRADE_FLAG)


def _flags_now(rt: runtime.Runtime) -> list[str] | None:
    return flags.get_flags() if rt.kv_opened else None


def _report(
    rt: runtime.Runtime, tracer: trace.HookTrace, restricted: bool, error: str | None = None
) -> None:
    lines = [f"Reactive main running for hook {tracer.hook}"]
    if restricted:
        lines[0] += ". Restricted mode."
    lines += [f"Invoking reactive handler: {h}" for h in tracer.invoked]
    if error is not None:
        failed = f" in handler {tracer.failed_handler}" if tracer.failed_handler else ""
        lines.append(f"Hook error{failed}:\n{error.rstrip()}")
    try:
        trace.save_trace(rt, tracer)
    except OSError as err:
        print(f"charms.reactive: cannot save the trace: {err}", file=sys.stderr)
    try:
        # Every juju-log is a round trip to the agent, and its lines go on to the controller.
        # A hook in which nothing happened (no handler ran, no flag changed: most update-status
        # hooks of a settled unit) logs nothing; its trace is saved for `charms.reactive trace`.
        # A hook in which only flags changed logs the trace alone.
        if tracer.invoked or error is not None or restricted:
            rt.tools.juju_log("\n".join(lines), "ERROR" if error is not None else "INFO")
        if tracer.eventful or restricted:
            rt.tools.juju_log(tracer.render(), "DEBUG")
    except HookToolError as err:  # the hook's outcome must not depend on logging
        print(f"charms.reactive: {err}", file=sys.stderr)


@contextmanager
def _state_lock(rt: runtime.Runtime, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on ``<state db>.lock`` (Juju never runs two hooks of a unit)."""
    import fcntl

    path = Path(f"{rt.db_path}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = path.read_text().strip() or "another process"
                    raise HookLockError(
                        f"hook {rt.context.hook_name}: the unit state {rt.db_path} is locked "
                        f"by {holder} (waited {timeout:g} s)"
                    ) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"hook {rt.context.hook_name} (pid {os.getpid()})".encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
