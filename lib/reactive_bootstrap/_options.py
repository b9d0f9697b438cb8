"""This layer's options, as charm-build wrote them into the built charm's ``layer.yaml``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Final, NamedTuple

from reactive_bootstrap._errors import BootstrapError
from reactive_bootstrap._yaml import as_bool, parse_simple_yaml

__all__ = ["LAYER_NAMES", "LayerOptions", "read_layer_options", "read_layer_section", "target_dir"]

#: Names under which this layer may be included (``layer:<name>``), most specific first.
LAYER_NAMES: Final = ("reactive-base", "basic")


class LayerOptions(NamedTuple):
    """This layer's options (``defines:`` in its ``layer.yaml``), with their defaults."""

    packages: tuple[str, ...] = ()
    python_packages: tuple[str, ...] = ()
    use_venv: bool = True
    include_system_packages: bool = False

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> LayerOptions:
        """Build options from a mapping, ignoring keys this layer does not define."""

        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key) or []
            if not isinstance(value, list):
                raise BootstrapError(f"layer option {key!r} must be a list, got {value!r}")
            return tuple(str(item) for item in value)

        return cls(
            packages=strings("packages"),
            python_packages=strings("python_packages"),
            use_venv=as_bool(data.get("use_venv", True)),
            include_system_packages=as_bool(data.get("include_system_packages", False)),
        )


def read_layer_options(charm_dir: Path) -> LayerOptions:
    """Read this layer's options from the built charm's ``layer.yaml``.

    charm-build writes every layer's options, defaults filled in, under the layer's include
    name. The base layer is the first entry of ``.build.manifest``; ``reactive-base`` and
    ``basic`` are tried after it. A missing file or section gives the defaults.

    Raises:
        BootstrapError: ``layer.yaml`` exists but cannot be parsed.
    """
    section = read_layer_section(charm_dir)
    return LayerOptions.from_mapping(section) if section is not None else LayerOptions()


def read_layer_section(charm_dir: Path) -> dict[str, object] | None:
    """Return this layer's whole section of the built charm's ``layer.yaml`` options.

    Options that are not the bootstrap's (``notified_cache``) are read from here.
    None when there is no ``layer.yaml`` or no section of this layer.

    Raises:
        BootstrapError: ``layer.yaml`` exists but cannot be parsed.
    """
    layer_yaml = charm_dir / "layer.yaml"
    if not layer_yaml.is_file():
        return None
    try:
        data = parse_simple_yaml(layer_yaml.read_text(encoding="utf-8"))
    except ValueError as err:
        raise BootstrapError(f"cannot read {layer_yaml}: {err}") from None
    options = data.get("options") if isinstance(data, dict) else None
    if not isinstance(options, dict):
        return None
    for name in (*_manifest_base_layer(charm_dir), *LAYER_NAMES):
        section = options.get(name)
        if isinstance(section, dict):
            return section
    return None


def target_dir(charm_dir: Path, options: LayerOptions) -> Path:
    """Return where dependencies are installed: ``../.venv`` or ``../.site-packages``."""
    name = ".venv" if options.use_venv else ".site-packages"
    return charm_dir.absolute().parent / name


def _manifest_base_layer(charm_dir: Path) -> list[str]:
    try:
        manifest = json.loads((charm_dir / ".build.manifest").read_text(encoding="utf-8"))
        url = manifest["layers"][0]["url"]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return []
    return [url.split(":", 1)[1]] if isinstance(url, str) and url.startswith("layer:") else []
