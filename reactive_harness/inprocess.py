"""Run reactive hooks inside the test process: no process, no socket, same tools and commits.

:class:`InProcessExecutor` runs a hook file that calls ``charms.reactive.main()`` (the layer's
hook template, or any hook naming ``charms.reactive`` and calling ``main()``) by calling the
lib's ``main(context=..., tools=...)``. The tools are the lib's own wrappers
(``SubprocessHookTools``) given a runner that sends each command straight to the emulator's
command handlers (all parsing stays in the lib), so staging, access rules, commit-on-success
and the records are the same as for a subprocess. Anything else (shell hooks, actions,
``juju exec``) goes to the fallback executor. The lib is imported on first use, from
``sys.path``.

Charm code that runs a hook tool itself (charmhelpers' ``status_set()``, ``is_leader()``,
``log()``: ``subprocess.check_output(["is-leader", ...])`` and the like) is answered in-process
too: while a hook runs, ``subprocess.run``, ``call``, ``check_call`` and ``check_output`` hand
a command that ``PATH`` resolves to the emulator's hook tools straight to the emulator, with
the exit code, output, errors and exceptions a process would give. Other commands, and tool
calls with streams a process would need (a file as stdin or stdout), start a process.

A ``kill`` fault raises a ``BaseException`` at the tool call; from then on every tool call
raises it again, so the hook cannot commit, as with SIGKILL.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reactive_harness.executor import (
    ExecResult,
    Executor,
    HookJob,
    SubprocessExecutor,
    hook_command,
)

if TYPE_CHECKING:
    from charms.reactive.juju import SubprocessHookTools
    from reactive_harness.tools import Reply

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


def _call_tool(
    job: HookJob, executor: InProcessExecutor, argv: list[str], cwd: str, stdin: bytes
) -> Reply:
    """Hand one tool call to the emulator; a killed hook's call raises, as SIGKILL would."""
    if executor.killed:
        raise HookKilledError(argv[0])
    reply = job.call_tool(argv, cwd, stdin)
    if reply is None:
        raise HookKilledError(argv[0])
    return reply


#: The hook running in-process now (its job and executor), read by the subprocess wrappers.
_ACTIVE: list[tuple[HookJob, InProcessExecutor]] = []
_WRAPPED = ("run", "call", "check_call", "check_output")
_STREAMS = (None, subprocess.PIPE, subprocess.DEVNULL)


def _tool_argv(args: Any, kwargs: dict[str, Any], job: HookJob) -> list[str] | None:
    """The argv (tool name first) of a hook-tool command, or ``None`` for anything else."""
    if job.tools_dir is None or kwargs.get("shell") or kwargs.get("executable"):
        return None
    if kwargs.get("stdin") not in _STREAMS or kwargs.get("stdout") not in _STREAMS:
        return None
    if kwargs.get("stderr") not in (*_STREAMS, subprocess.STDOUT):
        return None
    try:
        if isinstance(args, (str, bytes, os.PathLike)):
            argv = [os.fsdecode(args)]
        else:
            argv = [os.fsdecode(a) for a in args]
    except TypeError:
        return None
    if not argv:
        return None
    env = kwargs.get("env")
    found = shutil.which(argv[0], path=(env if env is not None else os.environ).get("PATH"))
    if found is None or os.path.dirname(found) != str(job.tools_dir):
        return None
    return [os.path.basename(argv[0]), *argv[1:]]


def _answer(
    job: HookJob,
    executor: InProcessExecutor,
    args: Any,
    argv: list[str],
    kwargs: dict[str, Any],
) -> subprocess.CompletedProcess[Any]:
    """Run one hook-tool command in-process; return what ``subprocess.run`` would."""
    text = bool(
        kwargs.get("text") or kwargs.get("universal_newlines") or kwargs.get("encoding")
        or kwargs.get("errors")
    )  # fmt: skip
    data = kwargs.get("input")
    stdin = data.encode(kwargs.get("encoding") or "utf-8") if isinstance(data, str) else data
    reply = _call_tool(job, executor, argv, str(kwargs.get("cwd") or os.getcwd()), stdin or b"")

    def decode(raw: bytes) -> str | bytes:
        if not text:
            return raw
        out = raw.decode(kwargs.get("encoding") or "utf-8", kwargs.get("errors") or "strict")
        return out.replace("\r\n", "\n").replace("\r", "\n")

    out: Any = None
    err: Any = None
    if kwargs.get("capture_output"):
        out, err = decode(reply.stdout), decode(reply.stderr)
    else:
        stdout, stderr = kwargs.get("stdout"), kwargs.get("stderr")
        raw_out = reply.stdout + (reply.stderr if stderr == subprocess.STDOUT else b"")
        if stdout == subprocess.PIPE:
            out = decode(raw_out)
        elif stdout is None:  # inherited: the hook's own output
            sys.stdout.write(raw_out.decode("utf-8", "replace"))
        if stderr == subprocess.PIPE:
            err = decode(reply.stderr)
        elif stderr is None:
            sys.stderr.write(reply.stderr.decode("utf-8", "replace"))
    return subprocess.CompletedProcess(args, reply.code, out, err)


def _wrap(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """``subprocess.<name>`` answering hook-tool commands of the running hook in-process."""

    def wrapper(*popenargs: Any, **kwargs: Any) -> Any:
        args: Any = popenargs[0] if popenargs else kwargs.get("args")
        argv = None
        if _ACTIVE and args is not None and len(popenargs) <= 1:
            argv = _tool_argv(args, kwargs, _ACTIVE[-1][0])
        if argv is None:
            return original(*popenargs, **kwargs)
        job, executor = _ACTIVE[-1]
        if name == "check_output":
            kwargs["stdout"] = subprocess.PIPE
        done = _answer(job, executor, args, argv, kwargs)
        if name == "call":
            return done.returncode
        if name == "run" and not kwargs.get("check"):
            return done
        if done.returncode:
            raise subprocess.CalledProcessError(done.returncode, args, done.stdout, done.stderr)
        return done.stdout if name == "check_output" else done if name == "run" else 0

    wrapper.__wrapped__ = original  # type: ignore[attr-defined]
    wrapper.__name__ = wrapper.__qualname__ = name
    return wrapper


@contextlib.contextmanager
def _charm_tool_calls(job: HookJob, executor: InProcessExecutor) -> Iterator[None]:
    """While the block runs, charm code's hook-tool commands are answered in-process.

    The wrappers stay correct if charm code bound one (``from subprocess import call``)
    during the hook: outside a hook they run the command as a process.
    """
    saved = {name: getattr(subprocess, name) for name in _WRAPPED}
    for name, function in saved.items():
        setattr(subprocess, name, _wrap(name, getattr(function, "__wrapped__", function)))
    _ACTIVE.append((job, executor))
    try:
        yield
    finally:
        _ACTIVE.pop()
        for name, function in saved.items():
            setattr(subprocess, name, function)


def _emulator_tools(job: HookJob, executor: InProcessExecutor) -> SubprocessHookTools:
    """The lib's own tool wrappers, with a runner that hands each command to the emulator."""
    from charms.reactive.juju import SubprocessHookTools, ToolResult

    def run(argv: Sequence[str], stdin: str | None) -> ToolResult:
        reply = _call_tool(job, executor, list(argv), str(job.charm_dir), (stdin or "").encode())
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
            with (
                contextlib.redirect_stdout(out),
                contextlib.redirect_stderr(err),
                _charm_tool_calls(job, self),
            ):
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
