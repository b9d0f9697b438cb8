"""What a charm's ``metadata.yaml`` says about its relations."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charms.reactive.errors import MetadataError

__all__ = ["ROLES", "Endpoint", "Metadata"]

#: Relation roles in the order charms.reactive looks them up (also the role file names).
ROLES = ("provides", "requires", "peers")


@dataclass(frozen=True)
class Endpoint:
    """One relation endpoint declared in metadata.yaml."""

    name: str
    role: str
    interface: str


@dataclass(frozen=True)
class Metadata:
    """The parsed relation sections of a charm's metadata.yaml."""

    name: str
    endpoints: dict[str, Endpoint] = field(default_factory=dict)

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
        endpoints: dict[str, Endpoint] = {}
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
                endpoints[str(name)] = Endpoint(str(name), role, spec["interface"])
        return cls(name=str(doc.get("name", "")), endpoints=endpoints)

    def role_and_interface(self, relation_name: str) -> tuple[str, str] | None:
        """Return ``(role, interface)`` of a relation, or None if it is not declared."""
        ep = self.endpoints.get(relation_name)
        return (ep.role, ep.interface) if ep else None

    def relations_for(self, role: str, interface: str) -> list[str]:
        """Return the relation names that use ``interface`` in ``role``, in file order."""
        return [
            ep.name
            for ep in self.endpoints.values()
            if ep.role == role and ep.interface == interface
        ]
