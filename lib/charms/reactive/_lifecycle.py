"""The life of one hook, as one explicit sequence.

    discover handlers -> participants' begin -> dispatch -> participants' end
    -> commit (relation writes, closing report, store) | roll back (and report)

Framework parts that take part in every hook around the dispatch (the RelationBase
conversations, layer-basic's config flags, charmhelpers' ``atstart``/``atexit`` callbacks, the
series-upgrade flag, the per-hook triggers) are *participants*: objects with ``begin`` and
``end`` that ``main()`` registers on a :class:`HookLifecycle`. Participants change state only
through the runtime (flags, the key-value store, buffered relation writes); none of them
commits. :meth:`Runtime.commit <charms.reactive._runtime.Runtime.commit>` is the one commit
path, and :meth:`HookLifecycle.run` the one place that calls it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Final, Protocol

from charms.reactive import _outbox, _runtime, bus, flags
from charms.reactive._handlers import HandlerLike, Registry, default_registry

__all__ = [
    "SERIES_UPGRADE_FLAG",
    "CharmhelpersCallbacks",
    "Hook",
    "HookLifecycle",
    "Participant",
    "Report",
    "SeriesUpgradeFlag",
    "TriggerReset",
]

#: Set in ``pre-series-upgrade``, cleared in ``post-series-upgrade`` (as 1.x does).
SERIES_UPGRADE_FLAG: Final = "upgrade.series.in-progress"

#: Called once at the end of a hook: with None before the store is committed, or with the
#: exception that failed the hook after everything was rolled back.
Report = Callable[[BaseException | None], None]


class Hook:
    """What participants are told about the running hook."""

    __slots__ = ("handlers", "restricted", "rt")

    def __init__(
        self, rt: _runtime.Runtime, restricted: bool, handlers: Sequence[HandlerLike]
    ) -> None:
        """Describe the hook of ``rt``.

        Args:
            rt: The hook's runtime.
            restricted: Whether the hook runs restricted (``collect-metrics``, ...).
            handlers: The handlers discovered for this hook, in dispatch order.
        """
        self.rt = rt
        self.restricted = restricted
        self.handlers = tuple(handlers)


class Participant(Protocol):
    """Framework code that takes part in every non-restricted hook, around the dispatch.

    ``begin`` runs before the dispatch, in registration order; ``end`` after it, in the same
    order, only when nothing failed. A participant keeps what ``end`` needs on itself: a new
    one is made for each hook.
    """

    def begin(self, hook: Hook) -> None:
        """Prepare this hook's state before the handlers run."""
        ...

    def end(self, hook: Hook) -> None:
        """Settle this hook's state after the handlers ran (before the commit)."""
        ...


class HookLifecycle:
    """Runs one hook: the sequence of the module docstring, on one runtime."""

    def __init__(self, rt: _runtime.Runtime, registry: Registry | None = None) -> None:
        """Prepare the hook of ``rt``, dispatching ``registry`` (default: the default one)."""
        self.rt = rt
        self.registry = registry or default_registry()
        self._participants: list[Participant] = []
        #: What the lifecycle did besides the handlers, for the trace.
        self.notes: list[str] = []

    def register(self, participant: Participant) -> None:
        """Add a participant; its ``begin`` and ``end`` run after those registered before."""
        self._participants.append(participant)

    @property
    def participants(self) -> tuple[Participant, ...]:
        """The registered participants, in order."""
        return tuple(self._participants)

    def run(self, restricted: bool, report: Report) -> None:
        """Run the hook, then commit; on any failure roll back instead, and re-raise.

        Before anything else, a last hook killed after its commit is dealt with
        (:mod:`charms.reactive._outbox`): its relation writes Juju lacks are sent again, and
        when this hook is that hook again (Juju's retry), nothing else runs. After the
        commit, the hook is marked done.
        ``SystemExit(0)`` (or ``None``) from a participant's ``begin`` or a handler ends the
        dispatch successfully, as in 1.x. Restricted hooks run no participant.

        A process forked by charm code during the hook that comes back here (its handler
        returned, or raised ``SystemExit``) exits at once: it never dispatches, reports,
        commits or rolls back the hook's state.

        Args:
            restricted: Run only the restricted hook's own handlers.
            report: The closing report (see :data:`Report`).

        Raises:
            BaseException: Whatever failed the hook, after the rollback and the report.
        """
        rt = self.rt
        try:
            with _runtime.activate(rt):
                replay, notes = (False, []) if restricted else _outbox.recover(rt)
                self.notes += notes
                if not replay:
                    self._run(restricted)
            self._exit_if_forked(0)
            serial: list[str | None] = [None]

            def before_store() -> None:
                serial[0] = _outbox.record(rt)
                report(None)

            rt.commit(before_store=before_store)
            _outbox.mark_done(rt, serial[0])
        except BaseException as exc:
            self._exit_if_forked(_exit_code(exc))
            rt.rollback()
            report(exc)
            raise

    def _exit_if_forked(self, code: int) -> None:
        if os.getpid() != self.rt.owner_pid:
            os._exit(code)  # a fork of the hook: leave its state alone, run nothing more

    def _run(self, restricted: bool) -> None:
        bus.discover(self.rt, self.registry)
        hook = Hook(self.rt, restricted, self.registry.handlers(self.rt))
        participants = () if restricted else self.participants
        try:
            for participant in participants:
                participant.begin(hook)
            bus.dispatch(restricted, rt=self.rt, registry=self.registry, handlers=hook.handlers)
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
        for participant in participants:
            participant.end(hook)


class SeriesUpgradeFlag:
    """Sets :data:`SERIES_UPGRADE_FLAG` in ``pre-series-upgrade``, clears it in ``post-``."""

    def begin(self, hook: Hook) -> None:
        """Set or clear the flag in the series-upgrade hooks."""
        name = hook.rt.context.hook_name
        if name == "pre-series-upgrade":
            flags.set_flag(SERIES_UPGRADE_FLAG)
        elif name == "post-series-upgrade":
            flags.clear_flag(SERIES_UPGRADE_FLAG)

    def end(self, hook: Hook) -> None:
        """Nothing to do."""


class CharmhelpersCallbacks:
    """Runs charmhelpers' ``atstart`` callbacks before the dispatch and ``atexit`` after it.

    Only when charm code imported ``charmhelpers.core.hookenv``: importing it ourselves costs
    ~30 ms, and it cannot hold callbacks if nobody imported it.
    """

    def begin(self, hook: Hook) -> None:
        """Run the ``atstart`` callbacks."""
        _charmhelpers_callbacks("_run_atstart")

    def end(self, hook: Hook) -> None:
        """Run the ``atexit`` callbacks."""
        _charmhelpers_callbacks("_run_atexit")


def _exit_code(exc: BaseException) -> int:
    if isinstance(exc, SystemExit):
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 1


def _charmhelpers_callbacks(name: str) -> None:
    hookenv = sys.modules.get("charmhelpers.core.hookenv")
    if hookenv is not None:
        getattr(hookenv, name)()


class TriggerReset:
    """Forgets the triggers registered in this hook's memory (they live for one hook)."""

    def begin(self, hook: Hook) -> None:
        """Nothing to do."""

    def end(self, hook: Hook) -> None:
        """Forget the in-memory triggers."""
        flags.clear_triggers(hook.rt)
