"""Read a charm directory: metadata.yaml, config.yaml, actions.yaml, and its hooks.

Everything is checked when a charm is deployed, so a malformed file fails with a
:class:`~reactive_harness.errors.CharmError` naming the file and the key, before any hook runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reactive_harness.errors import CharmError, ConfigError

__all__ = [
    "JUJU_INFO",
    "ActionSpec",
    "CharmSpec",
    "ConfigOption",
    "EndpointSpec",
    "ResourceSpec",
    "StorageSpec",
    "copy_charm_files",
    "load_charm",
]

ROLES = ("provides", "requires", "peers")
CONFIG_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "int": (int,),
    "float": (float, int),
    "boolean": (bool,),
    "secret": (str,),
}


@dataclass(frozen=True)
class EndpointSpec:
    """One endpoint declared in metadata.yaml."""

    name: str
    role: str
    interface: str
    scope: str = "global"
    limit: int | None = None
    implicit: bool = False


#: The endpoint every charm provides without declaring it (juju/charm ``ImplicitRelations``).
JUJU_INFO = EndpointSpec("juju-info", "provides", "juju-info", implicit=True)


@dataclass(frozen=True)
class ResourceSpec:
    """One resource declared under ``resources:`` in metadata.yaml."""

    name: str
    type: str
    filename: str


@dataclass(frozen=True)
class StorageSpec:
    """One store declared under ``storage:`` in metadata.yaml.

    ``count`` is the number of instances Juju attaches at deploy when none is asked for (the
    low end of ``multiple.range``, else 1); ``maximum`` is ``None`` when unbounded.
    """

    name: str
    type: str
    location: str
    count: int = 1
    maximum: int | None = 1


@dataclass(frozen=True)
class ConfigOption:
    """One option of config.yaml."""

    name: str
    type: str
    default: Any = None
    description: str = ""

    def check(self, value: Any) -> Any:
        """Return ``value`` if it fits the option's type.

        Raises:
            ConfigError: The value has the wrong type.
        """
        if value is None:
            return None
        allowed = CONFIG_TYPES[self.type]
        if isinstance(value, bool) and bool not in allowed:
            ok = False
        else:
            ok = isinstance(value, allowed)
        if not ok:
            raise ConfigError(f"option {self.name!r} expects type {self.type}, got {value!r}")
        return float(value) if self.type == "float" else value


@dataclass(frozen=True)
class ActionSpec:
    """One action of actions.yaml."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CharmSpec:
    """A charm directory, read and checked."""

    path: Path
    name: str
    endpoints: dict[str, EndpointSpec]
    extra_bindings: tuple[str, ...]
    options: dict[str, ConfigOption]
    actions: dict[str, ActionSpec]
    content_hash: str
    subordinate: bool = False
    resources: dict[str, ResourceSpec] = field(default_factory=dict)
    storage: dict[str, StorageSpec] = field(default_factory=dict)

    def default_config(self) -> dict[str, Any]:
        """Return the config with every option at its default (``None`` when it has none)."""
        return {name: opt.default for name, opt in self.options.items()}

    def check_config(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Check config values against config.yaml.

        Raises:
            ConfigError: An option is unknown, or a value has the wrong type.
        """
        checked = {}
        for key, value in values.items():
            opt = self.options.get(key)
            if opt is None:
                known = ", ".join(sorted(self.options)) or "none"
                raise ConfigError(
                    f"charm {self.name!r} has no config option {key!r} (options: {known})"
                )
            checked[key] = opt.check(value)
        return checked


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except yaml.YAMLError as err:
        raise CharmError(f"{path}: not valid YAML: {err}") from None
    except OSError as err:
        raise CharmError(f"{path}: cannot read: {err.strerror}") from None


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CharmError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _endpoints(meta: dict[str, Any], where: str) -> dict[str, EndpointSpec]:
    found: dict[str, EndpointSpec] = {}
    for role in ROLES:
        for name, spec in _mapping(meta.get(role), f"{where}: {role}").items():
            if isinstance(spec, str):
                spec = {"interface": spec}
            if not isinstance(spec, dict) or not isinstance(spec.get("interface"), str):
                raise CharmError(f"{where}: {role}.{name}: missing 'interface'")
            if name in found:
                raise CharmError(f"{where}: endpoint {name!r} is declared twice")
            if role != "requires" and str(name).startswith("juju-"):
                # Juju reserves "juju-*" endpoint names for provides and peers.
                raise CharmError(f"{where}: {role}.{name}: reserved endpoint name")
            scope = spec.get("scope", "global")
            if scope not in ("global", "container"):
                raise CharmError(f"{where}: {role}.{name}: scope must be global or container")
            limit = spec.get("limit")
            found[name] = EndpointSpec(str(name), role, spec["interface"], scope, limit)
    found.setdefault(JUJU_INFO.name, JUJU_INFO)
    return found


def _resources(meta: dict[str, Any], where: str) -> dict[str, ResourceSpec]:
    found = {}
    for name, spec in _mapping(meta.get("resources"), f"{where}: resources").items():
        spec = _mapping(spec, f"{where}: resources.{name}")
        kind = spec.get("type", "file")
        if kind not in ("file", "oci-image"):
            raise CharmError(f'{where}: resources.{name}: unsupported resource type "{kind}"')
        filename = spec.get("filename", "")
        if kind == "file" and (not isinstance(filename, str) or not filename):
            raise CharmError(f"{where}: resources.{name}: resource missing filename")
        found[str(name)] = ResourceSpec(str(name), kind, str(filename))
    return found


_RANGE = re.compile(r"^([0-9]+)(?:(-)([0-9]+)?|(\+))?$")


def _storage(meta: dict[str, Any], where: str) -> dict[str, StorageSpec]:
    found = {}
    for name, spec in _mapping(meta.get("storage"), f"{where}: storage").items():
        spec = _mapping(spec, f"{where}: storage.{name}")
        kind = spec.get("type")
        if kind not in ("filesystem", "block"):
            raise CharmError(
                f'{where}: storage.{name}: type must be "filesystem" or "block", got {kind!r}'
            )
        count = 1
        maximum: int | None = 1
        multiple = _mapping(spec.get("multiple"), f"{where}: storage.{name}.multiple")
        if multiple:
            match = _RANGE.match(str(multiple.get("range", "")))
            if match is None:
                raise CharmError(
                    f"{where}: storage.{name}.multiple.range: expected N, N-M, N- or N+, "
                    f"got {multiple.get('range')!r}"
                )
            count = int(match.group(1))
            unbounded = match.group(4) or (match.group(2) and match.group(3) is None)
            maximum = None if unbounded else int(match.group(3) or count)
        found[str(name)] = StorageSpec(
            str(name), kind, str(spec.get("location", "")), count, maximum
        )
    return found


def _options(path: Path) -> dict[str, ConfigOption]:
    if not path.exists():
        return {}
    where = str(path)
    doc = _mapping(_read_yaml(path), where)
    options: dict[str, ConfigOption] = {}
    for name, spec in _mapping(doc.get("options"), f"{where}: options").items():
        spec = _mapping(spec, f"{where}: options.{name}")
        kind = spec.get("type", "string")
        if kind not in CONFIG_TYPES:
            raise CharmError(
                f"{where}: options.{name}: unknown type {kind!r} "
                f"(expected one of {', '.join(CONFIG_TYPES)})"
            )
        opt = ConfigOption(str(name), kind, None, str(spec.get("description", "")))
        try:
            default = opt.check(spec.get("default"))
        except ConfigError as err:
            raise CharmError(f"{where}: options.{name}: default: {err}") from None
        options[str(name)] = ConfigOption(str(name), kind, default, opt.description)
    return options


def _actions(path: Path) -> dict[str, ActionSpec]:
    if not path.exists():
        return {}
    doc = _mapping(_read_yaml(path), str(path))
    actions = {}
    for name, spec in doc.items():
        spec = _mapping(spec, f"{path}: {name}")
        params = _mapping(spec.get("params"), f"{path}: {name}.params")
        actions[str(name)] = ActionSpec(str(name), params)
    return actions


def content_hash(directory: Path, extra: bytes = b"") -> str:
    """Return a short hash of the files under ``directory`` (names and contents) and ``extra``."""
    digest = hashlib.sha256(extra)
    if directory.is_dir():
        for root, dirs, files in os.walk(directory):
            dirs.sort()
            for name in sorted(files):
                path = Path(root, name)
                digest.update(str(path.relative_to(directory)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _bootstrap_options(layer_yaml: Path) -> bytes:
    """The base layer's options in a built charm's layer.yaml (``basic`` or ``reactive-base``)."""
    try:
        data = yaml.safe_load(layer_yaml.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return b""
    options = data.get("options") if isinstance(data, dict) else None
    if not isinstance(options, dict):
        return b""
    base = {name: options[name] for name in ("basic", "reactive-base") if name in options}
    return json.dumps(base, sort_keys=True, default=str).encode()


def load_charm(path: str | os.PathLike[str]) -> CharmSpec:
    """Read and check a charm directory.

    Args:
        path: The charm directory (with metadata.yaml and hooks/ or dispatch).

    Returns:
        The charm's spec.

    Raises:
        CharmError: The directory, metadata.yaml, config.yaml or actions.yaml is unusable.
    """
    root = Path(path).resolve()
    if not root.is_dir():
        raise CharmError(f"{root}: not a charm directory (does not exist)")
    meta_path = root / "metadata.yaml"
    if not meta_path.exists():
        raise CharmError(f"{root}: not a charm directory (no metadata.yaml)")
    meta = _mapping(_read_yaml(meta_path), str(meta_path))
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise CharmError(f"{meta_path}: missing 'name'")
    if not (root / "hooks").is_dir() and not (root / "dispatch").exists():
        raise CharmError(f"{root}: charm has no hooks/ directory and no dispatch script")
    endpoints = _endpoints(meta, str(meta_path))
    subordinate = meta.get("subordinate", False)
    if not isinstance(subordinate, bool):
        raise CharmError(f"{meta_path}: subordinate: expected true or false, got {subordinate!r}")
    if subordinate and not any(
        e.role == "requires" and e.scope == "container" for e in endpoints.values()
    ):
        # juju/charm's metadata check, word for word.
        raise CharmError(
            f'{meta_path}: subordinate charm "{name}" lacks "requires" relation with '
            "container scope"
        )
    bindings = _mapping(meta.get("extra-bindings"), f"{meta_path}: extra-bindings")
    return CharmSpec(
        path=root,
        name=name,
        endpoints=endpoints,
        extra_bindings=tuple(str(b) for b in bindings),
        options=_options(root / "config.yaml"),
        actions=_actions(root / "actions.yaml"),
        # What the bootstrap installs depends on the wheelhouse and on the base layer's options
        # (packages, use_venv...): charms that differ there must not share a venv.
        content_hash=content_hash(root / "wheelhouse", _bootstrap_options(root / "layer.yaml")),
        subordinate=subordinate,
        resources=_resources(meta, str(meta_path)),
        storage=_storage(meta, str(meta_path)),
    )


#: Never copied into a unit's charm dir: VCS data, caches, and state a unit keeps itself.
_NOT_CHARM_FILES = (".git", "__pycache__", ".unit-state.db", ".venv", "*.pyc")


def copy_charm_files(source: Path, dest: Path) -> None:
    """Copy a charm's files over a unit's charm dir, as Juju deploys and upgrades charms.

    Each file, directory and symlink of ``source`` replaces what ``dest`` holds at its path,
    whatever kind that was: a symlink is replaced, never written through (so an old symlink
    to a directory outside the unit is left alone). Files that only ``dest`` holds (the
    unit's state) are kept.
    """
    dest.mkdir(parents=True, exist_ok=True)
    names = os.listdir(source)
    ignored = shutil.ignore_patterns(*_NOT_CHARM_FILES)(str(source), names)
    for name in sorted(set(names) - ignored):
        src, dst = source / name, dest / name
        src_is_dir = src.is_dir() and not src.is_symlink()
        if dst.is_dir() and not dst.is_symlink():
            if not src_is_dir:
                shutil.rmtree(dst)
        elif dst.is_symlink() or dst.exists():
            dst.unlink()
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        elif src_is_dir:
            copy_charm_files(src, dst)
        else:
            shutil.copy2(src, dst)
