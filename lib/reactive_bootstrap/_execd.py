"""The ``exec.d`` convention: operator scripts run before anything is installed.

An operator (or a layer on top of the charm) adds ``exec.d/<name>/charm-pre-install``
executables to the charm: proxy settings, apt sources, certificates, disk set-up that the
install itself needs. The bootstrap runs every such script that has not succeeded yet,
in sorted order of ``<name>``, before it reads the wheelhouse or runs apt-get, so in
practice once, in the first hook; a script added by an upgrade-charm runs in the next hook.

A script that succeeded leaves ``exec.d/.<name>_charm-pre-install.done`` (layer-basic's
name, so a unit upgraded from layer-basic does not run its scripts again); delete it to run
the script again. A script that fails stops the bootstrap: the hook fails with the script's
path, exit status and output, and runs the script again when the hook is retried.

Imported only when the charm has an ``exec.d`` directory.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from reactive_bootstrap._errors import BootstrapError

__all__ = ["EXECD_DIR", "PRE_INSTALL", "ExecdError", "pending_scripts", "run_execd", "scripts"]

#: The directory of the charm that holds the operator's scripts.
EXECD_DIR: Final = "exec.d"
#: The script name run before the first install.
PRE_INSTALL: Final = "charm-pre-install"
#: How much of a failed script's output the error quotes (its end).
_MAX_OUTPUT: Final = 8000


class ExecdError(BootstrapError):
    """An ``exec.d`` script failed (or could not be started).

    Attributes:
        script: The script's path.
        returncode: Its exit status (None when it could not be started).
        output: Its standard output and error, interleaved.
    """

    def __init__(self, script: Path, returncode: int | None, output: str) -> None:
        if returncode is None:
            message = f"cannot run {script}: {output}"
        else:
            tail = output if len(output) <= _MAX_OUTPUT else "..." + output[-_MAX_OUTPUT:]
            message = f"{script} failed (exit {returncode}); its output:\n{tail or '(none)'}"
        super().__init__(message, cmd=(str(script),), stderr=output)
        self.script = script
        self.returncode = returncode
        self.output = output


def scripts(execd_dir: Path, command: str = PRE_INSTALL) -> list[Path]:
    """Return ``<execd_dir>/<name>/<command>`` for every ``<name>`` that has it, sorted.

    Hidden directories and files that are not executable are skipped.
    """
    try:
        modules = sorted(execd_dir.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for module in modules:
        script = module / command
        if (
            not module.name.startswith(".")
            and module.is_dir()
            and script.is_file()
            and os.access(script, os.X_OK)
        ):
            found.append(script)
    return found


def sentinel(script: Path) -> Path:
    """Return the file whose existence records that ``script`` succeeded."""
    return script.parent.parent / f".{script.parent.name}_{script.name}.done"


def pending_scripts(execd_dir: Path, command: str = PRE_INSTALL) -> list[Path]:
    """Return :func:`scripts` that have not succeeded yet (no :func:`sentinel`)."""
    return [script for script in scripts(execd_dir, command) if not sentinel(script).exists()]


def run_execd(
    execd_dir: Path,
    command: str = PRE_INSTALL,
    *,
    stop_on_error: bool = True,
    env: Mapping[str, str] | None = None,
) -> list[Path]:
    """Run every pending ``<execd_dir>/*/<command>`` in sorted order; record each success.

    Each script runs with the charm directory (the parent of ``execd_dir``) as working
    directory and ``JUJU_CHARM_DIR``/``CHARM_DIR`` set; its output is captured and, on
    success, copied to our standard output (the unit's log in a hook).

    Args:
        execd_dir: The ``exec.d`` directory.
        command: The script name to run in each of its subdirectories.
        stop_on_error: Raise at the first failure (the default). Otherwise report each
            failure on standard error, run the other scripts, and raise nothing.
        env: The scripts' environment (default ``os.environ``).

    Returns:
        The scripts that ran successfully.

    Raises:
        ExecdError: with ``stop_on_error``, the first script that failed; the message has
            its path, exit status and output. Its workload status is set to blocked first
            when ``status-set`` is available.
    """
    execd_dir = execd_dir.absolute()
    charm_dir = execd_dir.parent
    run_env = dict(os.environ if env is None else env)
    run_env.setdefault("JUJU_CHARM_DIR", str(charm_dir))
    run_env.setdefault("CHARM_DIR", run_env["JUJU_CHARM_DIR"])
    succeeded: list[Path] = []
    for script in pending_scripts(execd_dir, command):
        try:
            proc = subprocess.run(
                [str(script)],
                cwd=charm_dir,
                env=run_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                check=False,
            )
            error = (
                None if proc.returncode == 0 else ExecdError(script, proc.returncode, proc.stdout)
            )
        except OSError as err:
            error = ExecdError(script, None, str(err))
        if error is None:
            if proc.stdout:
                sys.stdout.write(proc.stdout)
                sys.stdout.flush()
            sentinel(script).write_text(
                f"{script} ran successfully {time.ctime()}\n"
                "Removing this file will cause it to be run again\n",
                encoding="utf-8",
            )
            succeeded.append(script)
            continue
        relative = script.relative_to(charm_dir) if script.is_relative_to(charm_dir) else script
        _set_blocked(f"{relative} failed (exit {error.returncode}); see the unit log")
        if stop_on_error:
            raise error
        print(f"reactive_bootstrap: ERROR: {error}", file=sys.stderr)
    return succeeded


def _set_blocked(message: str) -> None:
    """Set the workload status to blocked, if ``status-set`` exists (in a hook); never fail."""
    tool = shutil.which("status-set")
    if tool is None:
        return
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run([tool, "blocked", message], capture_output=True, check=False, timeout=60)
