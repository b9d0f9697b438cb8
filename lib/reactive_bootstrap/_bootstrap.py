"""The entry points generated hooks call: :func:`bootstrap` and :func:`ensure_ready`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from reactive_bootstrap._charm_env import ensure_charm_env
from reactive_bootstrap._digest import cached_digest, distributions, marker_digest
from reactive_bootstrap._env import activate, prefer_stdlib_distutils, prepend_env
from reactive_bootstrap._errors import BootstrapError
from reactive_bootstrap._options import read_layer_options, target_dir

#: The charm's directory of operator scripts (kept in sync with ``_execd.EXECD_DIR``,
#: which is imported only when the directory exists).
EXECD_DIR = "exec.d"

__all__ = ["bootstrap", "ensure_ready"]


def bootstrap(charm_dir: str | os.PathLike[str] | None = None) -> None:
    """Make the charm's dependencies importable, installing them first if needed.

    This is what generated hooks call. On failure it prints the error to stderr and
    exits with status 1, so Juju shows a failed hook with pip's explanation.

    Args:
        charm_dir: The charm directory; default ``$CHARM_DIR``, else the parent of ``lib/``.
    """
    try:
        ensure_ready(charm_dir)
    except BootstrapError as err:
        print(f"reactive_bootstrap: {err}", file=sys.stderr)
        raise SystemExit(1) from None


def ensure_ready(charm_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """Install (if needed) and activate the charm's dependencies.

    Args:
        charm_dir: The charm directory; default ``$CHARM_DIR``, else the parent of ``lib/``.

    Returns:
        The activated target directory, or None when the charm has nothing to install.

    Raises:
        BootstrapError: an ``exec.d`` pre-install script failed (the message names it and
            quotes its output), the layer options are malformed, or apt-get, venv creation
            or pip failed (the message names the package and quotes the tool's stderr).
    """
    root = _charm_dir(charm_dir)
    prefer_stdlib_distutils()
    execd = root / EXECD_DIR
    if execd.is_dir():  # operators' pre-install scripts: before anything else (once each)
        from reactive_bootstrap._execd import run_execd

        run_execd(execd)
    prepend_env("PATH", str(root / "bin"))
    ensure_charm_env(root)
    options = read_layer_options(root)
    wheelhouse = root / "wheelhouse"
    dists = distributions(wheelhouse) if wheelhouse.is_dir() else []
    if not (dists or options.packages or options.python_packages):
        return None
    digest = cached_digest(root, dists, options)
    target = target_dir(root, options).resolve()
    if marker_digest(target) != digest:
        from reactive_bootstrap._install import rebuild  # the first hook only: subprocess etc.

        rebuild(target, wheelhouse, dists, options, digest)
    activate(target, use_venv=options.use_venv)
    return target


def _charm_dir(charm_dir: str | os.PathLike[str] | None) -> Path:
    if charm_dir is not None:
        return Path(charm_dir).absolute()
    if os.environ.get("CHARM_DIR"):
        return Path(os.environ["CHARM_DIR"]).absolute()
    return Path(__file__).absolute().parents[2]  # lib/reactive_bootstrap/_bootstrap.py
