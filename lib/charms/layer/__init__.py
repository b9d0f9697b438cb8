"""``charms.layer``: the package layers written for layer-basic import their libraries from.

Every layer may ship modules in ``lib/charms/layer/`` (``charms.layer.status``,
``charms.layer.nginx``, ...); charm-build merges them into the built charm's
``lib/charms/layer/``. This ``__init__`` is the one of the base layer, and provides what
layer-basic's does:

* :func:`import_layer_libs`: import every layer library of the charm;
* ``charms.layer.options``: the layers' options from the built charm's ``layer.yaml``, both
  as ``options.get(section, option)`` and as the old callable ``options(section)``;
* ``charms.layer.basic`` and ``charms.layer.execd`` (see those modules).

Differences from layer-basic, on purpose:

* ``layer.<name>`` also imports ``charms.layer.<name>`` on first use (``from charms import
  layer; layer.status.blocked(...)`` works in an action without any import of
  ``charms.layer.status``). Hooks import every library before the handlers, as layer-basic
  does (``charms.reactive.bus.discover`` calls :func:`import_layer_libs`).
* ``options`` is callable from the moment it is imported, whichever ``options.py`` the
  build kept (this layer's, or layer:options' when the charm also includes that layer),
  without a call to ``patch_options_interface()`` (kept, and harmless).

Importing this package imports neither PyYAML nor charmhelpers (nor anything outside the
standard library), so it works before the charm's venv is activated.
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path
from typing import Any, Final

__all__ = ["import_layer_libs", "patch_options_interface"]

#: Modules of this layer that :func:`import_layer_libs` leaves alone: they are imported by
#: whoever needs them, and ``options`` is imported on first use anyway.
NOT_LAYER_LIBS: Final = frozenset({"basic", "execd", "options"})


def import_layer_libs() -> list[str]:
    """Import every layer library in the charm's ``lib/charms/layer/``, in sorted order.

    A library is a ``<name>.py`` module or a ``<name>/`` package (``__init__.py`` or a
    namespace package) of this package's directory, except ``basic``, ``execd`` and
    ``options``, private names (``_name``) and names that are not Python identifiers.
    Afterwards ``charms.layer.<name>`` is an attribute of this package for each of them.
    The libraries' import-time side effects (layer:status patching ``hookenv.status_set``)
    happen here.

    Returns:
        The full names of the modules imported (or already imported), in order.

    Raises:
        Exception: whatever a library raises while it is imported, unchanged (its
            traceback names the library).
    """
    imported = []
    for name in _layer_lib_names():
        if name in NOT_LAYER_LIBS:
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        imported.append(module.__name__)
    return imported


def patch_options_interface() -> None:
    """Make ``charms.layer.options`` callable as ``options(section)`` (layer-basic's name).

    Done automatically when the module is imported; calling this imports it.
    """
    importlib.import_module(f"{__name__}.options")


def __getattr__(name: str) -> Any:
    """``layer.<name>``: import the layer library ``charms.layer.<name>`` on first use."""
    if name.startswith("__") or name not in _layer_lib_names():
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return importlib.import_module(f"{__name__}.{name}")


def _layer_lib_names() -> list[str]:
    """Return the names of the modules and packages in this package's directories, sorted."""
    names: set[str] = set()
    for directory in map(Path, __path__):
        try:
            entries = list(directory.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.suffix == ".py" and entry.is_file():
                name = entry.stem
            elif entry.is_dir() and entry.name != "__pycache__":
                name = entry.name
            else:
                continue
            if name.isidentifier() and not name.startswith("_"):
                names.add(name)
    return sorted(names)


class _CallableOptions(types.ModuleType):
    """The class of the ``charms.layer.options`` module: calling it is calling its ``get``.

    ``options(section)`` is layer-basic's older interface, still used by many layers
    (``layer.options('etcd')``); ``options.get(section, option)`` is the current one.
    """

    def __call__(self, section: str | None = None, layer_file: Any = None) -> Any:
        get = self.__dict__.get("get")
        if not callable(get):
            raise TypeError(f"{self.__name__} has no get() function to call")
        if layer_file is None:
            return get(section)
        return get(section, layer_file=Path(layer_file))


def _make_callable(module: types.ModuleType) -> None:
    """Give ``module`` the class :class:`_CallableOptions` unless it is callable already."""
    if not callable(module) and type(module) is types.ModuleType:
        module.__class__ = _CallableOptions


class _LayerPackage(types.ModuleType):
    """The class of this package: makes its ``options`` submodule callable once imported.

    The import system sets ``charms.layer.options`` as an attribute of this package right
    after it imports the submodule, however it is imported (``import charms.layer.options``,
    ``from charms.layer import options``, ``layer.options``); this hook catches that
    moment, for this layer's ``options.py`` and for layer:options' alike.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "options" and isinstance(value, types.ModuleType):
            _make_callable(value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _LayerPackage
if "options" in sys.modules[__name__].__dict__:  # imported already (a reload of this package)
    _make_callable(sys.modules[__name__].__dict__["options"])
