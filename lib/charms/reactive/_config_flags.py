"""The ``config.*`` flags charms written for layer-basic rely on.

layer-basic sets them around every hook; charms use them as conditions
(``@when("config.changed.port")``). Here, for each option declared in ``config.yaml``:

* ``config.changed`` and ``config.changed.<option>``: the option's value differs from its
  value at the end of the last successful hook (every option counts as changed when there is
  no such record: the first hook). Set at the start of the hook, cleared at its end.
* ``config.set.<option>``: the value is truthy.
* ``config.default.<option>``: the value equals the default in ``config.yaml``.

``config.set.*`` and ``config.default.*`` follow the current values and stay between hooks
(layer-basic clears them after each hook and sets them again in the next), so a hook whose
config did not change changes no flag and logs nothing.

Economy: the flags are managed only when a handler or a trigger of the charm names a
``config.`` flag, or an executable handler's text mentions one. Then each hook makes one
``config-get`` and reads ``config.yaml``; otherwise neither.

The previous values are kept in the unit's key-value store (:data:`PREVIOUS_KEY`), committed
with the hook. A unit upgraded from layer-basic has none yet: the values charmhelpers saved in
``.juju-persistent-config`` (what layer-basic compared with) are used once instead, so the
upgrade does not report every option as changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from charms.reactive import _runtime, flags
from charms.reactive._flags import trigger_flags
from charms.reactive._handlers import ExternalHandler, HandlerLike
from charms.reactive._lifecycle import Hook
from charms.reactive.errors import MetadataError

__all__ = [
    "CHANGED",
    "PERSISTENT_CONFIG",
    "PREVIOUS_KEY",
    "ConfigFlags",
    "declared_options",
    "wanted",
]

CHANGED: Final = "config.changed"
#: The option values at the end of the last successful hook.
PREVIOUS_KEY: Final = "reactive.config.previous"
#: charmhelpers' record of the previous config, in the charm dir (read after an upgrade).
PERSISTENT_CONFIG: Final = ".juju-persistent-config"
_PREFIX: Final = "config."


class ConfigFlags:
    """The config flags' part in every hook (a lifecycle participant).

    ``begin`` sets the flags for this hook if the charm uses them; ``end`` clears
    ``config.changed`` and ``config.changed.<option>``.
    """

    __slots__ = ("options",)

    def __init__(self) -> None:
        #: The options whose flags :meth:`begin` managed in this hook (none: nothing to clear).
        self.options: tuple[str, ...] = ()

    def begin(self, hook: Hook) -> None:
        """Set the config flags for this hook (before the dispatch), if the charm uses them.

        Raises:
            MetadataError: ``config.yaml`` exists but is not valid.
            HookToolError: ``config-get`` failed.
        """
        rt = hook.rt
        if not wanted(rt, hook.handlers):
            return
        defaults = declared_options(rt.context.charm_dir)
        if not defaults:
            return
        current = rt.tools.config_get()
        previous = _previous(rt)
        for name, default in defaults.items():
            value = current.get(name)
            if previous is None or previous.get(name) != value:
                flags.set_flag(CHANGED)
                flags.set_flag(f"{CHANGED}.{name}")
            _toggle(f"config.set.{name}", bool(value))
            _toggle(f"config.default.{name}", value == default)
        rt.kv.set(PREVIOUS_KEY, {name: current.get(name) for name in defaults})
        self.options = tuple(defaults)

    def end(self, hook: Hook) -> None:
        """Clear ``config.changed`` and ``config.changed.<option>`` (after the dispatch)."""
        if not self.options:
            return
        flags.clear_flag(CHANGED)
        for name in self.options:
            flags.clear_flag(f"{CHANGED}.{name}")


def wanted(rt: _runtime.Runtime, handlers: Iterable[HandlerLike]) -> bool:
    """Return whether any handler, trigger or executable handler refers to a config flag."""
    for handler in handlers:
        if any(flag.startswith(_PREFIX) for flag in handler.flags):
            return True
        if isinstance(handler, ExternalHandler):
            try:
                if _PREFIX.encode() in handler.path.read_bytes():
                    return True
            except OSError:
                continue
    return any(flag.startswith(_PREFIX) for flag in trigger_flags(rt))


def declared_options(charm_dir: Path) -> dict[str, Any]:
    """Return ``{option: default}`` from ``config.yaml`` (empty without the file).

    Raises:
        MetadataError: The file is not YAML, or ``options`` is not a mapping of mappings.
    """
    path = charm_dir / "config.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise MetadataError(f"cannot read {path}: {err.strerror}") from None
    import yaml  # only charms that use config flags pay for it

    try:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        raise MetadataError(f"{path} is not valid YAML: {err}") from None
    options = (doc or {}).get("options") if isinstance(doc, dict) or doc is None else None
    if options is None:
        return {}
    if not isinstance(options, dict) or not all(isinstance(v, dict) for v in options.values()):
        raise MetadataError(f"{path}: 'options' must map each option to its settings")
    return {str(name): spec.get("default") for name, spec in options.items()}


def _previous(rt: _runtime.Runtime) -> dict[str, Any] | None:
    stored = rt.kv.get(PREVIOUS_KEY)
    if isinstance(stored, dict):
        return stored
    try:
        saved = json.loads((rt.context.charm_dir / PERSISTENT_CONFIG).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return saved if isinstance(saved, dict) else None


def _toggle(flag: str, should_set: bool) -> None:
    if flags.is_flag_set(flag) != should_set:  # no write when nothing changes
        flags.toggle_flag(flag, should_set)
