"""Build the install target: apt packages, the venv (or a ``--target`` dir), the wheelhouse.

Imported only when a hook finds the target missing or out of date (the first hook, and
the first after an upgrade-charm that changed the wheelhouse), so that every other hook
pays for none of ``subprocess``, ``shutil`` or ``fcntl``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final

from reactive_bootstrap._digest import MARKER_NAME, dist_name, marker_digest
from reactive_bootstrap._errors import BootstrapError
from reactive_bootstrap._options import LayerOptions

__all__ = ["BUILD_BACKENDS", "LOCK_NAME", "rebuild"]

#: In the target: the lock file that serialises builds (units may share one target).
LOCK_NAME: Final = ".reactive-bootstrap.lock"
#: Build back-ends installed before the rest when the wheelhouse holds sdists, in this order.
BUILD_BACKENDS: Final = ("setuptools", "flit_core", "wheel", "pbr")
_CULPRIT_PATTERNS: Final = (
    r"No matching distribution found for (\S+)",
    r"satisfies the requirement (\S+)",
    r"Failed to build (\S+)",
    r"Unable to locate package (\S+)",
    r"Could not build wheels for (\S+)",
)


def rebuild(
    target: Path,
    wheelhouse: Path,
    distributions: Sequence[Path],
    options: LayerOptions,
    digest: str,
) -> None:
    """Build ``target`` (already resolved) for ``digest`` unless another process just did.

    Runs under an exclusive ``flock`` on a lock file in the target: empties it (a symlink
    to a shared directory is followed, never replaced), runs ``apt-get install`` for the
    ``packages`` option if it is not empty (retried while the dpkg lock is held), creates
    the venv or ``--target`` directory, installs every distribution of the wheelhouse
    offline, then ``python_packages``, and writes the marker last, so an interrupted build
    is redone by the next hook.

    Raises:
        BootstrapError: apt-get, venv creation or pip failed; the message names the
            package and quotes the tool's stderr.
    """
    target.mkdir(parents=True, exist_ok=True)
    with _locked(target / LOCK_NAME):
        if marker_digest(target) == digest:  # another unit built it meanwhile
            return
        _clear(target)
        _build(target, wheelhouse, distributions, options)
        marker = {"digest": digest, "wheelhouse": [p.name for p in distributions]}
        (target / MARKER_NAME).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")


def _build(
    target: Path, wheelhouse: Path, distributions: Sequence[Path], options: LayerOptions
) -> None:
    if options.packages:
        from reactive_bootstrap._apt import run_apt_get

        run_apt_get(
            ["install", "--yes", "--no-install-recommends", *options.packages],
            packages=options.packages,
        )
    if options.use_venv:
        venv_cmd = [_base_python(), "-m", "venv"]
        if options.include_system_packages:
            venv_cmd.append("--system-site-packages")
        # ensurepip costs ~3 s; when this interpreter has a pip that can target another
        # one (pip >= 22.3, "--python"), the venv is made without pip and driven by it.
        outer_pip = _outer_pip()
        if outer_pip:
            venv_cmd.append("--without-pip")
        _run([*venv_cmd, str(target)], what=f"the virtualenv {target}")
        venv_python = str(target / "bin" / "python3")
        pip = [*outer_pip, "--python", venv_python] if outer_pip else [venv_python, "-m", "pip"]
        install = [*pip, "install"]
    else:
        pip = [_base_python(), "-m", "pip"]
        install = [*pip, "install", "--target", str(target), "--upgrade"]
    offline = [*install, "--no-index", "--find-links", str(wheelhouse)]
    _install_wheelhouse(offline, distributions)
    if options.python_packages:
        _run(
            [*install, "--find-links", str(wheelhouse), *options.python_packages],
            what=", ".join(options.python_packages),
            env=os.environ,
        )
    from reactive_bootstrap._shadow import remove_wheelhouse_reactive

    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    site_dir = target / "lib" / version / "site-packages" if options.use_venv else target
    for removed in remove_wheelhouse_reactive(site_dir):
        _juju_log(
            f"reactive_bootstrap: {removed} from the wheelhouse is not used: this layer "
            "provides charms.reactive (lib/charms/reactive), which always wins"
        )


def _install_wheelhouse(offline: list[str], distributions: Sequence[Path]) -> None:
    if not distributions:
        return
    quiet = ["--quiet", "--disable-pip-version-check", "--no-input", "--no-cache-dir"]
    if all(path.name.endswith(".whl") for path in distributions):
        _run([*offline, *quiet, *map(str, distributions)], what=_names(distributions))
        return
    # sdists: install the build back-ends first (their own builds need nothing else), then
    # build the rest against them, as the unit has no index to fetch build requirements.
    backends = [
        path for name in BUILD_BACKENDS for path in distributions if dist_name(path) == name
    ]
    for path in backends:
        _run([*offline, *quiet, str(path)], what=_names([path]))
    rest = [path for path in distributions if path not in backends]
    if rest:
        cmd = [*offline, *quiet, "--no-build-isolation", *map(str, rest)]
        _run(cmd, what=_names(rest))


def _run(cmd: list[str], *, what: str, env: Mapping[str, str] | None = None) -> None:
    """Run one installer command; on failure raise BootstrapError naming the package."""
    if env is None:  # offline pip: ignore the machine's pip configuration (indexes, caches)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        env["PIP_CONFIG_FILE"] = os.devnull
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(env), check=False)
    except OSError as err:
        raise BootstrapError(f"cannot run {cmd[0]} to install {what}: {err}", cmd=cmd) from None
    if proc.returncode != 0:
        stderr = proc.stderr.strip() or proc.stdout.strip()
        culprit = _culprit(stderr) or what
        raise BootstrapError(
            f"cannot install {culprit} (exit {proc.returncode}: {' '.join(cmd[:4])} ...):\n"
            f"{stderr}",
            cmd=cmd,
            stderr=stderr,
        )


def _culprit(stderr: str) -> str | None:
    for pattern in _CULPRIT_PATTERNS:
        match = re.search(pattern, stderr)
        if match:
            return match.group(1)
    return None


def _clear(target: Path) -> None:
    """Empty ``target`` (already resolved) but keep it, its lock file and any symlink to it."""
    for child in target.iterdir():
        if child.name == LOCK_NAME:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _base_python() -> str:
    """Return the interpreter to build with: the base one, even when run from a venv."""
    if sys.prefix != sys.base_prefix:
        return getattr(sys, "_base_executable", None) or sys.executable
    return sys.executable


def _outer_pip() -> list[str]:
    """Return ``[python, -m, pip]`` if this interpreter has pip >= 22.3, else []."""
    try:
        from importlib.metadata import version

        parts = version("pip").split(".")[:2]
        if (int(parts[0]), int(parts[1])) >= (22, 3):
            return [sys.executable, "-m", "pip"]
    except (ImportError, ValueError, IndexError):
        pass
    return []


def _juju_log(message: str) -> None:
    """One line to the unit's log (``juju-log``), or to stderr outside a hook."""
    if shutil.which("juju-log"):
        with contextlib.suppress(OSError):
            if subprocess.run(["juju-log", "-l", "INFO", message], check=False).returncode == 0:
                return
    print(message, file=sys.stderr)


def _names(distributions: Sequence[Path]) -> str:
    return ", ".join(path.name for path in distributions)
