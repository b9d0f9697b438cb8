"""``charms.layer.execd``: the ``exec.d`` convention, with layer-basic's function names.

An operator adds ``exec.d/<name>/charm-pre-install`` executables to the charm (branching
it, or as a layer on top of it) to prepare the machine before anything is installed:
network and proxy settings, apt sources, secrets, disks. The bootstrap of every hook runs
those that have not succeeded yet, in sorted order of ``<name>``, before it installs the
wheelhouse (``lib/reactive_bootstrap/_execd.py``), so a charm need not call anything here.

Each script runs at most once successfully: success leaves
``exec.d/.<name>_charm-pre-install.done`` (delete it to run the script again). A failure
fails the hook with the script's path, exit status and output, and sets the workload
status to blocked; the script runs again when the hook is retried. layer-basic instead
exited the hook with status 0 and the unit blocked, so later hooks ran on a machine the
operator had not finished preparing.

Importing this module imports only the standard library.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from reactive_bootstrap._execd import (
    EXECD_DIR,
    PRE_INSTALL,
    ExecdError,
    run_execd,
    scripts,
    sentinel,
)

__all__ = [
    "PRE_INSTALL",
    "ExecdError",
    "default_execd_dir",
    "execd_module_paths",
    "execd_preinstall",
    "execd_run",
    "execd_sentinel_path",
    "execd_submodule_paths",
]


def default_execd_dir() -> str:
    """Return the charm's ``exec.d`` (``$JUJU_CHARM_DIR``, ``$CHARM_DIR``, else this charm)."""
    charm = (
        os.environ.get("JUJU_CHARM_DIR")
        or os.environ.get("CHARM_DIR")
        or str(Path(__file__).absolute().parents[3])  # <charm>/lib/charms/layer/execd.py
    )
    return os.path.join(charm, EXECD_DIR)


def execd_module_paths(execd_dir: str | None = None) -> Iterator[str]:
    """Yield the subdirectories of ``execd_dir`` (default :func:`default_execd_dir`), sorted."""
    directory = Path(execd_dir or default_execd_dir())
    if not directory.is_dir():
        return
    for entry in sorted(directory.iterdir()):
        if entry.is_dir() and not entry.name.startswith("."):
            yield str(entry)


def execd_submodule_paths(command: str, execd_dir: str | None = None) -> Iterator[str]:
    """Yield ``<module>/<command>`` for every module of ``execd_dir`` with it executable."""
    for script in scripts(Path(execd_dir or default_execd_dir()), command):
        yield str(script)


def execd_sentinel_path(submodule_path: str) -> str:
    """Return the file that records that the script ``submodule_path`` succeeded."""
    return str(sentinel(Path(submodule_path)))


def execd_run(
    command: str,
    execd_dir: str | None = None,
    stop_on_error: bool = True,
    stderr: IO[str] | None = None,
) -> list[str]:
    """Run ``<module>/<command>`` for every module of ``execd_dir`` not yet run successfully.

    Args:
        command: The script name (``charm-pre-install``).
        execd_dir: Default :func:`default_execd_dir`.
        stop_on_error: Raise :class:`ExecdError` at the first failure; otherwise report
            each failure on ``stderr`` and go on.
        stderr: Where failures are reported without ``stop_on_error`` (default
            ``sys.stderr``).

    Returns:
        The scripts that ran successfully, in order.

    Raises:
        ExecdError: with ``stop_on_error``: the script's path, exit status and output.
    """
    directory = Path(execd_dir or default_execd_dir())
    with contextlib.redirect_stderr(stderr or sys.stderr):
        return [str(p) for p in run_execd(directory, command, stop_on_error=stop_on_error)]


def execd_preinstall(execd_dir: str | None = None) -> list[str]:
    """Run every pending ``charm-pre-install`` (the bootstrap already did, in hooks).

    Raises:
        ExecdError: the first script that failed: its path, exit status and output.
    """
    return execd_run(PRE_INSTALL, execd_dir=execd_dir)
