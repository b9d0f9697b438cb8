"""The trace of a hook: handlers run or skipped (and why), flags set and cleared (by whom).

Hook-tool economy: every ``juju-log`` is a round trip to the unit agent, so the trace is not
logged as it happens (charms.reactive 1.x sent one ``juju-log`` per flag change and per
handler). :func:`~charms.reactive.main` sends at most two lines per hook, both at the end,
also when the hook fails: one INFO (or ERROR) summary naming the handlers invoked, and the
whole trace at DEBUG (:meth:`HookTrace.render`). The trace is also written as JSON next to the
unit's state database (:func:`trace_path`), outside the key-value store so that a failed hook,
whose store changes are rolled back, keeps its trace: ``charms.reactive trace`` shows it.

Recording is cheap and has no side effects: unlike 1.x's ``LogTracer``, it never re-tests
handlers, so it cannot run ``--test`` scripts or consume ``@when_file_changed`` changes.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from pathlib import Path
from typing import Any, Final, Protocol

from charms.reactive import _runtime, flags

__all__ = [
    "HookTrace",
    "NullTracer",
    "Tracer",
    "current_tracer",
    "install",
    "load_trace",
    "save_trace",
    "trace_path",
]

_TRACER: Final = "charms.reactive.trace.tracer"


class Tracer(Protocol):
    """What the dispatcher reports while it runs."""

    def start(self, hook: str, flags_set: list[str]) -> None:
        """The dispatch begins, with these flags set."""
        ...

    def phase(self, phase: str, iteration: int, queue: list[str]) -> None:
        """A phase (or an iteration of the other phase) begins with this queue of handlers."""
        ...

    def skipped(self, handler: str, reason: str) -> None:
        """A handler was tested and will not run, for ``reason``."""
        ...

    def dequeued(self, handler: str, reason: str) -> None:
        """A queued handler was dropped after a flag was cleared, for ``reason``."""
        ...

    def invoking(self, handler: str) -> None:
        """A handler is about to run."""
        ...

    def flag_changed(self, flag: str, is_set: bool) -> None:
        """A flag was set (``is_set``) or cleared."""
        ...

    def finish(self, outcome: str, error: str | None, flags_set: list[str] | None) -> None:
        """The hook ended with ``outcome`` (``ok`` or ``error``)."""
        ...

    def note(self, text: str, *, eventful: bool = False) -> None:
        """The framework did something besides the handlers (re-sent writes, ...)."""
        ...


class NullTracer:
    """A tracer that records nothing (used when no trace is installed)."""

    def start(self, hook: str, flags_set: list[str]) -> None:
        """Do nothing."""

    def phase(self, phase: str, iteration: int, queue: list[str]) -> None:
        """Do nothing."""

    def skipped(self, handler: str, reason: str) -> None:
        """Do nothing."""

    def dequeued(self, handler: str, reason: str) -> None:
        """Do nothing."""

    def invoking(self, handler: str) -> None:
        """Do nothing."""

    def flag_changed(self, flag: str, is_set: bool) -> None:
        """Do nothing."""

    def finish(self, outcome: str, error: str | None, flags_set: list[str] | None) -> None:
        """Do nothing."""

    def note(self, text: str, *, eventful: bool = False) -> None:
        """Do nothing."""


class HookTrace:
    """Record the events of one hook, as JSON-ready dicts in order."""

    def __init__(self, hook: str, unit: str | None = None) -> None:
        """Start an empty trace of ``hook`` run by ``unit``."""
        self.hook = hook
        self.unit = unit
        self.events: list[dict[str, Any]] = []
        self.invoked: list[str] = []
        self.current: str | None = None
        self.outcome: str | None = None
        self.error: str | None = None
        #: The handler running when the hook failed (None if it failed outside handlers).
        self.failed_handler: str | None = None
        self.flags_before: list[str] = []
        self.flags_after: list[str] | None = None
        #: What the framework did besides the handlers (re-sent writes, deferred flushes...).
        self.notes: list[str] = []
        self._noteworthy = False
        self.started = time.time()
        self._t0 = time.perf_counter()
        self.duration_ms: float | None = None

    def start(self, hook: str, flags_set: list[str]) -> None:
        """Record the flags set when the dispatch begins."""
        self.hook = hook
        self.flags_before = list(flags_set)

    def phase(self, phase: str, iteration: int, queue: list[str]) -> None:
        """Record the start of a phase or iteration and its queue."""
        self.current = None
        self.events.append(
            {"event": "phase", "phase": phase, "iteration": iteration, "queue": list(queue)}
        )

    def skipped(self, handler: str, reason: str) -> None:
        """Record a handler that was tested and will not run."""
        self.events.append({"event": "skip", "handler": handler, "reason": reason})

    def dequeued(self, handler: str, reason: str) -> None:
        """Record a queued handler dropped after a flag was cleared."""
        self.events.append({"event": "dequeue", "handler": handler, "reason": reason})

    def invoking(self, handler: str) -> None:
        """Record that a handler runs; later flag changes are attributed to it."""
        self.current = handler
        self.invoked.append(handler)
        self.events.append({"event": "invoke", "handler": handler})

    def flag_changed(self, flag: str, is_set: bool) -> None:
        """Record a flag change and the handler that made it (None outside handlers)."""
        self.events.append(
            {"event": "set" if is_set else "clear", "flag": flag, "by": self.current}
        )

    def finish(self, outcome: str, error: str | None, flags_set: list[str] | None) -> None:
        """Record how the hook ended and the flags set then (None if unknown)."""
        if outcome != "ok":
            self.failed_handler = self.current
        self.current = None
        self.outcome = outcome
        self.error = error
        self.flags_after = None if flags_set is None else list(flags_set)
        self.duration_ms = round((time.perf_counter() - self._t0) * 1000, 3)

    def note(self, text: str, *, eventful: bool = False) -> None:
        """Record something the framework did besides the handlers (once per text).

        Args:
            text: What it did.
            eventful: Worth the DEBUG log line by itself (routine notes are only saved).
        """
        if text not in self.notes:
            self.notes.append(text)
        self._noteworthy = self._noteworthy or eventful

    @property
    def eventful(self) -> bool:
        """Whether anything happened worth a log line: handlers, flags, notes, a failure."""
        return (
            bool(self.invoked)
            or self._noteworthy
            or self.outcome not in (None, "ok")
            or any(ev["event"] in ("set", "clear") for ev in self.events)
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the trace as a JSON-ready dict (the format of ``charms.reactive trace``)."""
        return {
            "hook": self.hook,
            "unit": self.unit,
            "started": self.started,
            "duration_ms": self.duration_ms,
            "outcome": self.outcome,
            "error": self.error,
            "failed_handler": self.failed_handler,
            "flags_before": self.flags_before,
            "flags_after": self.flags_after,
            "invoked": list(self.invoked),
            "events": list(self.events),
            "notes": list(self.notes),
        }

    def render(self) -> str:
        """Return the trace as text, one ``tracer:`` line per event."""
        return render(self.to_dict())


