"""Where conversations live: their records in the unit's key-value store, and flag references.

The layout is charms.reactive 1.x's, so a charm upgraded from it keeps its conversations:

* ``reactive.conversations.<namespace>.<scope>`` holds ``{"namespace", "units", "scope"}``
  (units sorted); the namespace is the relation *id* for unit and service scopes, the relation
  *name* for global and custom scopes;
* ``<conversation key>.local-data.<field>`` holds a conversation's local data;
* a relation flag's value is ``{"relation": <name>, "conversations": [conversation keys]}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final, TypedDict, TypeGuard

from charms.reactive import _runtime, flags

__all__ = [
    "LOCAL_DATA",
    "PREFIX",
    "ConversationRecord",
    "RelationFlagValue",
    "conversation_key",
    "is_relation_flag_value",
    "namespace_order",
    "parse_record",
    "prune_flag_references",
    "remove_conversations",
    "stored_records",
    "unit_order",
]

#: Prefix of every conversation key in the unit's key-value store.
PREFIX: Final = "reactive.conversations."
#: Infix between a conversation's key and the name of one of its local data fields.
LOCAL_DATA: Final = ".local-data."


class ConversationRecord(TypedDict):
    """A conversation as stored in the key-value store (1.x format)."""

    namespace: str
    units: list[str]
    scope: str


class RelationFlagValue(TypedDict):
    """The stored value of a flag set by a conversation (1.x format)."""

    relation: str
    conversations: list[str]


def conversation_key(namespace: str, scope: str) -> str:
    """Return the key-value store key of the conversation ``(namespace, scope)``."""
    return f"{PREFIX}{namespace}.{scope}"


def is_relation_flag_value(value: object) -> TypeGuard[RelationFlagValue]:
    """Tell whether a flag value was written by a conversation."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("relation"), str)
        and isinstance(value.get("conversations"), list)
    )


def parse_record(key: str, value: object) -> ConversationRecord | None:
    """Return the conversation stored as ``value`` under ``key``, or None if it is not one.

    Empty unit names (1.x stored ``null`` and ``""`` outside a relation context) are dropped.
    """
    if not isinstance(value, dict):
        return None
    namespace, scope, units = value.get("namespace"), value.get("scope"), value.get("units")
    if not (isinstance(namespace, str) and isinstance(scope, str) and isinstance(units, list)):
        return None
    if conversation_key(namespace, scope) != key:
        return None  # local data that merely looks like a conversation
    return {"namespace": namespace, "units": [u for u in units if u], "scope": scope}


def namespace_order(namespace: str) -> tuple[int, str]:
    """Sort key for namespaces: the relation name first, then relation ids by number."""
    _, _, number = namespace.partition(":")
    return (int(number) if number.isdigit() else -1, namespace)


def unit_order(unit: str) -> tuple[str, int, str]:
    """Sort key for unit names: by application, then unit number (``app/2`` before ``app/10``)."""
    app, _, number = unit.partition("/")
    return (app, int(number) if number.isdigit() else -1, unit)


def stored_records(relation_name: str) -> list[ConversationRecord]:
    """Return every stored conversation record of a relation, by relation id then scope.

    Reads only the key-value store (no hook tool).
    """
    found = []
    for key, value in _runtime.current().kv.getrange(PREFIX + relation_name).items():
        record = parse_record(key, value)
        if record is None:
            continue
        namespace = record["namespace"]
        if namespace == relation_name or namespace.startswith(relation_name + ":"):
            found.append(record)
    found.sort(key=lambda r: (namespace_order(r["namespace"]), r["scope"]))
    return found


def prune_flag_references(drop: Callable[[str], bool]) -> None:
    """Remove conversation keys for which ``drop(key)`` is true from every relation flag.

    A flag left with no conversation is cleared; the others keep their remaining keys.
    """
    for flag, value in flags.flag_values().items():
        if not is_relation_flag_value(value):
            continue
        keys = [k for k in value["conversations"] if not drop(k)]
        if len(keys) == len(value["conversations"]):
            continue
        if keys:
            flags.set_flag(flag, {"relation": value["relation"], "conversations": keys})
        else:
            flags.clear_flag(flag)


def remove_conversations(keys: Iterable[str]) -> None:
    """Delete conversations with their local data, and drop them from every flag."""
    kv = _runtime.current().kv
    removed = set(keys)
    if not removed:
        return
    for key in sorted(removed):
        kv.unset(key)
        local = key + LOCAL_DATA
        for data_key in kv.getrange(local):
            if data_key.startswith(local):  # getrange is a LIKE match: '_' is a wildcard
                kv.unset(data_key)
    prune_flag_references(removed.__contains__)
