"""charms.reactive: a reactive framework for Juju charms, compatible with charms.reactive 1.x.

Handlers are functions decorated with conditions on *flags* (``@when``, ``@when_not``, ...)
or on the hook (``@hook``); :func:`main` runs those whose conditions hold until the flags
settle, and commits the unit's state only if the hook succeeds.
"""

from charms.reactive._compat import (
    all_states,
    any_states,
    get_states,
    is_state,
    remove_state,
    set_state,
    toggle_state,
)
from charms.reactive._main import main
from charms.reactive.decorators import (
    collect_metrics,
    hook,
    meter_status_changed,
    not_unless,
    only_once,
    when,
    when_all,
    when_any,
    when_file_changed,
    when_none,
    when_not,
    when_not_all,
)
from charms.reactive.endpoints import Endpoint
from charms.reactive.flags import (
    all_flags_set,
    any_flags_set,
    clear_flag,
    get_flag_value,
    get_flags,
    get_unset_flags,
    is_flag_set,
    register_trigger,
    set_flag,
    toggle_flag,
)
from charms.reactive.helpers import (
    any_file_changed,
    data_changed,
    is_data_changed,
    mark_invoked,
    was_invoked,
)
from charms.reactive.patterns.request_response import (
    BaseRequest,
    BaseResponse,
    Field,
    RequesterEndpoint,
    ResponderEndpoint,
)
from charms.reactive.relations import (
    RelationBase,
    endpoint_from_flag,
    endpoint_from_name,
    relation_from_flag,
    relation_from_state,
    scopes,
)

__all__ = [
    "BaseRequest",
    "BaseResponse",
    "Endpoint",
    "Field",
    "RelationBase",
    "RequesterEndpoint",
    "ResponderEndpoint",
    "all_flags_set",
    "all_states",
    "any_file_changed",
    "any_flags_set",
    "any_states",
    "clear_flag",
    "collect_metrics",
    "data_changed",
    "endpoint_from_flag",
    "endpoint_from_name",
    "get_flag_value",
    "get_flags",
    "get_states",
    "get_unset_flags",
    "hook",
    "is_data_changed",
    "is_flag_set",
    "is_state",
    "main",
    "mark_invoked",
    "meter_status_changed",
    "not_unless",
    "only_once",
    "register_trigger",
    "relation_from_flag",
    "relation_from_state",
    "remove_state",
    "scopes",
    "set_flag",
    "set_state",
    "toggle_flag",
    "toggle_state",
    "was_invoked",
    "when",
    "when_all",
    "when_any",
    "when_file_changed",
    "when_none",
    "when_not",
    "when_not_all",
]
