"""How a hook is run: the :class:`Executor` protocol and the default subprocess executor.

An executor gets a :class:`HookJob` (what to run, where, with which environment, and a
``call_tool`` function that runs one hook-tool call against the hook's context) and returns an
:class:`ExecResult`. The subprocess executor runs the charm's file as Juju does; an in-process
executor can call ``call_tool`` directly instead of going through the socket.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reactive_harness.tools import Reply

__all__ = ["ExecResult", "Executor", "HookJob", "SubprocessExecutor", "ToolCaller"]

#: Runs one hook-tool call (argv, cwd, stdin) in the hook's context; ``None``: no reply.
ToolCaller = Callable[[list[str], str, bytes], "Reply | None"]


@dataclass(frozen=True)
class HookJob:
    """One hook to run.

    Attributes:
        unit: The unit's name.
        hook: The hook's name (for actions, the action's name).
        charm_dir: The unit's charm directory (the hook's working directory).
        env: The complete environment of the hook.
        call_tool: Runs a hook-tool call against the hook's context.
        action: Whether this runs ``actions/<hook>`` rather than a hook.
        timeout: Seconds after which the hook is killed.
        command: Run this instead of a charm file (``juju exec``).
        tools_dir: The directory of the hook tools on the hook's ``PATH`` (``None``: unknown).
    """

    unit: str
    hook: str
    charm_dir: Path
    env: dict[str, str]
    call_tool: ToolCaller
    action: bool = False
    timeout: float = 600.0
    command: tuple[str, ...] | None = None
    tools_dir: Path | None = None


@dataclass(frozen=True)
class ExecResult:
    """What running a hook gave.

    ``exit_code`` is ``None`` when the charm has no such hook (Juju skips it); a negative code
    is the signal that killed the process.
    """

    exit_code: int | None
    stdout: str = ""
    stderr: str = ""
    duration: float = 0.0
    killed: bool = False


class Executor(Protocol):
    """Runs hooks for the emulator."""

    def run(self, job: HookJob) -> ExecResult:
        """Run one hook to completion."""
        ...

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the running hook at once with ``sig`` (fault injection).

        The tool call that asked for it never returns.
        """
        ...


def hook_command(job: HookJob) -> list[str] | None:
    """Return what Juju would execute for a job, or ``None`` when there is nothing to run.

    A charm with an executable ``dispatch`` file gets it run for every hook (with
    ``JUJU_DISPATCH_PATH``); otherwise ``hooks/<name>`` or ``actions/<name>`` is run.
    """
    if job.command is not None:
        return list(job.command)
    dispatch = job.charm_dir / "dispatch"
    if dispatch.is_file() and os.access(dispatch, os.X_OK):
        return [str(dispatch)]
    path = job.charm_dir / ("actions" if job.action else "hooks") / job.hook
    if not path.exists():
        return None
    return [str(path)]


class SubprocessExecutor:
    """Run each hook as a process, in its own session, as Juju does."""

    def __init__(self) -> None:
        """Create an executor with no hook running."""
        self._proc: subprocess.Popen[bytes] | None = None
        self._killed = False

    def run(self, job: HookJob) -> ExecResult:
        """Run the hook's file; a missing hook is skipped, a timeout kills it."""
        command = hook_command(job)
        if command is None:
            return ExecResult(exit_code=None)
        start = time.perf_counter()
        self._killed = False
        try:
            proc = subprocess.Popen(
                command,
                cwd=job.charm_dir,
                env=job.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            # An unexecutable hook file makes the hook fail (exec error), as in Juju.
            return ExecResult(126, stderr=f"cannot run {command[0]}: {exc.strerror}\n")
        self._proc = proc
        timed_out = False
        try:
            out, errout = proc.communicate(timeout=job.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            self.kill()
            out, errout = proc.communicate()
        finally:
            self._proc = None
        stderr = errout.decode("utf-8", "replace")
        if timed_out:
            stderr += f"\nhook killed after {job.timeout} s\n"
        return ExecResult(
            exit_code=proc.returncode,
            stdout=out.decode("utf-8", "replace"),
            stderr=stderr,
            duration=time.perf_counter() - start,
            killed=self._killed,
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` (SIGKILL by default) to the running hook's whole process group."""
        proc = self._proc
        if proc is None:
            return
        self._killed = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
