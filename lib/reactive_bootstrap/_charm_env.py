"""Install ``bin/charm-env`` as ``/usr/local/sbin/charm-env`` for actions and operators.

Actions written for layer-basic start with ``#!/usr/local/sbin/charm-env python3``: the
script finds the unit's charm and venv and runs the interpreter in them. The bootstrap
installs the layer's copy in every hook where it is missing or differs (a copy from
another charm on the machine, an upgrade), atomically (a temporary file renamed over it).

Where:

* ``$CHARM_ENV_INSTALL_DIR`` when set; set but empty disables the installation;
* otherwise ``/usr/local/sbin``, but only for a charm deployed by a Juju agent, i.e. whose
  directory is under ``/var/lib/juju/``: a charm run by a test harness or by hand never
  writes to the machine's ``/usr/local/sbin``.

A failure (not root, a read-only ``/usr/local``) does not fail the hook: hooks do not use
charm-env, only actions and operators do. It is reported on standard error (the unit's
log) as a WARNING naming the path, in every hook until it is fixed.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Final

from reactive_bootstrap._errors import BootstrapError

__all__ = [
    "CHARM_ENV_DEFAULT_DIR",
    "CHARM_ENV_DIR_VAR",
    "CHARM_ENV_NAME",
    "charm_env_install_dir",
    "ensure_charm_env",
    "install_charm_env",
]

CHARM_ENV_NAME: Final = "charm-env"
#: Where layer-basic installs it, and where actions' ``#!`` lines look for it.
CHARM_ENV_DEFAULT_DIR: Final = Path("/usr/local/sbin")
#: Overrides the directory; an empty value disables the installation.
CHARM_ENV_DIR_VAR: Final = "CHARM_ENV_INSTALL_DIR"
#: Charms deployed by a Juju agent live under this directory (``agents/unit-*/charm``).
JUJU_DATA_DIR: Final = Path("/var/lib/juju")


def charm_env_install_dir(charm_dir: Path) -> Path | None:
    """Return where this charm installs charm-env, or None for nowhere (see the module)."""
    explicit = os.environ.get(CHARM_ENV_DIR_VAR)
    if explicit is not None:
        return Path(explicit) if explicit else None
    if charm_dir.absolute().is_relative_to(JUJU_DATA_DIR):
        return CHARM_ENV_DEFAULT_DIR
    return None


def install_charm_env(charm_dir: Path, install_dir: Path) -> Path | None:
    """Copy ``<charm_dir>/bin/charm-env`` to ``<install_dir>/charm-env`` if it differs.

    Returns:
        The installed path, or None when it was already identical (or the charm has no
        ``bin/charm-env``).

    Raises:
        BootstrapError: the file cannot be written; the message names the path.
    """
    source = charm_dir / "bin" / CHARM_ENV_NAME
    target = install_dir / CHARM_ENV_NAME
    try:
        content = source.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise BootstrapError(f"cannot read {source}: {err.strerror or err}") from None
    with contextlib.suppress(OSError):
        if (
            target.stat().st_size == len(content)
            and target.read_bytes() == content
            and os.access(target, os.X_OK)
        ):
            return None
    temporary = install_dir / f".{CHARM_ENV_NAME}.{os.getpid()}.tmp"
    try:
        install_dir.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(content)
        temporary.chmod(0o755)
        temporary.replace(target)
    except OSError as err:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise BootstrapError(
            f"cannot install {target}: {err.strerror or err} (hooks run as root under Juju; "
            f"set {CHARM_ENV_DIR_VAR} to a writable directory, or to an empty value to skip it)"
        ) from None
    return target


def ensure_charm_env(charm_dir: Path) -> Path | None:
    """Install charm-env where :func:`charm_env_install_dir` says; warn instead of failing.

    Returns:
        The installed path if it was (re)written, else None.
    """
    install_dir = charm_env_install_dir(charm_dir)
    if install_dir is None:
        return None
    try:
        return install_charm_env(charm_dir, install_dir)
    except BootstrapError as err:
        print(
            f"reactive_bootstrap: WARNING: {err}; actions starting with "
            f"'#!{install_dir / CHARM_ENV_NAME} python3' will not run",
            file=sys.stderr,
        )
        return None
