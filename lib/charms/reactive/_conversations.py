"""Conversations: the persistent, evolving exchange with one or more remote units.

A conversation groups the remote units of a relation by *scope* (one per unit, one per remote
application on each relation id, or one for the whole relation) and owns relation flags, local
data and the remote data of its units.

Records are stored as charms.reactive 1.x stored them (see :mod:`conversation_store`), so a
charm upgraded from it keeps its conversations.

A stored conversation always has at least one unit: when its last unit departs it is removed
together with its local data, and flags stop referencing it (``docs/relations-differences.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from charms.reactive import _runtime, flags, trace
from charms.reactive._conversation_store import (
    LOCAL_DATA,
    ConversationRecord,
    conversation_key,
    is_relation_flag_value,
    parse_record,
    remove_conversations,
    stored_records,
    unit_order,
)
from charms.reactive.errors import HookContextError
from charms.reactive.juju import HookContext

__all__ = [
    "ALL",
    "TOGGLE",
    "Conversation",
    "merge_data",
    "relation_conversations",
    "scope_kind",
    "scopes",
    "units_on_other_ids",
]


class scopes:  # noqa: N801 -- the 1.x name, used as ``scopes.UNIT`` by interface layers
    """The recommended scope values for relation implementations.

    Set one as the ``scope`` class attribute of a :class:`~charms.reactive.relations.RelationBase`
    subclass. Any other string is a custom scope: like :attr:`GLOBAL`, one conversation holds
    every remote unit of the relation, under that string. Scopes are compared by value.
    """

    #: All connected applications and units share a single conversation. The same data is
    #: broadcast to every remote unit, and data read is aggregated across all remote units
    #: (they are expected to agree, or to have a single leader set it).
    GLOBAL: Final = "global"
    #: Each connected application, on each relation id, has its own conversation. Data is
    #: broadcast to every unit of the application; data read is aggregated across its units.
    SERVICE: Final = "service"
    #: Each connected unit has its own conversation (the default). Each unit's data is read
    #: individually, but Juju still shows data sent to one unit to its whole application.
    UNIT: Final = "unit"


class _Sentinel:
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"<{self._name}>"


#: Default of ``toggle_state(active=...)``: invert the flag.
TOGGLE: Final = _Sentinel("TOGGLE")
#: Kept for 1.x compatibility (unused there too).
ALL: Final = _Sentinel("ALL")


def scope_kind(scope: str) -> str:
    """Return how a scope groups units: ``unit``, ``service`` or ``global`` (custom scopes)."""
    if scope in (scopes.UNIT, scopes.SERVICE):
        return scope
    return scopes.GLOBAL


def merge_data(
    key: str | None, value: Any, data: Mapping[str, Any] | None, kwdata: Mapping[str, Any]
) -> dict[str, Any]:
    """Merge the three ways 1.x accepts data: ``data``, then ``key=value``, then keywords.

    Later sources win. The caller's ``data`` is not modified (1.x updated it in place).
    """
    merged: dict[str, Any] = dict(data) if data else {}
    if key is not None:
        merged[key] = value
    merged.update(kwdata)
    return merged


def relation_conversations(relation_name: str) -> list[Conversation]:
    """Return every stored conversation of a relation, by relation id then scope."""
    return [Conversation.deserialize(r) for r in stored_records(relation_name)]


def units_on_other_ids(relation_name: str, relation_id: str | None) -> set[str]:
    """Return the remote units on the ids of a relation other than ``relation_id``.

    One ``relation-ids``, and one ``relation-list`` per other id (cached for the hook).
    """
    tools = _runtime.current().tools
    units: set[str] = set()
    for other in tools.relation_ids(relation_name):
        if other != relation_id:
            units.update(tools.relation_list(other))
    return units


def _context() -> HookContext:
    return _runtime.current().context


class Conversation:
    """The persistent, evolving, two-way communication with one or more remote units.

    A conversation is not limited to a hook: it lasts from the time its first remote unit
    joins until its last one departs, and moves from one semantic state (relation flag) to the
    next. Its *scope* decides which remote units share it (see :class:`scopes`).
    """

    def __init__(self, namespace: str, units: Iterable[str], scope: str) -> None:
        """Create a conversation (use :meth:`join` or :meth:`load` to get a stored one).

        Args:
            namespace: The relation id (unit and service scopes) or relation name.
            units: The remote unit names taking part.
            scope: The scope value: a unit name, an application name, ``global`` or a custom
                string.

        Raises:
            ValueError: ``namespace`` or ``scope`` is empty.
        """
        if not namespace or not scope:
            raise ValueError(
                f"a conversation needs a namespace and a scope, got {namespace!r}, {scope!r}"
            )
        self.namespace = namespace
        self.units: set[str] = {u for u in units if u}
        self.scope = scope

    def __repr__(self) -> str:
        return f"<Conversation {self.key} units={sorted(self.units, key=unit_order)}>"

    @property
    def key(self) -> str:
        """The key under which this conversation is stored."""
        return conversation_key(self.namespace, self.scope)

    @property
    def relation_name(self) -> str:
        """The name of the relation this conversation belongs to."""
        return self.namespace.split(":", 1)[0]

    @property
    def relation_ids(self) -> list[str]:
        """The ids of the relation instances this conversation communicates with.

        Unit and service scopes: the one relation id of the conversation. Global and custom
        scopes: every id of the relation (one ``relation-ids`` per hook), except the relation
        being broken in its ``-broken`` hook.
        """
        if ":" in self.namespace:
            return [self.namespace]
        rt = _runtime.current()
        ids = rt.tools.relation_ids(self.namespace)
        ctx = rt.context
        if ctx.is_broken_hook and ctx.relation_name == self.namespace:
            ids = [rid for rid in ids if rid != ctx.relation_id]
        return ids

    # --- storage ---------------------------------------------------------------------------

    @classmethod
    def serialize(cls, conversation: Conversation) -> ConversationRecord:
        """Return the stored form of a conversation (units sorted, as 1.x stores them)."""
        return {
            "namespace": conversation.namespace,
            "units": sorted(conversation.units),
            "scope": conversation.scope,
        }

    @classmethod
    def deserialize(cls, conversation: Mapping[str, Any]) -> Conversation:
        """Rebuild a conversation from its stored form.

        Raises:
            ValueError: The record lacks a namespace or a scope.
        """
        namespace = conversation.get("namespace") or conversation.get("relation_name")
        return cls(str(namespace or ""), conversation.get("units") or [], conversation["scope"])

    @classmethod
    def load(cls, keys: Iterable[str]) -> list[Conversation]:
        """Load stored conversations by key, in order, skipping keys that are not stored."""
        kv = _runtime.current().kv
        found = []
        for key in keys:
            record = parse_record(key, kv.get(key))
            if record is not None:
                found.append(cls.deserialize(record))
        return found

    def save(self) -> None:
        """Store the conversation, or remove it (with its local data and flags) if unitless."""
        if self.units:
            _runtime.current().kv.set(self.key, self.serialize(self))
        else:
            remove_conversations([self.key])

    @classmethod
    def join(cls, scope: str) -> Conversation:
        """Get or create the conversation of ``scope`` for the running relation hook.

        The hook's remote unit is added to it (except in ``-broken``, where the relation is
        going away). A conversation without units is not stored.

        Args:
            scope: The scope *kind*: :attr:`scopes.UNIT`, :attr:`scopes.SERVICE`,
                :attr:`scopes.GLOBAL` or a custom string.

        Raises:
            HookContextError: Not in a relation hook, or the scope needs a remote unit
                (application) that the hook does not have.
        """
        ctx = _context()
        relation_name, relation_id = ctx.require_relation()
        kind = scope_kind(scope)
        if kind == scopes.UNIT:
            namespace, value = relation_id, ctx.remote_unit
        elif kind == scopes.SERVICE:
            namespace, value = relation_id, ctx.remote_app
        else:
            namespace, value = relation_name, scope
        if value is None:
            raise HookContextError(
                f"cannot join a {scope!r}-scoped conversation of {relation_id} in hook "
                f"{ctx.hook_name!r}: Juju gives it no remote "
                f"{'unit' if kind == scopes.UNIT else 'application'}"
            )
        key = conversation_key(namespace, value)
        found = cls.load([key])
        conversation = found[0] if found else cls(namespace, [], value)
        if ctx.remote_unit and not ctx.is_broken_hook:
            conversation.units.add(ctx.remote_unit)
            conversation.save()
        return conversation

    def depart(self) -> None:
        """Remove the hook's remote unit from this conversation.

        Departure is also automatic after every ``-departed`` hook, so interface layers need
        not call this; calling it twice is harmless. A relation-wide (global or custom scope)
        conversation keeps a unit still on another id of the relation. A conversation left
        without units is removed at once, with its local data, and flags stop referencing it.

        Raises:
            HookContextError: The hook has no remote unit.
        """
        ctx = _context()
        unit = ctx.remote_unit
        if unit is None:
            raise HookContextError(
                f"depart() needs a remote unit, and hook {ctx.hook_name!r} has none"
            )
        stored = self.load([self.key])
        if stored:
            self.units = stored[0].units
        if unit not in self.units:
            return
        if ":" not in self.namespace and unit in units_on_other_ids(
            self.namespace, ctx.relation_id
        ):
            return  # the same application is related twice: still a member
        self.units.discard(unit)
        self.save()

    # --- flags -----------------------------------------------------------------------------

    def _flag(self, state: str) -> str:
        return state.format(relation_name=self.relation_name)

    def set_state(self, state: str) -> None:
        """Set a flag and add this conversation to it.

        ``{relation_name}`` in the name is replaced by the relation's name, e.g.
        ``conversation.set_state('{relation_name}.available')``. A flag already set without
        conversations (by ``set_flag``) becomes a relation flag.
        """
        flag = self._flag(state)
        value = flags.get_flag_value(flag)
        if is_relation_flag_value(value):
            relation, keys = value["relation"], list(value["conversations"])
        else:
            relation, keys = self.relation_name, []
        if self.key not in keys:
            keys.append(self.key)
        flags.set_flag(flag, {"relation": relation, "conversations": keys})

    def remove_state(self, state: str) -> None:
        """Remove this conversation from a flag; clear the flag if no conversation is left.

        ``{relation_name}`` is interpolated as in :meth:`set_state`. A flag set without
        conversations (by ``set_flag``) has none left, so it is cleared.
        """
        flag = self._flag(state)
        if not flags.is_flag_set(flag):
            return
        value = flags.get_flag_value(flag)
        if not is_relation_flag_value(value):
            flags.clear_flag(flag)
            return
        keys = [k for k in value["conversations"] if k != self.key]
        if not keys:
            flags.clear_flag(flag)
        elif len(keys) != len(value["conversations"]):
            flags.set_flag(flag, {"relation": value["relation"], "conversations": keys})

    def is_state(self, state: str) -> bool:
        """Tell whether the flag is set and this conversation is in it."""
        value = flags.get_flag_value(self._flag(state))
        return is_relation_flag_value(value) and self.key in value["conversations"]

    def toggle_state(self, state: str, active: object = TOGGLE) -> None:
        """Set or remove a flag for this conversation.

        Args:
            state: The flag (``{relation_name}`` is interpolated).
            active: :data:`TOGGLE` (the default) inverts :meth:`is_state`; otherwise the
                flag is set if ``active`` is truthy and removed if not (``None`` removes).
        """
        if active is TOGGLE:
            active = not self.is_state(state)
        if active:
            self.set_state(state)
        else:
            self.remove_state(state)

    set_flag = set_state
    remove_flag = remove_state
    is_flag_set = is_state
    toggle_flag = toggle_state

    # --- data ------------------------------------------------------------------------------

    def _read_units(self, relation_id: str) -> list[str]:
        """The units whose data is read on ``relation_id``: listed ones of this conversation.

        ``-departed``: Juju leaves the departing unit out of ``relation-list`` but still serves
        its data, so it is added last. ``-broken``: ``relation-list`` is empty, but data can
        still be read by id, so the conversation's own units are used.
        """
        rt = _runtime.current()
        ctx = rt.context
        if ctx.is_broken_hook and relation_id == ctx.relation_id:
            return sorted(self.units, key=unit_order)
        listed = rt.tools.relation_list(relation_id)  # a copy: the cache stays intact
        if ctx.is_departed_hook and relation_id == ctx.relation_id:
            departing = ctx.remote_unit or ctx.departing_unit
            if departing and departing not in listed:
                listed.append(departing)
        return [unit for unit in listed if unit in self.units]

    def get_remote(self, key: str, default: Any = None) -> Any:
        """Return the first non-empty value of ``key`` set by a unit of this conversation.

        Units are read in relation id order, then ``relation-list`` order; each unit's bag is
        fetched once per hook. Units of a conversation are expected to agree on their data.
        Values are the strings Juju stores; nothing is evaluated.
        """
        if not self.units:
            return default
        tools = _runtime.current().tools
        for relation_id in self.relation_ids:
            for unit in self._read_units(relation_id):
                value = tools.relation_get(relation_id, unit).get(key)
                if value:
                    return value
        return default

    def set_remote(
        self,
        key: str | None = None,
        value: Any = None,
        data: Mapping[str, Any] | None = None,
        **kwdata: Any,
    ) -> None:
        """Send data to the remote end(s): ``data``, then ``key=value``, then keywords.

        Values are sent as strings (``"{}".format(value)``, so ``True`` becomes ``'True'``);
        ``None`` deletes the key. Writes are buffered and sent at the end of a successful
        hook, in one ``relation-set`` per relation id. Juju shares unit data with the whole
        remote application, whatever the scope. Nothing is sent to a relation in its
        ``-broken`` hook.
        """
        merged = merge_data(key, value, data, kwdata)
        if not merged:
            return
        encoded = {str(k): "" if v is None else f"{v}" for k, v in merged.items()}
        rt = _runtime.current()
        ctx = rt.context
        for relation_id in self.relation_ids:
            if ctx.is_broken_hook and relation_id == ctx.relation_id:
                # In the trace, not in the juju log: a hook logs at most twice, at its end.
                keys = ", ".join(sorted(encoded))
                trace.current_tracer(rt).note(f"not sent to {relation_id} (being broken): {keys}")
                continue
            rt.tools.relation_set(relation_id, encoded)

    def set_local(
        self,
        key: str | None = None,
        value: Any = None,
        data: Mapping[str, Any] | None = None,
        **kwdata: Any,
    ) -> None:
        """Store data locally for this conversation (merged like :meth:`set_remote`).

        It lives under ``<key>.local-data.<field>`` and is removed with the conversation.
        For example, to notice a remote change::

            prev = conversation.get_local('field')
            curr = conversation.get_remote('field')
            if prev != curr:
                handle_change(prev, curr)
                conversation.set_local('field', curr)
        """
        merged = merge_data(key, value, data, kwdata)
        if merged:
            _runtime.current().kv.update(merged, prefix=self.key + LOCAL_DATA)

    def get_local(self, key: str, default: Any = None) -> Any:
        """Return data stored by :meth:`set_local`, or ``default``."""
        return _runtime.current().kv.get(self.key + LOCAL_DATA + key, default)
