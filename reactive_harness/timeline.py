"""Print hook records as a readable timeline: hook, unit, exit code, flags and data changed.

A timeline starts with :func:`format_header` (the column names and a legend), then
:func:`format_record`'s lines for each hook.
"""

from __future__ import annotations

from collections.abc import Iterable

from reactive_harness.records import BagChange, HookRecord

__all__ = ["format_header", "format_output", "format_record", "format_timeline"]


def _exit(record: HookRecord) -> str:
    if record.skipped:
        return "skip"
    if record.killed:
        return "KILLED"
    return str(record.exit_code) if record.exit_code == 0 else f"FAIL {record.exit_code}"


def _bag(change: BagChange) -> str:
    parts = [f"{k}={_short(v)}" for k, v in sorted(change.changed.items())]
    parts += [f"-{k}" for k in change.removed]
    return f"{change.owner}@{change.relation_id}: " + " ".join(parts)


def _short(value: str, limit: int = 40) -> str:
    value = value.replace("\n", "\\n")
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _flags(record: HookRecord) -> str:
    before, after = record.flags_before or frozenset(), record.flags_after
    if after is None:
        return ""
    added = sorted(after - before)
    removed = sorted(before - after)
    return " ".join([f"+{f}" for f in added] + [f"-{f}" for f in removed])


def format_header() -> list[str]:
    """Return the lines that open a timeline: the column names, then a one-line legend."""
    columns = (
        f"{'seq':>5}  {'unit':<16} {'hook (remote unit)':<48} {'exit':<7}"
        f"{'duration':>9} {'calls':>9}"
    )
    legend = (
        f"{'':>7}exit: the exit code (FAIL n; KILLED; skip: no hook file, Juju skipped it); "
        "calls: hook-tool calls; flags: +set -cleared; "
        "data: unit@N = the bag of unit on relation id N"
    )
    return [columns, legend]


def format_output(record: HookRecord) -> list[str]:
    """Return what a command wrote, indented: its stdout, its stderr, a non-zero exit code."""
    lines: list[str] = []
    for name, text in (("stdout", record.stdout), ("stderr", record.stderr)):
        for number, line in enumerate(text.rstrip("\n").splitlines()):
            lines.append(f"{'':>7}{name + ':' if number == 0 else '':<8}{line}")
    if record.exit_code not in (None, 0):
        lines.append(f"{'':>7}exit code: {record.exit_code}")
    return lines


def format_record(record: HookRecord, *, output: bool = False) -> list[str]:
    """Return the timeline lines of one hook record.

    Args:
        record: The record.
        output: Follow with the record's whole stdout and stderr and its exit code when
            non-zero (:func:`format_output`; for ``exec`` commands), instead of the last
            lines of stderr of a failed hook.
    """
    hook = record.hook
    remote = record.env.get("JUJU_REMOTE_UNIT")
    if remote:
        hook += f" ({remote})"
    elif record.relation_id and record.hook.endswith("-changed"):
        hook += f" (app {record.env.get('JUJU_REMOTE_APP', '')})"
    calls = len(record.tool_calls)
    head = (
        f"{record.seq:>5}  {record.unit:<16} {hook:<48} {_exit(record):<7}"
        f"{record.duration * 1000:>6.0f} ms {calls:>3} calls"
    )
    lines = [head]
    flags = _flags(record)
    if flags:
        lines.append(f"{'':>7}flags: {flags}")
    lines += [f"{'':>7}data:  {_bag(change)}" for change in record.bag_changes]
    if output:
        lines += format_output(record)
    elif record.failed:
        tail = record.stderr.strip().splitlines()[-3:]
        lines += [f"{'':>7}! {line}" for line in tail]
    return lines


def format_timeline(records: Iterable[HookRecord]) -> str:
    """Return the timeline of several records."""
    lines: list[str] = []
    for record in records:
        lines += format_record(record)
    return "\n".join(lines)
