"""``main()``: run one hook of a reactive charm, transactionally."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final, NoReturn

from charms.reactive import _handlers, _runtime, flags, trace
from charms.reactive._config_flags import ConfigFlags
from charms.reactive._endpoint_flags import EndpointLifecycle
from charms.reactive._hookserver import HookServer
from charms.reactive._lifecycle import (
    CharmhelpersCallbacks,
    HookLifecycle,
    SeriesUpgradeFlag,
    TriggerReset,
)
from charms.reactive._lock import state_lock
from charms.reactive._notified import NotifiedRelations
from charms.reactive.errors import (
    HookContextError,
    HookLockError,
    HookToolError,
    UnitStateError,
)
from charms.reactive.juju import HookContext, HookTools
from charms.reactive.relations import ConversationLifecycle

__all__ = ["LOCK_TIMEOUT", "RESTRICTED_HOOKS", "hook_lifecycle", "main", "run_hook"]

#: Hooks that run restricted: no atstart/atexit, only their own handlers.
RESTRICTED_HOOKS: Final = ("collect-metrics", "meter-status-changed")
#: Seconds to wait for another hook of the unit to release the state lock.
LOCK_TIMEOUT: Final = 30.0


def main(
    relation_name: str | None = None,
    *,
    context: HookContext | None = None,
    tools: HookTools | None = None,
) -> None:
    """Run the hook: discover handlers, dispatch, and commit the unit's state.

    Uses the active runtime (the emulator activates one), else builds one from the
    environment: then the process (a hook run by Juju) exits as soon as the hook succeeded
    (:func:`_leave`). See :func:`run_hook` for the steps.

    Args:
        relation_name: Ignored; kept for compatibility with 1.x.
        context: With ``tools``: the hook's context (default: read from the environment).
        tools: Run the hook on these hook tools, with a handler registry of its own (handlers
            registered earlier in the process are not dispatched). For hosts that run hooks
            in their own process, such as the Juju emulator; Juju's hooks leave it out.

    Raises:
        BaseException: Whatever failed the hook, after the state was rolled back.
    """
    if tools is not None:
        rt = _runtime.Runtime(context or HookContext.from_environ(), tools)
        registry = _handlers.Registry()
        with _one_line_errors(), _handlers.use_registry(registry), _runtime.activate(rt):
            run_hook(rt)
        return
    active = _runtime.active()
    if active is not None:
        run_hook(active)
        return
    with _one_line_errors(), _runtime.activate(_runtime.Runtime.from_environ()) as rt:
        run_hook(rt)
    _leave()


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """A hook process that fails because of the unit's state says so in one line, exit 1.

    The state database, its lock or the hook environment at fault (``UnitStateError``,
    ``HookLockError``, ``HookContextError``): the message names the file or variable, and a
    traceback from inside the framework would only hide it. Handlers' errors keep theirs.
    """
    try:
        yield
    except (UnitStateError, HookLockError, HookContextError) as err:
        print(f"{type(err).__name__}: {err}", file=sys.stderr)
        raise SystemExit(1) from None


def _leave() -> NoReturn:
    """Leave the hook's process as soon as its state is committed.

    Juju discards a hook's relation writes unless the process exits 0; the longer it runs
    after the commit (interpreter teardown takes hundreds of milliseconds), the likelier a
    kill there leaves the store ahead of Juju. Charm code's ``atexit`` handlers still run.
    """
    import atexit

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def run_hook(rt: _runtime.Runtime, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
    """Run one hook on ``rt``, holding the unit's state lock.

    The hook's life is one :class:`~charms.reactive._lifecycle.HookLifecycle`: discover the
    handlers; unless restricted, the participants' ``begin`` (the series-upgrade flag,
    layer-basic's ``config.*`` flags, charmhelpers' ``atstart`` callbacks when charm code
    imported ``hookenv``, the RelationBase conversations); dispatch; the participants' ``end``
    (clear ``config.changed*``, ``atexit`` callbacks, departures and ``-broken``, forget the
    triggers); commit. ``SystemExit(0)`` from a handler ends the dispatch successfully. On any
    other exception the state is rolled back (flags, conversations, buffered relation writes)
    and the exception propagates.

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
    restricted = rt.context.hook_name in RESTRICTED_HOOKS
    tracer = trace.HookTrace(rt.context.hook_name, rt.context.unit_name)
    trace.install(rt, tracer)
    lifecycle = hook_lifecycle(rt)
    rt.children = HookServer(rt)

    def report(error: BaseException | None) -> None:
        for text in lifecycle.notes:
            tracer.note(text, eventful=True)
        for text in _routine_notes(rt):
            tracer.note(text)
        if error is None:
            tracer.finish("ok", None, _flags_now(rt))
            _report(rt, tracer, restricted)
            return
        detail = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        tracer.finish("error", _withheld(error), None)
        _report(rt, tracer, restricted, error=detail)

    with state_lock(rt.db_path, f"hook {rt.context.hook_name}", lock_timeout):
        try:
            lifecycle.run(restricted, report)
        except BaseException as exc:
            if type(exc).__module__ == "sqlite3":  # "database is locked" names no file
                raise UnitStateError(f"the unit state {rt.db_path}: {exc}") from exc
            raise
        finally:
            rt.children = None
            if rt.kv_opened:
                rt.kv.release()


def _routine_notes(rt: _runtime.Runtime) -> list[str]:
    flushes = getattr(rt.kv, "deferred_flushes", 0) if rt.kv_opened else 0
    if not flushes:
        return []
    return [f"charm code called unitdata.kv().flush() {flushes} time(s): deferred to the commit"]


def _withheld(error: BaseException) -> str:
    """The error for the saved trace: its type, not its text (which may hold relation data)."""
    import hashlib

    digest = hashlib.sha256(str(error).encode()).hexdigest()[:12]
    return f"{type(error).__name__} (message in the juju log; sha256 {digest})"


def hook_lifecycle(rt: _runtime.Runtime) -> HookLifecycle:
    """Return the lifecycle of one hook of ``rt`` with every participant, in order."""
    lifecycle = HookLifecycle(rt)
    lifecycle.register(NotifiedRelations())  # first: every later read goes through it
    lifecycle.register(SeriesUpgradeFlag())
    lifecycle.register(ConfigFlags())
    lifecycle.register(CharmhelpersCallbacks())
    lifecycle.register(ConversationLifecycle())
    lifecycle.register(EndpointLifecycle())
    lifecycle.register(TriggerReset())
    return lifecycle


def _flags_now(rt: _runtime.Runtime) -> list[str] | None:
    return flags.get_flags() if rt.kv_opened else None


def _report(
    rt: _runtime.Runtime, tracer: trace.HookTrace, restricted: bool, error: str | None = None
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
