"""What a charm's ``metadata.yaml`` says about its relations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from charms.reactive.errors import MetadataError

__all__ = ["ROLES", "EndpointSpec", "Metadata"]

#: Relation roles in the order charms.reactive looks them up (also the role file names).
ROLES = ("provides", "requires", "peers")


class _Frozen:
    """Immutable record compared by its ``__slots__`` (a dataclass costs start-up time)."""

    __slots__: tuple[str, ...] = ()

    def _init(self, **values: object) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name!r}")

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, n) for n in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(tuple(map(repr, self._values())))

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({args})"


class EndpointSpec(_Frozen):
    """One relation endpoint declared in metadata.yaml."""

    __slots__ = ("interface", "name", "role")
    name: str
    role: str
    interface: str

    def __init__(self, name: str, role: str, interface: str) -> None:
        """Record the endpoint ``name`` of ``interface`` in ``role``."""
        self._init(name=name, role=role, interface=interface)


class Metadata(_Frozen):
    """The parsed relation sections of a charm's metadata.yaml."""

    __slots__ = ("endpoints", "name")
    name: str
    endpoints: dict[str, EndpointSpec]

    def __init__(self, name: str, endpoints: dict[str, EndpointSpec] | None = None) -> None:
        """Record the charm ``name`` and its ``endpoints`` by name."""
        self._init(name=name, endpoints={} if endpoints is None else endpoints)

    @classmethod
    def load(cls, charm_dir: Path) -> Metadata:
        """Read ``<charm_dir>/metadata.yaml``.

        Raises:
            MetadataError: The file is missing, is not YAML, or a relation entry is malformed.
        """
        path = charm_dir / "metadata.yaml"
        try:
            text = path.read_text()
        except OSError as err:
            raise MetadataError(f"cannot read {path}: {err.strerror}") from None
        import yaml  # only relation code needs YAML: keep it off start-up

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            doc = yaml.load(text, Loader=loader)  # a safe loader (C if available)
        except yaml.YAMLError as err:
            raise MetadataError(f"{path} is not valid YAML: {err}") from None
        return cls.from_dict(doc, path)

    @classmethod
    def from_dict(cls, doc: Any, path: Path | str = "metadata.yaml") -> Metadata:
        """Build from a parsed metadata document.

        Raises:
            MetadataError: The document or one of its relation entries is malformed.
        """
        if not isinstance(doc, dict):
            raise MetadataError(f"{path}: expected a mapping at the top level")
        endpoints: dict[str, EndpointSpec] = {}
        for role in ROLES:
            section = doc.get(role) or {}
            if not isinstance(section, dict):
                raise MetadataError(f"{path}: {role!r} must be a mapping of relations")
            for name, spec in section.items():
                if not isinstance(spec, dict) or not isinstance(spec.get("interface"), str):
                    raise MetadataError(
                        f"{path}: relation {name!r} under {role!r} has no 'interface'"
                    )
                if name in endpoints:
                    raise MetadataError(f"{path}: relation {name!r} is declared twice")
                endpoints[str(name)] = EndpointSpec(str(name), role, spec["interface"])
        return cls(name=str(doc.get("name", "")), endpoints=endpoints)

    def relations_for(self, role: str, interface: str) -> list[str]:
        """Return the relation names that use ``interface`` in ``role``, in file order."""
        return [
            ep.name
            for ep in self.endpoints.values()
            if ep.role == role and ep.interface == interface
        ]
