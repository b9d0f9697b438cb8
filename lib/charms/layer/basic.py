"""``charms.layer.basic``: layer-basic's functions, on this layer's bootstrap.

Layers and charms written for layer-basic call these; each maps onto what this layer
already does (``lib/reactive_bootstrap/``, and ``charms.reactive.main()`` for the config
flags):

=============================  ==============================================================
``activate_venv()``            make the charm's venv importable in this process (building it
                               if the first hook has not), then :func:`import_layer_libs
                               <charms.layer.import_layer_libs>`; no re-execution
``bootstrap_charm_deps()``     the same (what layer-basic's hooks call first)
``apt_install(packages)``      ``apt-get install``, non-interactive, retried while the dpkg
                               lock is held; :class:`AptInstallError` names the package
``get_series()``               ``"ubuntu22.04"``: ``ID`` and ``VERSION_ID`` of os-release,
                               as layer-basic returns it
``lsb_release()``              ``/etc/lsb-release`` as a dict
``init_config_states()``,      no-ops: ``charms.reactive.main()`` sets and clears the
``clear_config_states()``      ``config.*`` flags itself (README, difference 43)
``install_or_update_charm_``   install ``bin/charm-env`` as ``/usr/local/sbin/charm-env``
``env()``                      (the bootstrap does it in every hook of a deployed unit)
``reload_interpreter(py)``     ``exec`` ``py`` on this script; never needed here
=============================  ==============================================================

Importing this module imports only the standard library.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final, NoReturn

__all__ = [
    "AptInstallError",
    "activate_venv",
    "apt_install",
    "bootstrap_charm_deps",
    "charm_dir",
    "clear_config_states",
    "get_series",
    "init_config_states",
    "install_or_update_charm_env",
    "lsb_release",
    "reload_interpreter",
]

#: The options ``apt_install`` gives apt-get before ``install`` (layer-basic's: keep the
#: configuration files the machine has, answer yes).
APT_INSTALL_ARGS: Final = ("--option=Dpkg::Options::=--force-confold", "--assume-yes", "install")


class AptInstallError(subprocess.CalledProcessError):
    """``apt-get install`` failed for good (a :class:`subprocess.CalledProcessError`).

    ``str()`` names the package and quotes apt-get's error output.

    Attributes:
        package: The package apt-get complained about, or the ones requested.
    """

    def __init__(
        self, returncode: int, cmd: Sequence[str], stderr: str, package: str, message: str
    ) -> None:
        super().__init__(returncode, list(cmd), output="", stderr=stderr)
        self.package = package
        self.message = message

    def __str__(self) -> str:
        return self.message


def charm_dir() -> Path:
    """Return the charm directory: ``$JUJU_CHARM_DIR``, ``$CHARM_DIR``, else this charm's."""
    return Path(
        os.environ.get("JUJU_CHARM_DIR")
        or os.environ.get("CHARM_DIR")
        or Path(__file__).absolute().parents[3]  # <charm>/lib/charms/layer/basic.py
    ).absolute()


def activate_venv() -> None:
    """Make the charm's Python dependencies importable in this process, as hooks have them.

    For actions and scripts written for layer-basic::

        import sys
        sys.path.append("lib")
        from charms.layer.basic import activate_venv
        activate_venv()

    Runs the bootstrap the hooks run (``reactive_bootstrap.bootstrap``): it installs the
    wheelhouse if no hook has yet, then puts the venv first on ``sys.path`` and its
    ``bin/`` first on ``PATH``. Unlike layer-basic, the process is not re-executed under
    the venv's interpreter. Then every layer library is imported, as layer-basic does.

    A bootstrap failure prints its reason on standard error and exits with status 1.
    """
    import reactive_bootstrap  # stdlib only, shipped beside this package
    from charms import layer

    reactive_bootstrap.bootstrap(charm_dir())
    layer.patch_options_interface()
    layer.import_layer_libs()


def bootstrap_charm_deps() -> None:
    """Set up the charm's dependencies and activate them: :func:`activate_venv`.

    What layer-basic's hooks call first; this layer's hooks call the bootstrap themselves,
    so a charm's own hook file written for layer-basic works unchanged. The ``exec.d``
    pre-install scripts run first, inside the bootstrap.
    """
    activate_venv()


def reload_interpreter(python: str) -> NoReturn:
    """Replace this process with ``python`` running the same script and arguments.

    layer-basic needed it to switch to the venv's interpreter; this layer activates the
    venv in the running process, so nothing here calls it.
    """
    os.execve(python, [python, *sys.argv], os.environ)


