"""Assemble the benchmark's client charms for each framework, as charm-build would lay them out.

There is one client charm per relations API (:data:`CLIENTS`): ``relationbase``
(``bench/charms/client``) and ``endpoint`` (``bench/charms/client-endpoint``). Each has its
interface layer where charm-build puts it (``hooks/relations/benchdb/``) and gets the shared
modules of ``bench/charms/common/`` (the peak-memory recorder) in ``lib/``.

* ``ours``: a copy of the client charm plus this repository's ``lib/`` (``charms/reactive``
  and ``reactive_bootstrap/``) and one hook per standard hook and per
  ``<endpoint>-relation-{created,joined,changed,departed,broken}``, each the text of the layer's
  ``hooks/hook.template`` (what charm-build renders). There is no ``wheelhouse/``, so the
  bootstrap has nothing to install; the hooks' ``#!/usr/bin/env python3`` must resolve to an
  interpreter with charmhelpers and PyYAML (the benchmark puts the dev venv's ``bin/`` first
  on ``PATH``).
* ``reference``: the same copy with the same hook names, each a script run by the reference
  venv's python that puts ``lib/`` on ``sys.path`` and calls ``charms.reactive.main()`` (what
  layer-basic's hook does, minus its dependency bootstrap).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
CHARMS = REPO / "bench" / "charms"
CLIENT = CHARMS / "client"
SERVER = CHARMS / "server"
#: Modules every client charm gets in ``lib/`` (on ``sys.path`` in both frameworks' hooks).
COMMON = CHARMS / "common"
#: The client charm of each relations API the benchmark measures.
CLIENTS = {"relationbase": CLIENT, "endpoint": CHARMS / "client-endpoint"}
APIS = tuple(CLIENTS)

#: The hooks charm-build generates for every charm (plus the relation hooks below).
STANDARD_HOOKS = (
    "install",
    "config-changed",
    "start",
    "stop",
    "remove",
    "upgrade-charm",
    "update-status",
    "leader-elected",
    "leader-settings-changed",
    "leader-deposed",
    "collect-metrics",
    "pre-series-upgrade",
    "post-series-upgrade",
)
RELATION_HOOKS = ("created", "joined", "changed", "departed", "broken")

_REFERENCE_HOOK = """#!{python}
# The reference charm's hook: charms.reactive 1.5.3 from its own venv, no bootstrap.
import sys

sys.path.append("lib")

from charms.reactive import main  # noqa: E402

main()
"""


def hook_names(charm: Path) -> list[str]:
    """Return every hook name charm-build would generate for a charm's metadata.yaml."""
    meta = yaml.safe_load((charm / "metadata.yaml").read_text(encoding="utf-8"))
    names = list(STANDARD_HOOKS)
    for role in ("provides", "requires", "peers"):
        for endpoint in meta.get(role) or {}:
            names += [f"{endpoint}-relation-{event}" for event in RELATION_HOOKS]
    return names


def _write_hooks(charm: Path, text: str) -> None:
    hooks = charm / "hooks"
    hooks.mkdir(exist_ok=True)
    for name in hook_names(charm):
        path = hooks / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)


def _copy_client(dest: Path, api: str) -> Path:
    """Copy the ``api``'s client charm into ``dest`` (replaced), with the common modules."""
    if api not in CLIENTS:
        raise ValueError(f"unknown API {api!r}: one of {', '.join(APIS)}")
    shutil.rmtree(dest, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(CLIENTS[api], dest, ignore=ignore)
    shutil.copytree(COMMON, dest / "lib", ignore=ignore, dirs_exist_ok=True)
    return dest


def assemble_ours(dest: Path, api: str = "relationbase") -> Path:
    """Build the ``api``'s client charm on this layer into ``dest`` (replaced); return it."""
    _copy_client(dest, api)
    lib = dest / "lib"
    shutil.copytree(
        REPO / "lib" / "charms",
        lib / "charms",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    shutil.copytree(
        REPO / "lib" / "reactive_bootstrap",
        lib / "reactive_bootstrap",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    _write_hooks(dest, (REPO / "hooks" / "hook.template").read_text(encoding="utf-8"))
    return dest


def assemble_reference(dest: Path, python: Path, api: str = "relationbase") -> Path:
    """Build the ``api``'s client charm on charms.reactive 1.5.3 (run by ``python``)."""
    _copy_client(dest, api)
    _write_hooks(dest, _REFERENCE_HOOK.format(python=python))
    return dest
