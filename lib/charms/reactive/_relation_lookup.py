"""Finding the class that implements a relation: metadata.yaml, then the interface layer.

A relation's role and interface come from ``metadata.yaml``; the implementation is the one
leaf :class:`RelationFactory` subclass of the interface layer's role file, which charm-build
puts in ``hooks/relations/<interface>/<role>.py`` (roles ``provides``, ``requires``, ``peers``).
Classes are cached per hook on a :class:`RelationLookup` held by the hook's runtime, never on a
class.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from charms.reactive import _legacy_namespace, _runtime
from charms.reactive._runtime import Runtime
from charms.reactive.errors import RelationImplementationError

__all__ = ["RelationFactory", "RelationLookup", "lookup"]

_SCRATCH: Final = "charms.reactive._relation_lookup"


class RelationFactory:
    """Base of the classes that implement relations (:class:`RelationBase` in this project).

    A subclass found in an interface layer's role file is asked for instances through these
    class methods.
    """

    @classmethod
    def from_name(cls, relation_name: str) -> Any:
        """Return the object handling ``relation_name`` in the current hook, or None."""
        raise NotImplementedError

    @classmethod
    def from_flag(cls, flag: str) -> Any:
        """Return the object a flag refers to, or None."""
        raise NotImplementedError


class RelationLookup:
    """Relation name → implementing class, for one charm directory (cached)."""

    def __init__(self, rt: Runtime) -> None:
        """Look relations up in the charm of ``rt`` (its metadata.yaml and charm dir)."""
        self._rt = rt
        self._classes: dict[str, type[RelationFactory] | None] = {}

    def _candidates(self, role: str, interface: str) -> list[tuple[str, list[Path]]]:
        """Module names to try, with the files that would provide them (1.x order)."""
        charm = self._rt.context.charm_dir
        rel = Path("relations", interface)
        files = [Path(role + ".py"), Path(role, "__init__.py")]
        return [
            (
                f"reactive.relations.{interface}.{role}",
                [charm / "reactive" / rel / f for f in files]
                + [charm / "hooks" / "reactive" / rel / f for f in files],
            ),
            (f"relations.{interface}.{role}", [charm / "hooks" / rel / f for f in files]),
        ]

    def _module(self, role: str, interface: str) -> tuple[ModuleType, Path] | None:
        for name, files in self._candidates(role, interface):
            present = [f for f in files if f.is_file()]
            module = sys.modules.get(name)
            if module is not None:
                return module, Path(getattr(module, "__file__", None) or name)
            if present:
                # The same search path bus discovery uses, so the module is imported once,
                # under the same name. Errors inside the module propagate as they are.
                charm = self._rt.context.charm_dir
                for entry in (str(charm), str(charm / "hooks")):
                    if entry not in sys.path:
                        sys.path.append(entry)
                _legacy_namespace.install()  # interface layers of 2015 use the old name
                return importlib.import_module(name), present[0]
        return None

    def find(self, relation_name: str) -> type[RelationFactory] | None:
        """Return the class implementing ``relation_name``, or None.

        None when the relation is not in metadata.yaml or its interface layer has no role
        file (a relation handled without an interface layer).

        Raises:
            RelationImplementationError: The role file defines several implementation classes.
            MetadataError: metadata.yaml is missing or malformed.
            Exception: Whatever importing the interface layer raised, unchanged.
        """
        if relation_name in self._classes:
            return self._classes[relation_name]
        found: type[RelationFactory] | None = None
        endpoint = self._rt.metadata.endpoints.get(relation_name)
        if endpoint is not None:
            located = self._module(endpoint.role, endpoint.interface)
            if located is not None:
                found = self._leaf(relation_name, *located)
        self._classes[relation_name] = found
        return found

    def _leaf(
        self, relation_name: str, module: ModuleType, path: Path
    ) -> type[RelationFactory] | None:
        classes: list[type[RelationFactory]] = []
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, RelationFactory)
                and not obj.__module__.startswith("charms.reactive.")
                and obj not in classes
            ):
                classes.append(obj)
        leaves = [c for c in classes if not any(o is not c and issubclass(o, c) for o in classes)]
        if len(leaves) > 1:
            own = [c for c in leaves if c.__module__ == module.__name__]
            leaves = own or leaves
        if len(leaves) > 1:
            names = ", ".join(sorted(c.__qualname__ for c in leaves))
            raise RelationImplementationError(
                relation_name, f"{path} defines several relation classes ({names}); keep one"
            )
        if not leaves:
            self._rt.tools.juju_log(
                f"relation {relation_name!r}: {path} defines no RelationBase subclass", "WARNING"
            )
            return None
        return leaves[0]


def lookup(rt: Runtime | None = None) -> RelationLookup:
    """Return the :class:`RelationLookup` of a runtime (default: the current one)."""
    rt = rt or _runtime.current()
    found = rt.scratch.get(_SCRATCH)
    if not isinstance(found, RelationLookup):
        found = rt.scratch[_SCRATCH] = RelationLookup(rt)
    return found
