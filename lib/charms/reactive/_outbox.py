"""What the last hook committed, and what to do when Juju did not see it finish.

Juju applies a hook's ``relation-set`` writes only when the hook exits 0. The store is
committed last, after the writes were sent, but a hook can still die between its commit and
its exit (SIGKILL, OOM, a reboot): Juju then discards its writes, and retries the hook,
while the store already holds the hook's effects. So:

* a hook that changed anything records, in the same transaction, what identifies it and the
  relation writes it sent (:data:`RECORD_KEY`, numbered: one more than the last record);
* right after the commit, ``main()`` writes that serial into ``<state db>.done``
  (:func:`mark_done`) and the process leaves;
* the next hook compares the two before anything else (:func:`recover`): equal (or nothing
  recorded) is the normal case and costs nothing. Different means the last hook died after
  its commit: its writes are checked against what Juju holds (one ``relation-get`` of the
  unit's own bag per relation id written) and those Juju lacks are sent again with this
  hook's; and if this hook *is* that hook again (Juju's retry), its handlers do not run a
  second time on a store that already holds their effects.

What remains: a kill in the instant between writing ``.done`` and the process's exit goes
unnoticed. Writes made with charmhelpers' ``relation_set`` go to Juju directly and are not
recorded.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final

from charms.reactive import _runtime
from charms.reactive.errors import HookToolError

__all__ = ["RECORD_KEY", "done_path", "identity", "mark_done", "record", "recover"]

RECORD_KEY: Final = "reactive.last_commit"


def done_path(rt: _runtime.Runtime) -> Path:
    """Return the file that holds the serial of the last hook that got past its commit."""
    return Path(f"{rt.db_path}.done")


def identity(rt: _runtime.Runtime) -> list[str | None]:
    """What tells one hook from another: Juju retries a failed hook with the same values."""
    ctx = rt.context
    return [ctx.hook_name, ctx.relation_id, ctx.remote_unit, ctx.remote_app, ctx.departing_unit]


def record(rt: _runtime.Runtime) -> str | None:
    """Record this hook (call after its writes were sent, before the commit).

    Returns:
        The serial to give :func:`mark_done` after the commit, or None when the hook changed
        nothing (then nothing is recorded or committed).
    """
    sent = rt.tools.sent
    if not sent and not (rt.kv_opened and rt.kv.changed):
        return None
    last = rt.kv.get(RECORD_KEY)
    number = last.get("number", 0) if isinstance(last, dict) else 0
    number = (number if isinstance(number, int) else 0) + 1
    serial = str(number)
    writes = [[rid, app, data] for (rid, app), data in sorted(sent.items())]
    rt.kv.set(
        RECORD_KEY, {"number": number, "serial": serial, "hook": identity(rt), "writes": writes}
    )
    return serial


def mark_done(rt: _runtime.Runtime, serial: str | None) -> None:
    """Say the hook recorded as ``serial`` got past its commit (right after the commit)."""
    if serial is None:
        return
    path = done_path(rt)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, serial.encode())
        finally:
            os.close(fd)
    except OSError:
        pass  # the next hook then checks this one's writes: one relation-get each


def recover(rt: _runtime.Runtime) -> tuple[bool, list[str]]:
    """Deal with a last hook that died after its commit (see the module docstring).

    Returns:
        Whether this hook is that hook again, whose effects are already in the store (its
        handlers must not run), and notes for the trace.

    Raises:
        HookToolError: Reading the unit's own bag failed (not because the relation is gone).
    """
    stored = rt.kv.get(RECORD_KEY)
    if not isinstance(stored, dict) or stored.get("serial") == _done(rt):
        return False, []
    notes = ["the last hook was killed after its commit"]
    for rid, app, data in _entries(stored.get("writes")):
        if app and not rt.tools.is_leader():
            notes.append(f"dropped the last hook's {rid} application writes: not the leader")
            continue
        try:
            held = rt.tools.relation_get_app(rid, _app(rt)) if app else _own_bag(rt, rid)
        except HookToolError as err:
            if not _relation_gone(err):
                raise  # the agent failed: fail the hook, Juju retries it
            notes.append(f"dropped the last hook's writes to {rid}: the relation is gone")
            continue
        if all(held.get(key, "") == value for key, value in data.items()):
            continue
        rt.tools.relation_set(rid, data, app=app)
        notes.append(f"sent again the last hook's writes to {rid}: {', '.join(sorted(data))}")
    again = stored.get("hook") == identity(rt)
    if again:
        notes.append("this hook is its retry: its effects are in the store, handlers not run")
    # Settled: the next hook must not look again. This hook commits (at least this change) and
    # records itself with the next number: numbers only grow, so a stale .done never matches.
    rt.kv.set(RECORD_KEY, {**stored, "writes": [], "hook": None})
    return again, notes


def _done(rt: _runtime.Runtime) -> str | None:
    try:
        return done_path(rt).read_text().strip()
    except OSError:
        return None


def _relation_gone(err: HookToolError) -> bool:
    # Juju's relation-get for an id that no longer exists: exit 2, "relation not found".
    return err.returncode == 2 and "relation not found" in err.stderr


def _own_bag(rt: _runtime.Runtime, rid: str) -> dict[str, str]:
    return rt.tools.relation_get(rid, rt.context.require_unit())


def _app(rt: _runtime.Runtime) -> str:
    return rt.context.require_unit().split("/")[0]


def _entries(writes: Any) -> list[tuple[str, bool, dict[str, str]]]:
    entries = []
    for entry in writes if isinstance(writes, list) else []:
        if isinstance(entry, list) and len(entry) == 3 and isinstance(entry[2], dict):
            rid, app, data = entry
            entries.append((str(rid), bool(app), {str(k): str(v) for k, v in data.items()}))
    return entries
