"""Conversations across hooks: migration at hook start, departure and breakage at hook end.

``main()`` calls :func:`begin_hook` before dispatch and :func:`end_hook` after it (before the
commit), through :mod:`charms.reactive.relations`. They read and write only the key-value
store, and use hook tools only where Juju alone knows the answer: which units are still on a
relation (``relation-list``) and which relation ids exist (``relation-ids``), each at most once
per hook thanks to the per-hook cache.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from charms.reactive import flags
from charms.reactive._conversation_store import (
    LOCAL_DATA,
    PREFIX,
    conversation_key,
    is_relation_flag_value,
    prune_flag_references,
    remove_conversations,
)
from charms.reactive._conversations import (
    Conversation,
    relation_conversations,
    scope_kind,
    scopes,
    units_on_other_ids,
)
from charms.reactive._runtime import Runtime

__all__ = ["ScopeLookup", "begin_hook", "end_hook"]

#: Returns the scope of a relation's interface class, or None if it has none.
ScopeLookup = Callable[[str], "str | None"]


def begin_hook(rt: Runtime, scope_of: ScopeLookup) -> None:
    """Bring stored conversations up to date before dispatch.

    * Conversations stored by charms.reactive before 0.4 (keyed by relation name, with a
      ``relation_name`` field) are split per relation id for unit and service scopes, as 1.x
      did at start-up; their local data and flags follow them.
    * Records that 1.x stored outside a relation context (``reactive.conversations.None.*``,
      units ``null`` or ``""``) are repaired or removed.
    * In ``upgrade-charm`` (the first hook after an upgrade from charms.reactive), units that
      are no longer on their relation are dropped: 1.x never departed them in global and
      service scopes, and local data left by the conversations it removed.

    Args:
        rt: The hook's runtime.
        scope_of: Returns the scope of a relation's interface class (None if unknown).
    """
    legacy: dict[str, dict[str, Any]] = {}
    broken: list[str] = []
    for key, value in rt.kv.getrange(PREFIX).items():
        if not key.startswith(PREFIX) or LOCAL_DATA in key or not isinstance(value, dict):
            continue
        if "namespace" not in value and isinstance(value.get("relation_name"), str):
            legacy[key] = value
        elif not value.get("namespace") or not value.get("scope"):
            broken.append(key)
        elif not all(value.get("units") or [None]):
            units = [u for u in value.get("units") or [] if u]
            if units:
                rt.kv.set(key, {**value, "units": units})
            else:
                broken.append(key)
    remove_conversations(broken)
    for key, value in sorted(legacy.items()):
        _migrate(rt, key, value, scope_of)
    if rt.context.hook_name == "upgrade-charm":
        _reconcile(rt)


def _legacy_kind(relation_name: str, scope: str, scope_of: ScopeLookup) -> str:
    declared = scope_of(relation_name)
    if declared is not None:
        return scope_kind(declared)
    if scope == scopes.GLOBAL:
        return scopes.GLOBAL
    return scopes.UNIT if "/" in scope else scopes.SERVICE


def _migrate(rt: Runtime, key: str, value: dict[str, Any], scope_of: ScopeLookup) -> None:
    name, scope = value["relation_name"], str(value.get("scope") or "")
    units = {str(u) for u in value.get("units") or [] if u}
    if not scope:
        remove_conversations([key])
        return
    if scope_kind(_legacy_kind(name, scope, scope_of)) == scopes.GLOBAL:
        Conversation(name, units, scope).save()
        return
    prefix = key + LOCAL_DATA
    local = {
        k[len(prefix) :]: v for k, v in rt.kv.getrange(prefix).items() if k.startswith(prefix)
    }
    new_keys = []
    for relation_id in rt.tools.relation_ids(name):
        present = units & set(rt.tools.relation_list(relation_id))
        if not present:
            continue
        conv = Conversation(relation_id, present, scope)
        stored = Conversation.load([conv.key])
        if stored:
            conv.units |= stored[0].units
        conv.save()
        if local:
            rt.kv.update(local, prefix=conv.key + LOCAL_DATA)
        new_keys.append(conv.key)
    _replace_flag_reference(key, new_keys)
    remove_conversations([key])


def _replace_flag_reference(old: str, new: list[str]) -> None:
    for flag, value in flags.flag_values().items():
        if not is_relation_flag_value(value) or old not in value["conversations"]:
            continue
        keys: list[str] = []
        for key in value["conversations"]:
            for replacement in new if key == old else [key]:
                if replacement not in keys:
                    keys.append(replacement)
        if keys:
            flags.set_flag(flag, {"relation": value["relation"], "conversations": keys})
        else:
            flags.clear_flag(flag)


def _reconcile(rt: Runtime) -> None:
    names = {
        key[len(PREFIX) :].split(".", 1)[0].split(":", 1)[0]
        for key in rt.kv.getrange(PREFIX)
        if key.startswith(PREFIX)
    }
    gone: list[str] = []
    for name in sorted(names):
        convs = relation_conversations(name)
        if not convs:
            continue
        ids = rt.tools.relation_ids(name)
        everyone = set()
        for relation_id in ids:
            everyone.update(rt.tools.relation_list(relation_id))
        for conv in convs:
            if ":" in conv.namespace:
                present = (
                    set(rt.tools.relation_list(conv.namespace)) if conv.namespace in ids else set()
                )
            else:
                present = everyone
            _shrink(rt, conv, conv.units & present, gone)
    remove_conversations(gone)
    prune_flag_references(lambda key: not Conversation.load([key]))
    # 1.x's depart() (always a unit-scope conversation) left the removed conversation's local
    # data behind. Only unit-named scopes: other scopes may hold local data before any unit.
    for key in list(rt.kv.getrange(PREFIX)):
        owner, found, _ = key.partition(LOCAL_DATA)
        scope = owner[len(PREFIX) :].partition(".")[2]
        if found and key.startswith(PREFIX) and "/" in scope and rt.kv.get(owner) is None:
            rt.kv.unset(key)


def _shrink(rt: Runtime, conv: Conversation, units: set[str], gone: list[str]) -> None:
    if units == conv.units:
        return
    conv.units = units
    if units:
        rt.kv.set(conv.key, Conversation.serialize(conv))
    else:
        gone.append(conv.key)


def end_hook(rt: Runtime) -> None:
    """Depart and break conversations after dispatch, in every scope.

    * ``-departed``: the remote unit leaves every conversation of the relation id, and the
      relation-wide (global or custom scope) conversation unless it is still on another id of
      the relation. A conversation left without units is removed with its local data, and
      flags stop referencing it.
    * ``-broken``: every conversation of the relation id is removed, with its local data and
      flag references; relation-wide conversations keep only units still on other ids.
      ``JUJU_RELATION_ID`` is trusted: since Juju 3.4 ``relation-ids`` omits the broken id.

    Args:
        rt: The hook's runtime.
    """
    ctx = rt.context
    if not ctx.relation_name or not ctx.relation_id:
        return
    name, rid = ctx.relation_name, ctx.relation_id
    if ctx.is_departed_hook:
        unit = ctx.remote_unit
        if unit is None and ctx.departing_unit != ctx.unit_name:
            unit = ctx.departing_unit
        if unit is not None:
            _depart(rt, name, rid, unit)
    elif ctx.is_broken_hook:
        _break(rt, name, rid)


def _depart(rt: Runtime, name: str, rid: str, unit: str) -> None:
    gone: list[str] = []
    for conv in relation_conversations(name):
        if unit not in conv.units:
            continue
        if conv.namespace == name and unit in units_on_other_ids(name, rid):
            continue  # the same application is related twice: still a member
        if conv.namespace in (name, rid):
            _shrink(rt, conv, conv.units - {unit}, gone)
    remove_conversations(gone)


def _break(rt: Runtime, name: str, rid: str) -> None:
    gone: list[str] = []
    for conv in relation_conversations(name):
        if conv.namespace == rid:
            gone.append(conv.key)
        elif conv.namespace == name:
            _shrink(rt, conv, conv.units & units_on_other_ids(name, rid), gone)
    remove_conversations(gone)
    # Local data of a relation-wide conversation that never had a unit (set in -created)
    # goes when no other id of the relation is left to adopt it.
    wide = conversation_key(name, "")
    orphans = [
        key
        for key in rt.kv.getrange(wide)
        if key.startswith(wide)
        and LOCAL_DATA in key
        and not Conversation.load([key.split(LOCAL_DATA)[0]])
    ]
    if orphans and not [other for other in rt.tools.relation_ids(name) if other != rid]:
        for key in orphans:
            rt.kv.unset(key)
    # Also what was only ever kept in memory (a conversation with no unit yet, in -created or
    # -broken): its local data and the flags that point at it.
    prefix = conversation_key(rid, "")
    for key in rt.kv.getrange(prefix):
        if key.startswith(prefix):
            rt.kv.unset(key)
    prune_flag_references(lambda key: key.startswith(prefix))