def apt_install(
    packages: str | bytes | Iterable[str], *, attempts: int = 3, retry_delay: float = 5.0
) -> None:
    """Install Debian packages with ``apt-get``, as a hook must.

    ``DEBIAN_FRONTEND=noninteractive`` and ``LANG=C.UTF-8`` unless set, the machine's
    configuration files kept (``--force-confold``). While another process holds the dpkg
    lock (unattended-upgrades on a new machine, a hook of another unit) it waits
    ``retry_delay`` seconds and retries; any other failure is retried once after an
    ``apt-get update``. Nothing to install: apt-get is not run.

    Args:
        packages: A package name or names (``"jq"``, ``["jq", "curl=7.*"]``).
        attempts: How many times apt-get may run in all.
        retry_delay: Seconds between attempts.

    Raises:
        AptInstallError: apt-get failed for good; ``str()`` names the package and quotes
            apt-get's error output. It is a ``subprocess.CalledProcessError`` (layer-basic
            raised that).
        FileNotFoundError: there is no apt-get on this machine.
    """
    from reactive_bootstrap._apt import AptError, run_apt_get

    if isinstance(packages, bytes):
        packages = packages.decode()
    names = [packages] if isinstance(packages, str) else [str(p) for p in packages]
    if not names:
        return
    try:
        run_apt_get(
            [*APT_INSTALL_ARGS, *names], packages=names, attempts=attempts, delay=retry_delay
        )
    except AptError as err:
        if err.returncode is None:
            raise FileNotFoundError(str(err)) from None
        raise AptInstallError(err.returncode, err.cmd, err.stderr, err.package, str(err)) from None


def get_series(root: str | os.PathLike[str] = "/") -> str:
    """Return the operating system and its version as layer-basic does: ``"ubuntu22.04"``.

    ``ID`` and ``VERSION_ID`` of ``/etc/os-release`` run together; without it,
    ``"centos<major>"`` from ``/etc/redhat-release``, else ``DISTRIB_CODENAME`` of
    ``/etc/lsb-release`` (``"jammy"``), else ``"unknown"``.

    Args:
        root: The file system root to read ``etc/`` under (tests pass a directory).
    """
    etc = Path(root) / "etc"
    os_release = _read_key_values(etc / "os-release")
    if os_release is not None:
        return os_release.get("ID", "") + os_release.get("VERSION_ID", "")
    try:
        redhat = (etc / "redhat-release").read_text(encoding="utf-8", errors="replace")
    except OSError:
        redhat = None
    if redhat is not None:
        version = redhat.split(" release ", 1)[1].split() if " release " in redhat else []
        major = version[0].split(".")[0] if version else ""
        return f"centos{major}" if major.isdigit() else "unknown"
    lsb = _read_key_values(etc / "lsb-release")
    if lsb is not None and lsb.get("DISTRIB_CODENAME"):
        return lsb["DISTRIB_CODENAME"]
    return "unknown"


def lsb_release(root: str | os.PathLike[str] = "/") -> dict[str, str]:
    """Return ``/etc/lsb-release`` as a dict (``DISTRIB_CODENAME``, ...).

    Raises:
        FileNotFoundError: the machine has no ``/etc/lsb-release``.
    """
    path = Path(root) / "etc" / "lsb-release"
    values = _read_key_values(path)
    if values is None:
        raise FileNotFoundError(f"no {path} on this machine")
    return values


def init_config_states() -> None:
    """Do nothing: ``charms.reactive.main()`` manages layer-basic's ``config.*`` flags.

    In every hook whose charm has a handler, trigger or executable handler that names a
    ``config.`` flag, ``main()`` sets ``config.changed[.<option>]``, ``config.set.<option>``
    and ``config.default.<option>`` before the dispatch and clears ``config.changed*`` at
    the end (README, difference 43). A charm's own hook file written for layer-basic calls
    this before ``main()``; doing it here as well would compare the config twice.
    """


def clear_config_states() -> None:
    """Do nothing: ``charms.reactive.main()`` clears ``config.changed*`` at the hook's end.

    See :func:`init_config_states`. ``config.set.*`` and ``config.default.*`` follow the
    current values and stay set between hooks.
    """


def install_or_update_charm_env() -> Path | None:
    """Install the charm's ``bin/charm-env`` as ``/usr/local/sbin/charm-env`` if it differs.

    The directory is ``$CHARM_ENV_INSTALL_DIR`` when that is set. The bootstrap does this
    in every hook of a unit deployed by Juju (and only warns when it cannot); this function
    is for charms that call it themselves, and raises instead.

    Returns:
        The path written, or None when it was already up to date (or the installation is
        disabled by an empty ``$CHARM_ENV_INSTALL_DIR``).

    Raises:
        reactive_bootstrap.BootstrapError: it cannot be written; the message names the path.
    """
    import reactive_bootstrap

    explicit = os.environ.get(reactive_bootstrap.CHARM_ENV_DIR_VAR)
    if explicit == "":
        return None
    install_dir = Path(explicit) if explicit else reactive_bootstrap.CHARM_ENV_DEFAULT_DIR
    return reactive_bootstrap.install_charm_env(charm_dir(), install_dir)


def _read_key_values(path: Path) -> dict[str, str] | None:
    """Read a ``KEY=value`` file (os-release, lsb-release; shell quoting); None if absent."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, raw = line.partition("=")
        try:
            words = shlex.split(raw, comments=False)
        except ValueError:  # unbalanced quotes: keep the text as it is
            words = [raw.strip("\"'")]
        values[key.strip()] = " ".join(words)
    return values
