"""Make installed packages importable in this process and its subprocesses."""

from __future__ import annotations

import os
import site
import sys
from pathlib import Path

__all__ = ["activate", "prefer_stdlib_distutils", "prepend_env"]


def activate(target: Path, *, use_venv: bool = True) -> None:
    """Put an installed target first on ``sys.path`` (and its ``bin/`` first on ``PATH``).

    ``.pth`` files are processed by :func:`site.addsitedir`. Subprocesses find the venv's
    ``python3`` first on ``PATH``; for a ``--target`` directory ``PYTHONPATH`` is set.
    """
    if use_venv:
        version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
        site_dir = target / "lib" / version / "site-packages"
        prepend_env("PATH", str(target / "bin"))
        os.environ["VIRTUAL_ENV"] = str(target)
    else:
        site_dir = target
        prepend_env("PYTHONPATH", str(target))
    prefer_stdlib_distutils()
    before = list(sys.path)
    site.addsitedir(str(site_dir))
    added = [entry for entry in sys.path if entry not in before]
    if str(site_dir) in before and str(site_dir) not in added:
        added.insert(0, str(site_dir))
    sys.path[:] = added + [entry for entry in sys.path if entry not in added]


def prefer_stdlib_distutils() -> None:
    """On Python < 3.12, let ``import distutils`` load the standard library's copy.

    setuptools' ``.pth`` makes ``import distutils`` (charmhelpers.core.hookenv does it) load
    setuptools and pkg_resources: 0.1-0.5 s per hook. The stdlib copy exists until 3.12.
    Applied in every hook, whether or not the charm has a wheelhouse, because the hook's own
    interpreter may carry setuptools' ``.pth`` too. An explicit setting is respected.
    """
    if sys.version_info >= (3, 12):
        return
    os.environ.setdefault("SETUPTOOLS_USE_DISTUTILS", "stdlib")
    hack = sys.modules.get("_distutils_hack")  # the interpreter's own setuptools .pth
    remove_shim = getattr(hack, "remove_shim", None)
    if os.environ["SETUPTOOLS_USE_DISTUTILS"] == "stdlib" and callable(remove_shim):
        remove_shim()


def prepend_env(name: str, entry: str) -> None:
    """Put ``entry`` first in the ``os.pathsep``-separated variable ``name``, once."""
    parts = [p for p in os.environ.get(name, "").split(os.pathsep) if p and p != entry]
    os.environ[name] = os.pathsep.join([entry, *parts])
