"""An executor that runs reactive hooks inside the test process (for the lifecycle fuzzer).

The emulator has no in-process executor yet, so this one lives with the reliability tests.
It runs ``charms.reactive.main()`` inside ``runtime.activate(Runtime(...))`` with hook tools
that call the emulator's ``call_tool`` directly (no socket, no process): the same tool code,
the same staging and commit-on-success, ~50x cheaper than a subprocess per hook.

Only hook files that call ``charms.reactive.main()`` run in-process; anything else (shell
hooks, ``juju exec`` commands, actions) goes to a :class:`SubprocessExecutor`. A ``kill``
fault cannot be emulated in-process (the SIGKILL must not let ``main()`` roll back), so the
fault-injection tests use the subprocess executor.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from charms.reactive import handlers, runtime
from charms.reactive.errors import HookToolError
from charms.reactive.juju import HookContext, SubprocessHookTools

from reactive_harness import ExecResult, HookJob, SubprocessExecutor
from reactive_harness.executor import hook_command

MARKER = "charms.reactive.main()"


class _Killed(BaseException):
    """Raised in-process where a subprocess would have been killed."""


class _CallTools(SubprocessHookTools):
    """The real tool wrappers, with ``_run`` going straight to the emulator."""

    def __init__(self, job: HookJob) -> None:
        self._job = job

    def _run(self, *args: str, stdin: str | None = None, parse: bool = True) -> Any:
        reply = self._job.call_tool(list(args), str(self._job.charm_dir), (stdin or "").encode())
        if reply is None:
            raise _Killed()
        out, err = reply.stdout.decode(), reply.stderr.decode()
        if reply.code != 0:
            raise HookToolError(args, reply.code, err, out)
        if not parse or not out.strip():
            return None
        try:
            return json.loads(out)
        except ValueError:
            raise HookToolError(args, 0, f"output is not JSON: {out[:200]!r}", out) from None


class InProcessExecutor:
    """Run reactive hooks in this process; delegate everything else to subprocesses."""

    def __init__(self) -> None:
        self._fallback = SubprocessExecutor()
        self.in_process = 0

    def kill(self) -> None:
        self._fallback.kill()

    def run(self, job: HookJob) -> ExecResult:
        command = hook_command(job)
        if command is None:
            return ExecResult(exit_code=None)
        path = Path(command[0])
        if job.command is not None or job.action or not _is_reactive(path):
            return self._fallback.run(job)
        self.in_process += 1
        start = time.perf_counter()
        saved_env, saved_cwd, saved_path = dict(os.environ), os.getcwd(), list(sys.path)
        saved_modules = set(sys.modules)
        out, err = io.StringIO(), io.StringIO()
        code = 0
        os.environ.clear()
        os.environ.update(job.env)
        os.chdir(job.charm_dir)
        try:
            ctx = HookContext.from_environ(job.env, argv0=str(path))
            rt = runtime.Runtime(ctx, _CallTools(job))
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    with handlers.use_registry(handlers.Registry()), runtime.activate(rt):
                        from charms.reactive import main

                        main()
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                except BaseException:  # noqa: BLE001 -- a hook's failure is its exit code
                    traceback.print_exc()
                    code = 1
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
            os.chdir(saved_cwd)
            sys.path[:] = saved_path
            for name in set(sys.modules) - saved_modules:
                module = sys.modules[name]
                if str(getattr(module, "__file__", "") or "").startswith(str(job.charm_dir)):
                    del sys.modules[name]
            _close_kv()
        return ExecResult(code, out.getvalue(), err.getvalue(), time.perf_counter() - start)


def _is_reactive(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _close_kv() -> None:
    unitdata = sys.modules.get("charmhelpers.core.unitdata")
    if unitdata is None or unitdata._KV is None:
        return
    with contextlib.suppress(Exception):
        unitdata._KV.conn.close()
    unitdata._KV = None