def render(data: dict[str, Any]) -> str:
    """Render a trace dict (from :meth:`HookTrace.to_dict` or a saved file) as text."""
    took = data.get("duration_ms")
    head = f"hook {data.get('hook')}: {data.get('outcome') or 'running'}"
    if took is not None:
        head += f" in {took:.1f} ms"
    lines = [head, f"flags at start: {_names(data.get('flags_before') or [])}"]
    for ev in data.get("events", []):
        kind = ev.get("event")
        if kind == "phase":
            where = f"{ev['phase']} phase" + (
                f", iteration {ev['iteration']}" if ev["phase"] == "other" else ""
            )
            lines.append(f"{where}: queue {_names(ev['queue'])}")
        elif kind == "invoke":
            lines.append(f"  run {ev['handler']}")
        elif kind == "skip":
            lines.append(f"  skip {ev['handler']}: {ev['reason']}")
        elif kind == "dequeue":
            lines.append(f"  dequeue {ev['handler']}: {ev['reason']}")
        elif kind in ("set", "clear"):
            sign = "++" if kind == "set" else "--"
            by = f" (by {ev['by']})" if ev.get("by") else ""
            lines.append(f"    {sign} {kind} {ev['flag']}{by}")
    lines += [f"note: {text}" for text in data.get("notes") or []]
    if data.get("error"):
        where = f" in {data['failed_handler']}" if data.get("failed_handler") else ""
        lines.append(f"error{where}: {data['error']}")
    if data.get("flags_after") is not None:
        lines.append(f"flags at end: {_names(data['flags_after'])}")
    return "\n".join("tracer: " + line for line in lines)


def _names(items: list[str]) -> str:
    return ", ".join(items) if items else "(none)"


def install(rt: _runtime.Runtime, tracer: Tracer) -> None:
    """Make ``tracer`` the tracer of ``rt`` and let it hear every flag change."""
    rt.scratch[_TRACER] = tracer
    flags.flag_watch(rt).listeners.append(tracer.flag_changed)


def current_tracer(rt: _runtime.Runtime) -> Tracer:
    """Return the tracer installed on ``rt``, or a :class:`NullTracer`."""
    tracer = rt.scratch.get(_TRACER)
    return tracer if tracer is not None else NullTracer()


def trace_path(rt: _runtime.Runtime) -> Path:
    """Return where the last hook's trace is kept: ``<state db stem>.trace.json`` beside it."""
    db = rt.db_path
    return db.with_name(db.stem + ".trace.json")


def save_trace(rt: _runtime.Runtime, trace: HookTrace) -> None:
    """Write ``trace`` as JSON to :func:`trace_path`: ``0600``, atomically (write, rename).

    Raises:
        OSError: It could not be written (a full disk...); no temporary file is left.
    """
    import json

    path = trace_path(rt)
    tmp = path.with_name(path.name + ".tmp")  # one name: the state lock is held
    data = json.dumps(trace.to_dict(), indent=1, sort_keys=True, default=str).encode()
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):  # the umask may have left it wider
                os.fchmod(fd, 0o600)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def load_trace(rt: _runtime.Runtime) -> dict[str, Any] | None:
    """Return the last saved trace, or None if there is none."""
    import json

    try:
        data = json.loads(trace_path(rt).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
