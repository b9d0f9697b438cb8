"""Run reactive hooks inside the test process: no process, no socket, same tools and commits.

:class:`InProcessExecutor` runs a hook file that calls ``charms.reactive.main()`` (the layer's
hook template, or any hook naming ``charms.reactive`` and calling ``main()``) by calling the
lib's ``main(context=..., tools=...)``. The tools are the lib's own wrappers
(``SubprocessHookTools``) given a runner that sends each command straight to the emulator's
command handlers (all parsing stays in the lib), so staging, access rules, commit-on-success
and the records are the same as for a subprocess. Anything else (shell hooks, actions,
``juju exec``) goes to the fallback executor. The lib is imported on first use, from
``sys.path``.

A ``kill`` fault raises a ``BaseException`` at the tool call; from then on every tool call
raises it again, so the hook cannot commit, as with SIGKILL.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reactive_harness.executor import (
    ExecResult,
    Executor,
    HookJob,
    SubprocessExecutor,
    hook_command,
)

if TYPE_CHECKING:
    from charms.reactive.juju import SubprocessHookTools

__all__ = ["InProcessExecutor", "is_reactive_hook"]

_REACTIVE = re.compile(r"charms\.reactive\b[\s\S]*\bmain\(\)")


class HookKilledError(BaseException):
    """Raised in-process where a subprocess would have been killed with SIGKILL."""


def is_reactive_hook(path: Path) -> bool:
    """Whether a hook file runs ``charms.reactive.main()``."""
    try:
        return bool(_REACTIVE.search(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False


def _emulator_tools(job: HookJob, executor: InProcessExecutor) -> SubprocessHookTools:
    """The lib's own tool wrappers, with a runner that hands each command to the emulator."""
    from charms.reactive.juju import SubprocessHookTools, ToolResult

    def run(argv: Sequence[str], stdin: str | None) -> ToolResult:
        if executor.killed:
            raise HookKilledError(argv[0])
        reply = job.call_tool(list(argv), str(job.charm_dir), (stdin or "").encode())
        if reply is None:
            raise HookKilledError(argv[0])
        return ToolResult(
            reply.code,
            reply.stdout.decode("utf-8", "replace"),
            reply.stderr.decode("utf-8", "replace"),
        )

    return SubprocessHookTools(run)


class InProcessExecutor:
    """Run reactive hooks in this process; delegate everything else to ``fallback``."""

    def __init__(self, fallback: Executor | None = None) -> None:
        """Create the executor.

        Args:
            fallback: Runs what is not a reactive hook (default: a subprocess executor).
        """
        self.fallback = fallback or SubprocessExecutor()
        self.killed = False
        self.signal: int = signal.SIGKILL
        self.in_process = 0
        self._running = False

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the running hook: its current and later tool calls raise.

        SIGTERM ends an in-process hook as SIGKILL does (Python's default disposition).
        """
        if self._running:
            self.killed = True
            self.signal = sig
        else:
            self.fallback.kill(sig)

    def run(self, job: HookJob) -> ExecResult:
        """Run a job in-process if it is a reactive hook, else with the fallback."""
        command = hook_command(job)
        if command is None:
            return ExecResult(exit_code=None)
        if job.command is not None or job.action or not is_reactive_hook(Path(command[0])):
            return self.fallback.run(job)
        self.in_process += 1
        self._running, self.killed = True, False
        try:
            return self._run(job, Path(command[0]))
        finally:
            self._running = False

    def _run(self, job: HookJob, path: Path) -> ExecResult:
        import charms.reactive
        from charms.reactive.juju import HookContext

        start = time.perf_counter()
        saved_env, saved_cwd, saved_path = dict(os.environ), os.getcwd(), list(sys.path)
        saved_modules = set(sys.modules)
        out, err = io.StringIO(), io.StringIO()
        code = 0
        os.environ.clear()
        os.environ.update(job.env)
        os.chdir(job.charm_dir)
        sys.path.append(str(job.charm_dir / "lib"))
        _fresh_charmhelpers()
        try:
            ctx = HookContext.from_environ(job.env, argv0=str(path))
            tools = _emulator_tools(job, self)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    charms.reactive.main(context=ctx, tools=tools)
                except SystemExit as exc:
                    code = (
                        exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                    )
                except HookKilledError:
                    code = -self.signal
                except BaseException:  # a hook's failure is its exit code
                    traceback.print_exc()
                    code = 1
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
            os.chdir(saved_cwd)
            sys.path[:] = saved_path
            _forget_charm_modules(job.charm_dir, saved_modules)
            _close_kv()
        if self.killed:
            code = -self.signal
        return ExecResult(
            code, out.getvalue(), err.getvalue(), time.perf_counter() - start, self.killed
        )


def _forget_charm_modules(charm_dir: Path, keep: set[str]) -> None:
    """Drop modules imported from the charm, so the next hook imports them afresh."""
    prefix = str(charm_dir)
    for name in set(sys.modules) - keep:
        module = sys.modules.get(name)
        if str(getattr(module, "__file__", "") or "").startswith(prefix):
            del sys.modules[name]


def _fresh_charmhelpers() -> None:
    """Empty charmhelpers' per-process hook state, as a new hook process would have it.

    ``hookenv``'s cached results (``config()``, ``relation_get()``, ``is_leader()``, ...)
    and the ``atstart``/``atexit`` callbacks of a failed hook would otherwise leak into the
    next hook run in this process: charm code would see the config of the first hook forever.
    """
    hookenv = sys.modules.get("charmhelpers.core.hookenv")
    if hookenv is None:
        return
    for name in ("cache", "_atstart", "_atexit"):
        value = getattr(hookenv, name, None)
        if value is not None:
            value.clear()
    if getattr(hookenv, "_cache_config", None) is not None:
        setattr(hookenv, "_cache_config", None)  # noqa: B010 - config() keeps its own cache


def _close_kv() -> None:
    """Close charmhelpers' key-value singleton, so the next unit opens its own database."""
    unitdata = sys.modules.get("charmhelpers.core.unitdata")
    store = getattr(unitdata, "_KV", None)
    if unitdata is None or store is None:
        return
    with contextlib.suppress(Exception):
        store.conn.close()
    setattr(unitdata, "_KV", None)  # noqa: B010 - charmhelpers' private singleton
