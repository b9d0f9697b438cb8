"""The state-named aliases of charms.reactive 1.x (flags used to be called states).

Charm and interface layers written for 1.x call these everywhere, and their authors often
cannot change the interface layers they build with. So the aliases do **not** warn by default:
a ``DeprecationWarning`` would fail every test suite that runs with warnings as errors. Set
``CHARMS_REACTIVE_DEPRECATION_WARNINGS=1`` in the environment to get one warning per call,
naming the replacement.

``charms.reactive.bus`` and ``charms.reactive.helpers`` import the aliases 1.x layers import
from them; this module is the only place they are defined.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Final

from charms.reactive import _flags as flags

__all__ = [
    "State",
    "StateList",
    "all_states",
    "any_states",
    "get_state",
    "get_states",
    "is_state",
    "remove_state",
    "set_state",
    "toggle_state",
]

#: Opt-in switch for deprecation warnings of the aliases.
WARN_ENV: Final = "CHARMS_REACTIVE_DEPRECATION_WARNINGS"


def _deprecated(old: str, new: str) -> None:
    if os.environ.get(WARN_ENV):
        warnings.warn(f"{old} is deprecated; use {new}", DeprecationWarning, stacklevel=3)


class State(str):
    """A flag name declared in a :class:`StateList` (deprecated 1.x documentation aid)."""

    __slots__ = ()


class StateList:
    """Base of a class listing :class:`State` attributes (deprecated 1.x documentation aid).

    Example::

        class states(StateList):
            connected = State("{relation_name}.connected")
    """


def set_state(state: str, value: Any = None) -> None:
    """Set a flag (alias of :func:`~charms.reactive.flags.set_flag`)."""
    _deprecated("set_state", "set_flag")
    flags.set_flag(state, value)


def remove_state(state: str) -> None:
    """Clear a flag (alias of :func:`~charms.reactive.flags.clear_flag`)."""
    _deprecated("remove_state", "clear_flag")
    flags.clear_flag(state)


def toggle_state(state: str, should_set: bool) -> None:
    """Set or clear a flag (alias of :func:`~charms.reactive.flags.toggle_flag`)."""
    _deprecated("toggle_state", "toggle_flag")
    flags.toggle_flag(state, should_set)


def is_state(state: str) -> bool:
    """Return whether a flag is set (alias of :func:`~charms.reactive.flags.is_flag_set`)."""
    _deprecated("is_state", "is_flag_set")
    return flags.is_flag_set(state)


def all_states(*desired_states: str) -> bool:
    """Return whether all flags are set (alias of ``all_flags_set``)."""
    _deprecated("all_states", "all_flags_set")
    return flags.all_flags_set(*desired_states)


def any_states(*desired_states: str) -> bool:
    """Return whether any flag is set (alias of ``any_flags_set``)."""
    _deprecated("any_states", "any_flags_set")
    return flags.any_flags_set(*desired_states)


def get_states() -> dict[str, Any]:
    """Return every set flag with its value (use ``get_flags`` for the names)."""
    _deprecated("get_states", "get_flags")
    return flags.flag_values()


def get_state(state: str, default: Any = None) -> Any:
    """Return the value stored with a flag, or ``default`` (alias of ``get_flag_value``)."""
    _deprecated("get_state", "get_flag_value")
    return flags.get_flag_value(state, default)
