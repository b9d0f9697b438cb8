"""Run queued hooks one at a time: environment, session, executor, commit or discard, record.

A hook's relation writes and port changes are committed only when it exits 0
(``worker/uniter/runner/context``: the context is flushed after a successful hook). A failed
hook leaves them out, puts its unit in error, and that unit runs nothing more until
:meth:`Engine.retry` or :meth:`Engine.resolve`. Units take turns (round robin), one hook each.
"""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

from reactive_harness import sequences
from reactive_harness.errors import HookFailedError, SettleLimitError
from reactive_harness.executor import Executor, HookJob
from reactive_harness.records import BagChange, HookRecord, ToolCall
from reactive_harness.state import ModelState, PendingHook, RelationState, UnitState
from reactive_harness.tools import ActionState, Fault, HookSession, Reply, Request, run_tool
from reactive_harness.unitstate import read_flags

__all__ = ["Engine"]


class Engine:
    """Runs hooks for a model; the hook-tool server calls :meth:`handle` from its thread."""

    def __init__(
        self,
        state: ModelState,
        executor: Executor,
        *,
        tools_dir: Path,
        socket_address: str,
        extra_env: Mapping[str, str],
        base_path: str,
        fail_fast: bool,
        hook_timeout: float,
        track_flags: bool,
    ) -> None:
        """Create the engine (see :class:`reactive_harness.Model` for the options)."""
        self.state = state
        self.executor = executor
        self.tools_dir = tools_dir
        self.socket_address = socket_address
        self.extra_env = dict(extra_env)
        self.base_path = base_path
        #: Directories put on every hook's PATH after the hook tools, before ``base_path``.
        self.extra_path: list[Path] = []
        self.fail_fast = fail_fast
        self.hook_timeout = hook_timeout
        self.track_flags = track_flags
        self.records: list[HookRecord] = []
        self.faults: dict[str, Fault] = {}
        self._sessions: dict[str, HookSession] = {}
        self._lock = threading.Lock()
        self._cursor = -1
        self._counter = 0
        #: Called when a unit enters a relation's scope (the model creates subordinate units).
        self.on_enter_scope: Callable[[UnitState, RelationState], None] | None = None

    # -- the hook-tool side ----------------------------------------------------------------
    def handle(self, request: Request) -> Reply | None:
        """Serve one hook-tool call that came over the socket."""
        ctx = self._sessions.get(request.context_id)
        if ctx is None:
            return Reply(1, stderr=f"ERROR unknown context {request.context_id!r}\n".encode())
        return self.call_tool(ctx, request.argv, request.cwd, request.stdin)

    def call_tool(self, ctx: HookSession, argv: list[str], cwd: str, stdin: bytes) -> Reply | None:
        """Run one tool call in a hook's session, record it, and apply an injected fault."""
        start = time.perf_counter()
        with self._lock:
            fault = ctx.fault
            number = len(ctx.tool_calls) + 1
            if fault is not None and fault.kind != "lost" and fault.call == number:
                if fault.kind in ("kill", "term"):
                    sig = signal.SIGTERM if fault.kind == "term" else signal.SIGKILL
                    ctx.tool_calls.append(ToolCall(tuple(argv), -sig, 0.0, "", "killed"))
                    self.executor.kill(sig)
                    return None
                reply = Reply(1, stderr=f"ERROR {fault.message}\n".encode())
            else:
                reply = run_tool(ctx, argv, cwd, stdin)
            ctx.tool_calls.append(
                ToolCall(
                    tuple(argv),
                    reply.code,
                    time.perf_counter() - start,
                    reply.stdout.decode("utf-8", "replace"),
                    reply.stderr.decode("utf-8", "replace"),
                )
            )
            return reply

    # -- scheduling ------------------------------------------------------------------------
    def _order(self) -> list[UnitState]:
        return list(self.state.units.values())

    def next_unit(self) -> UnitState | None:
        """Return the next unit (round robin) with a hook it may run, if any."""
        units = self._order()
        for step in range(1, len(units) + 1):
            index = (self._cursor + step) % len(units)
            unit = units[index]
            if unit.queue and unit.error is None and not unit.removed:
                self._cursor = index
                return unit
        return None

    def pending(self) -> dict[str, list[PendingHook]]:
        """Return the queued hooks of every unit that has some."""
        return {u.name: list(u.queue) for u in self._order() if u.queue and not u.removed}

    def settle(self, limit: int) -> list[HookRecord]:
        """Run hooks until none is runnable; return their records.

        Raises:
            SettleLimitError: More than ``limit`` hooks ran.
            HookFailedError: A hook failed and the model fails fast.
        """
        ran: list[HookRecord] = []
        while True:
            unit = self.next_unit()
            if unit is None:
                return ran
            if len(ran) >= limit:
                window = Counter((r.unit, r.hook) for r in ran[-200:])
                top = [(u, h, n) for (u, h), n in window.most_common(5)]
                raise SettleLimitError(limit, top)
            record = self.run_next(unit)
            ran.append(record)
            if record.failed and self.fail_fast:
                raise HookFailedError(record)

    def run_next(self, unit: UnitState) -> HookRecord:
        """Run the hook at the head of a unit's queue."""
        pending = unit.queue.popleft()
        return self.run(unit, pending)

    # -- one hook --------------------------------------------------------------------------
    def hook_name(self, unit: UnitState, pending: PendingHook) -> str:
        """Return the name a queued hook runs under for ``unit``."""
        endpoint = None
        if pending.relation_id is not None:
            rel = self.state.relations[pending.relation_id]
            endpoint = rel.end_for(unit.app).name
        return pending.hook_name(endpoint)

    def build_env(
        self, unit: UnitState, pending: PendingHook, hook: str, context_id: str
    ) -> dict[str, str]:
        """Return the environment Juju gives this hook."""
        major, minor, patch = self.state.juju_version
        charm_dir = str(unit.charm_dir)
        env = {
            "PATH": ":".join([str(self.tools_dir), *map(str, self.extra_path), self.base_path]),
            "LANG": "C.UTF-8",
            "JUJU_CONTEXT_ID": context_id,
            "JUJU_AGENT_SOCKET_ADDRESS": self.socket_address,
            "JUJU_AGENT_SOCKET_NETWORK": "unix",
            "JUJU_UNIT_NAME": unit.name,
            "JUJU_CHARM_DIR": charm_dir,
            "CHARM_DIR": charm_dir,
            "JUJU_HOOK_NAME": hook,
            "JUJU_DISPATCH_PATH": f"hooks/{hook}",
            "JUJU_MODEL_NAME": self.state.name,
            "JUJU_MODEL_UUID": self.state.uuid,
            "JUJU_VERSION": f"{major}.{minor}.{patch}",
            "JUJU_MACHINE_ID": str(self.state.units[unit.machine_key].number),
            "JUJU_PRINCIPAL_UNIT": unit.principal or "",
            "JUJU_AVAILABILITY_ZONE": "",
            "JUJU_AGENT_CA_CERT": "",
            "UNIT_STATE_DB": str(unit.state_db),
        }
        if pending.relation_id is not None:
            rel = self.state.relations[pending.relation_id]
            env["JUJU_RELATION"] = rel.end_for(unit.app).name
            env["JUJU_RELATION_ID"] = rel.key(unit.app)
            env["JUJU_REMOTE_UNIT"] = pending.remote_unit or ""
            env["JUJU_REMOTE_APP"] = pending.remote_app or rel.remote_app(unit.app)
            if pending.departing_unit:
                env["JUJU_DEPARTING_UNIT"] = pending.departing_unit
        if pending.storage_id is not None:
            env["JUJU_STORAGE_ID"] = pending.storage_id
        env.update(self.extra_env)
        return env

    def _before(self, unit: UnitState, pending: PendingHook) -> None:
        """Update the unit's view of its relations as the hook starts."""
        rid = pending.relation_id
        if rid is None:
            return
        view = unit.views.get(rid)
        rel = self.state.relations[rid]
        if view is None:
            return
        if pending.kind == "created":
            view.created = True
            sequences.enter_scope(self.state, unit, rel, self._scope_settings(unit))
            if self.on_enter_scope is not None and unit.name in rel.scope:
                self.on_enter_scope(unit, rel)
        elif pending.kind == "joined" and pending.remote_unit:
            view.members.add(pending.remote_unit)
        elif pending.kind == "departed" and pending.remote_unit:
            view.members.discard(pending.remote_unit)
        elif pending.kind == "broken":
            view.created = True
            view.broken = True

    def _scope_settings(self, unit: UnitState) -> dict[str, str]:
        settings = {"egress-subnets": f"{unit.address}/32", "ingress-address": unit.address}
        if self.state.juju_version < (4, 0, 0):
            settings["private-address"] = unit.address  # dropped in Juju 4
        return settings

    def finish(self, unit: UnitState, pending: PendingHook) -> None:
        """Apply what completing a hook means beyond its writes (also used by resolve)."""
        if pending.kind == "broken" and pending.relation_id is not None:
            unit.views.pop(pending.relation_id, None)
            rel = self.state.relations[pending.relation_id]
            if not any(rel.id in u.views for u in self.state.units.values()):
                rel.removed = True
        elif pending.kind == "remove":
            unit.removed = True
            unit.queue.clear()
            app = self.state.apps[unit.app]
            if app.leader == unit.name:
                live = [u for u in self.state.live_units(app.name) if not u.dying]
                app.leader = live[0].name if live else None
                if live:
                    sequences.enqueue(live[0], PendingHook("leader-elected"))

    def run(
        self,
        unit: UnitState,
        pending: PendingHook,
        *,
        action: ActionState | None = None,
        retry_of: int | None = None,
        command: tuple[str, ...] | None = None,
    ) -> HookRecord:
        """Run one hook (or action, or ``juju exec`` command) and commit or discard its writes.

        Only a failed hook puts the unit in error; a failed action or command does not.
        """
        hook = action.name if action else self.hook_name(unit, pending)
        if command is not None:
            hook = "juju-exec"
        self._counter += 1
        context_id = f"{unit.name}-{hook}-{self._counter}"
        self._before(unit, pending)
        env = self.build_env(unit, pending, hook, context_id)
        if action is not None or command is not None:
            del env["JUJU_HOOK_NAME"]
            del env["JUJU_DISPATCH_PATH"]
        if action is not None:
            env["JUJU_DISPATCH_PATH"] = f"actions/{action.name}"
            env["JUJU_ACTION_NAME"] = action.name
            env["JUJU_ACTION_UUID"] = action.uuid
        ctx = HookSession(context_id, self.state, unit, pending, hook, env, action)
        fault = self.faults.get(unit.name)
        if fault is not None and fault.hook in (None, hook):
            ctx.fault = self.faults.pop(unit.name)
        record = HookRecord(
            seq=len(self.records) + 1,
            unit=unit.name,
            hook=f"action:{hook}" if action else hook,
            env=env,
            retry_of=retry_of,
        )
        if self.track_flags:
            record.flags_before = _recorded_flags(unit.state_db)
        self._sessions[context_id] = ctx

        def call_tool(argv: list[str], cwd: str, stdin: bytes) -> Reply | None:
            return self.call_tool(ctx, argv, cwd, stdin)

        job = HookJob(
            unit.name,
            hook,
            unit.charm_dir,
            env,
            call_tool,
            action is not None,
            self.hook_timeout,
            command,
            self.tools_dir,
        )
        try:
            result = self.executor.run(job)
        finally:
            del self._sessions[context_id]
        record.exit_code = result.exit_code
        record.duration = result.duration
        record.stdout, record.stderr = result.stdout, result.stderr
        record.killed = result.killed
        if ctx.fault is not None and ctx.fault.kind == "lost" and result.exit_code == 0:
            # Killed after its last step, before Juju saw it exit: a failed hook.
            record.exit_code, record.killed = -signal.SIGKILL, True
            record.stderr += "killed before it exited (injected fault: lost)\n"
        record.tool_calls = list(ctx.tool_calls)
        if ctx.fault is not None and result.exit_code is None:
            self.faults.setdefault(unit.name, ctx.fault)  # a skipped hook meets no fault
        if action is not None and result.exit_code is None:
            record.exit_code = 1
            record.stderr = f'action "{hook}" not defined on unit "{unit.name}"\n'
        if record.exit_code in (None, 0):
            record.committed = True
            record.bag_changes = self._commit(ctx)
            if action is None and command is None:
                self.finish(unit, pending)
        elif action is None and command is None:
            unit.error = record
            unit.error_hook = pending
        if ctx.leader_settings_changed:
            for other in self.state.live_units(unit.app):
                if other.name != unit.name and not other.dying:
                    sequences.enqueue(other, PendingHook("leader-settings-changed"))
        if self.track_flags:
            record.flags_after = _recorded_flags(unit.state_db)
        self.records.append(record)
        return record

    def _commit(self, ctx: HookSession) -> list[BagChange]:
        """Apply a successful hook's relation writes and ports; queue the hooks they cause."""
        changes: list[BagChange] = []
        unit = ctx.unit
        for app_level, staged in ((False, ctx.unit_writes), (True, ctx.app_writes)):
            for rid, writes in sorted(staged.items()):
                rel = self.state.relations.get(rid)
                if rel is None or rel.removed:
                    continue
                bags = rel.app_bags if app_level else rel.unit_bags
                owner = unit.app if app_level else unit.name
                old = dict(bags.get(owner, {}))
                new = dict(old)
                for key, value in writes.items():
                    if value == "":
                        new.pop(key, None)
                    else:
                        new[key] = value
                if new == old:
                    continue  # Juju compares the net change
                bags[owner] = new
                changed = {k: v for k, v in new.items() if old.get(k) != v}
                removed = tuple(sorted(k for k in old if k not in new))
                changes.append(BagChange(rid, owner, changed, removed))
                if app_level:
                    sequences.notify_app_change(self.state, rel, unit)
                else:
                    sequences.notify_unit_change(self.state, rel, unit)
        unit.ports = ctx.pending_ports()
        return changes

    # -- errors ----------------------------------------------------------------------------
    def retry(self, unit: UnitState) -> HookRecord:
        """Run a unit's failed hook again (``juju resolved``, which retries by default)."""
        failed, pending = unit.error, unit.error_hook
        assert failed is not None  # checked by the caller
        assert pending is not None
        unit.error = unit.error_hook = None
        return self.run(unit, pending, retry_of=failed.seq)

    def resolve(self, unit: UnitState) -> None:
        """Mark a unit's failed hook resolved without running it (``--no-retry``)."""
        pending = unit.error_hook
        assert pending is not None  # checked by the caller
        unit.error = unit.error_hook = None
        self.finish(unit, pending)


def _recorded_flags(db: Path) -> frozenset[str] | None:
    """The unit's flags for a record; ``None`` when its database is unreadable.

    A charm may corrupt its own state database: the hook must run and fail on it (as in
    Juju, which never reads that file), not the emulator.
    """
    try:
        return read_flags(db)
    except sqlite3.DatabaseError:
        return None
