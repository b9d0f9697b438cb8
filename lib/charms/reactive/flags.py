"""Flags: named facts about the unit, set and cleared by handlers, persisted per hook.

The implementation is in ``_flags``; this module is the public face 1.x layers import from
(``charms.reactive.flags``), with the deprecated state-named aliases 1.x defined here too.
"""

from charms.reactive._compat import (
    State,
    StateList,
    all_states,
    any_states,
    get_state,
    get_states,
    is_state,
    remove_state,
    set_state,
    toggle_state,
)
from charms.reactive._flags import (
    CLEAR_TRIGGER_PREFIX,
    FLAG_PREFIX,
    SET_TRIGGER_PREFIX,
    FlagWatch,
    all_flags_set,
    any_flags_set,
    clear_flag,
    clear_triggers,
    flag_values,
    flag_watch,
    get_flag_value,
    get_flags,
    get_unset_flags,
    is_flag_set,
    register_trigger,
    set_flag,
    toggle_flag,
)

__all__ = [
    "CLEAR_TRIGGER_PREFIX",
    "FLAG_PREFIX",
    "SET_TRIGGER_PREFIX",
    "FlagWatch",
    "State",
    "StateList",
    "all_flags_set",
    "all_states",
    "any_flags_set",
    "any_states",
    "clear_flag",
    "clear_triggers",
    "flag_values",
    "flag_watch",
    "get_flag_value",
    "get_flags",
    "get_state",
    "get_states",
    "get_unset_flags",
    "is_flag_set",
    "is_state",
    "register_trigger",
    "remove_state",
    "set_flag",
    "set_state",
    "toggle_flag",
    "toggle_state",
]
