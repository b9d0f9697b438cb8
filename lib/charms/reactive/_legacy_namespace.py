"""``charmhelpers.core.reactive``: the name charms.reactive had in 2015, still in old layers.

Layers written before charms.reactive left charmhelpers import ``from
charmhelpers.core.reactive import hook, when, RelationBase, scopes`` (and its ``relations``,
``bus``, ``helpers``, ... submodules). charmhelpers no longer ships that package. Rather than
edit the installed charmhelpers, :func:`install` puts an import finder first on
``sys.meta_path`` that serves ``charmhelpers.core.reactive[.<x>]`` as the very module objects
``charms.reactive[.<x>]``, so both names give the same functions, classes and flags (a real
``charmhelpers.core.reactive``, should an old charmhelpers have one, is not used).

Installed (once per process) by handler discovery and by the relation lookup, before they
import the charm's modules; nothing happens at import of this module.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Final, cast

if TYPE_CHECKING:
    import importlib.abc

__all__ = ["ALIAS", "install"]

#: The old name, and the package it stands for.
ALIAS: Final = "charmhelpers.core.reactive"
TARGET: Final = "charms.reactive"


class _AliasLoader:
    """Loads an alias as the already imported (or now imported) target module.

    (A loader and a finder by protocol: subclassing ``importlib.abc`` would cost
    ``import charms.reactive`` milliseconds of imports.)
    """

    def __init__(self, target: str) -> None:
        self._target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self._target)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the target module is complete."""


class _AliasFinder:
    """Finds ``charmhelpers.core.reactive[.<x>]`` as ``charms.reactive[.<x>]``."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        import importlib.util

        real = TARGET + fullname[len(ALIAS) :]
        if importlib.util.find_spec(real) is None:
            return None  # no such submodule: the usual ModuleNotFoundError names the alias
        is_package = real == TARGET or hasattr(importlib.import_module(real), "__path__")
        return importlib.machinery.ModuleSpec(
            fullname, cast("importlib.abc.Loader", _AliasLoader(real)), is_package=is_package
        )


def install() -> None:
    """Serve ``charmhelpers.core.reactive`` from ``charms.reactive`` in this process."""
    if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())
