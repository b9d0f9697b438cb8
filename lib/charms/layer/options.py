"""The layers' options, as charm-build wrote them into the built charm's ``layer.yaml``.

Each layer declares its options (``defines:`` in its ``layer.yaml``); the charm sets them
(``options: {<layer>: {...}}``); charm-build writes every layer's section, defaults filled
in, under ``options:`` of the built charm's ``layer.yaml``. Read them with::

    from charms.layer import options

    options.get("status", "patch-hookenv")   # one option: its value, None if absent
    options.get("etcd")                      # one layer's section: a dict, {} if absent
    options("etcd")                          # the same, layer-basic's older interface
    options.require("etcd", "port")          # LayerOptionError naming what is missing

``get`` behaves as layer:options' ``get`` (which replaces this module when a charm includes
that layer): an absent section is ``{}`` and an absent option ``None``, because layers
check optional settings that way. :func:`require` is the strict form.

The file is ``$JUJU_CHARM_DIR/layer.yaml`` (else ``$CHARM_DIR``, else the charm this
module belongs to), parsed once per change of the file (its size and mtime). PyYAML
parses it when it is imported already (charmhelpers imports it); otherwise the bootstrap's
standard-library reader does, and PyYAML (imported then) only YAML beyond what charm-build
writes. Importing this module imports neither.
Every call returns a copy: changing it changes no later result.
"""

from __future__ import annotations

import copy
import errno
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["LayerOptionError", "clear_cache", "get", "layer_yaml_path", "require"]

_CACHE: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}


class LayerOptionError(LookupError):
    """A layer option or section that :func:`require` was asked for is not in layer.yaml."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def layer_yaml_path(layer_file: str | os.PathLike[str] | None = None) -> Path:
    """Return the ``layer.yaml`` to read: ``layer_file`` (relative to the charm dir) or its own.

    The charm directory is ``$JUJU_CHARM_DIR``, else ``$CHARM_DIR``, else the charm that
    holds this file (``<charm>/lib/charms/layer/options.py``).
    """
    charm_dir = Path(
        os.environ.get("JUJU_CHARM_DIR")
        or os.environ.get("CHARM_DIR")
        or Path(__file__).absolute().parents[3]
    )
    return charm_dir / (layer_file if layer_file is not None else "layer.yaml")


def get(
    section: str | None = None,
    option: str | None = None,
    layer_file: str | os.PathLike[str] | None = None,
) -> Any:
    """Return one option, one layer's options, or all of them.

    Args:
        section: The layer's name (its section under ``options:``); None for every section.
        option: One option of that section; None for the whole section.
        layer_file: Another ``layer.yaml`` to read (relative to the charm directory).

    Returns:
        ``get()``: ``{layer: {option: value}}``; ``get(section)``: that layer's options
        (``{}`` if the charm has no such section); ``get(section, option)``: the value
        (None if the section or the option is absent). Always a copy.

    Raises:
        ValueError: an option without a section; a section that is not a mapping; a
            ``layer.yaml`` that cannot be parsed (the message names the file).
        FileNotFoundError: there is no ``layer.yaml`` (the message names the path).
    """
    if option and not section:
        raise ValueError(f"cannot get the option {option!r} without a section (its layer)")
    path = layer_yaml_path(layer_file)
    data: Any = _options(path)
    if section:
        data = data.get(section, {})
        if option:
            if not isinstance(data, dict):
                raise ValueError(f"{path}: options.{section} is not a mapping: {data!r}")
            data = data.get(option)
    return copy.deepcopy(data)


def require(
    section: str, option: str | None = None, layer_file: str | os.PathLike[str] | None = None
) -> Any:
    """Return a layer's options or one option, like :func:`get`, but never a silent default.

    Raises:
        LayerOptionError: the section (or the option) is not in ``layer.yaml``; the message
            names it, the file, and what is there instead (is the layer included?).
        ValueError, FileNotFoundError: as :func:`get`.
    """
    path = layer_yaml_path(layer_file)
    options = _options(path)
    if section not in options:
        known = ", ".join(sorted(options)) or "none"
        raise LayerOptionError(
            f"no options for the layer {section!r} in {path} (sections: {known}); is "
            f"layer:{section} included by the charm?"
        )
    values = options[section]
    if option is None:
        return copy.deepcopy(values)
    if not isinstance(values, dict):
        raise ValueError(f"{path}: options.{section} is not a mapping: {values!r}")
    if option not in values:
        known = ", ".join(sorted(values)) or "none"
        raise LayerOptionError(
            f"no option {option!r} for the layer {section!r} in {path} (its options: {known})"
        )
    return copy.deepcopy(values[option])


def clear_cache() -> None:
    """Forget every parsed ``layer.yaml`` (they are re-read anyway when they change)."""
    _CACHE.clear()


def _options(path: Path) -> dict[str, Any]:
    """Return the ``options:`` mapping of ``path``, parsed once per version of the file."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(
            errno.ENOENT,
            "no layer.yaml to read the layer options from (JUJU_CHARM_DIR and CHARM_DIR "
            "name the built charm's directory in hooks and actions)",
            str(path),
        ) from None
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _CACHE.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    data = _parse(path, path.read_text(encoding="utf-8"))
    options = data.get("options") if isinstance(data, dict) else None
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise ValueError(f"{path}: 'options' is not a mapping: {options!r}")
    _CACHE[path] = (key, options)
    return options


def _parse(path: Path, text: str) -> Any:
    if "yaml" not in sys.modules:  # charmhelpers imports PyYAML: then it costs nothing
        from reactive_bootstrap import parse_simple_yaml  # stdlib only, shipped beside us

        try:
            return parse_simple_yaml(text, strict=True)
        except ValueError:
            pass  # YAML beyond the subset charm-build writes: PyYAML reads it
    try:
        import yaml
    except ImportError:
        raise ValueError(
            f"cannot parse {path} without PyYAML (not installed: is the charm's venv active?)"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ValueError(f"cannot parse {path}: {err}") from None
