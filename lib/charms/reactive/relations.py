"""RelationBase: the 1.x way for interface layers to implement a relation.

An interface layer subclasses :class:`RelationBase` in ``<role>.py`` and sets ``scope``; its
``@hook`` methods receive an instance joined to the hook's remote unit, and ``@when`` handlers
receive the instance a relation flag refers to. Each instance holds :class:`Conversation`
objects, to which its methods delegate. Where 1.x was wrong this module does better; the
differences are listed in ``docs/relations-differences.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from charms.reactive import _relation_lifecycle, _runtime, flags
from charms.reactive._conversation_store import conversation_key, is_relation_flag_value
from charms.reactive._conversations import ALL as ALL  # 1.x name, not in its __all__ either
from charms.reactive._conversations import (
    TOGGLE,
    Conversation,
    relation_conversations,
    scope_kind,
    scopes,
)
from charms.reactive._lifecycle import Hook
from charms.reactive._relation_lookup import RelationFactory, lookup
from charms.reactive.errors import (
    AmbiguousConversationError,
    ConversationNotFoundError,
    RelationNotFoundError,
)

__all__ = [
    "RelationBase",
    "endpoint_from_flag",
    "endpoint_from_name",
    "relation_from_flag",
    "relation_from_state",
    "scopes",
]


class AutoAccessors(type):
    """Metaclass turning each field of ``auto_accessors`` into an accessor method.

    For a field ``private-address`` the class gets ``private_address(self)`` (dashes become
    underscores), documented ``Get the private-address, if available, or None.``, returning
    ``self.get_remote('private-address')`` from the default conversation. Only the class
    body's own list is processed; accessors are inherited normally.
    """

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> AutoAccessors:
        for field in namespace.get("auto_accessors", ()):
            accessor = _accessor(
                field, namespace.get("__module__"), namespace.get("__qualname__", name)
            )
            namespace[accessor.__name__] = accessor
        return super().__new__(mcs, name, bases, namespace, **kwargs)


def _accessor(field: str, module: str | None, owner: str) -> Callable[[RelationBase], Any]:
    def accessor(self: RelationBase) -> Any:
        return self.get_remote(field)

    accessor.__name__ = field.replace("-", "_")
    accessor.__qualname__ = f"{owner}.{accessor.__name__}"
    accessor.__doc__ = f"Get the {field}, if available, or None."
    if module is not None:
        accessor.__module__ = module
    return accessor


def _context_conversations(relation_name: str, scope: str) -> list[Conversation]:
    """The conversations an instance built from the hook context holds.

    In a hook of this relation with a remote unit: the conversation joined for it. In its
    ``-created`` or ``-broken`` hook: the stored conversations of the hook's relation id (or
    the relation-wide one). Anywhere else: every stored conversation of the relation. Nothing
    is stored outside a hook of the relation.
    """
    ctx = _runtime.current().context
    if ctx.relation_name != relation_name or not ctx.relation_id:
        return relation_conversations(relation_name)
    if ctx.remote_unit and not ctx.is_broken_hook:
        return [Conversation.join(scope)]
    if scope_kind(scope) == scopes.GLOBAL:
        return Conversation.load([conversation_key(relation_name, scope)])
    return [c for c in relation_conversations(relation_name) if c.namespace == ctx.relation_id]


class RelationBase(RelationFactory, metaclass=AutoAccessors):
    """The base class for all relation implementations (interface layers)."""

    #: Conversation scope of this relation: how remote units are grouped into conversations.
    #: One of :class:`scopes` or any string (one relation-wide conversation under that name).
    #: Units of one conversation receive the same data and are expected to agree on theirs.
    scope: ClassVar[str] = scopes.UNIT

    #: Remote field names turned into accessor methods (see :class:`AutoAccessors`). They read
    #: the default conversation, so they suit :attr:`scopes.GLOBAL` best.
    auto_accessors: ClassVar[list[str]] = []

    def __init__(
        self, relation_name: str, conversations: list[Conversation] | None = None
    ) -> None:
        """Create the instance handling ``relation_name``.

        Args:
            relation_name: The relation (endpoint) name in metadata.yaml.
            conversations: The conversations to hold; by default those of the hook context
                (see :meth:`conversations`). An empty list means none.
        """
        self._relation_name = relation_name
        if conversations is None:
            conversations = _context_conversations(relation_name, self.scope)
        self._conversations = list(conversations)

    def __repr__(self) -> str:
        keys = ", ".join(c.key for c in self._conversations)
        return f"<{type(self).__name__} {self._relation_name} [{keys}]>"

    @property
    def relation_name(self) -> str:
        """Name of the relation this instance is handling."""
        return self._relation_name

    @classmethod
    def from_name(
        cls, relation_name: str | None, conversations: list[Conversation] | None = None
    ) -> Any:
        """Return an instance of the class implementing a relation, or None.

        The class comes from the relation's interface layer (see :func:`relation_factory`).
        Without ``conversations`` the instance holds those of the hook context: in a hook of
        this relation, the one joined for the remote unit; elsewhere, all of the relation's.

        Raises:
            RelationImplementationError: The interface layer defines several classes.
            Exception: Whatever importing the interface layer raised.
        """
        if relation_name is None:
            return None
        impl = relation_factory(relation_name)
        if impl is None:
            return None
        if issubclass(impl, RelationBase):
            return impl(relation_name, conversations)
        return impl.from_name(relation_name)

    @classmethod
    def from_flag(cls, flag: str) -> Any:
        """Return the instance a relation flag refers to, holding that flag's conversations.

        Returns None if the flag is unset or was not set by a conversation. Conversations
        that are no longer stored are skipped.
        """
        value = flags.get_flag_value(flag)
        if not is_relation_flag_value(value):
            return None
        conversations = Conversation.load(value["conversations"])
        return cls.from_name(value["relation"], conversations)

    from_state = from_flag

    def conversations(self) -> list[Conversation]:
        """Return the conversations this instance is handling (a copy of its list).

        "Handling" means for the flag or hook context it was built from: the flag's
        conversations, or the hook's joined conversation, not every conversation of the
        relation (outside a hook of the relation, though, it holds them all).
        """
        return list(self._conversations)

    def conversation(self, scope: str | None = None) -> Conversation:
        """Return one conversation, by scope value.

        Without ``scope`` it is inferred from the hook: the remote unit (unit scope) or its
        application (service scope) in a hook of this relation, else the global or custom
        scope string. In ``-created`` and ``-broken`` (no remote unit) the hook's relation id
        decides. With one application related twice, the hook's relation id wins.

        Args:
            scope: A scope *value*: a unit name, an application name, ``global`` or a custom
                string.

        Raises:
            ConversationNotFoundError: The scope cannot be inferred (unit or service scope
                outside a hook of this relation), or no conversation has it. A
                :class:`ValueError`, as in 1.x.
            AmbiguousConversationError: Several relation ids have a conversation with this
                scope and the hook does not say which.
        """
        ctx = _runtime.current().context
        own = ctx.relation_name == self._relation_name and ctx.relation_id is not None
        kind = scope_kind(self.scope)
        if scope is None and kind != scopes.GLOBAL:
            if own and ctx.remote_unit is None and ctx.relation_id is not None:
                return self._teardown_conversation(ctx.relation_id, ctx.remote_app, kind)
            scope = (ctx.remote_unit if kind == scopes.UNIT else ctx.remote_app) if own else None
            if scope is None:
                raise ConversationNotFoundError(
                    None, "Unable to determine default scope: no current hook or global scope"
                )
        elif scope is None:
            scope = self.scope
        matches = [c for c in self._conversations if c.scope == scope]
        if len(matches) > 1 and own:
            here = [c for c in matches if c.namespace in (ctx.relation_id, self._relation_name)]
            matches = here or matches
        if len(matches) > 1:
            raise AmbiguousConversationError(scope, [c.namespace for c in matches])
        if matches:
            return matches[0]
        if kind == scopes.GLOBAL and scope == self.scope:
            # The relation-wide conversation is known without a unit; it is stored once a
            # unit joins it.
            return Conversation(self._relation_name, [], scope)
        raise ConversationNotFoundError(scope)

    def _teardown_conversation(self, rid: str, app: str | None, kind: str) -> Conversation:
        here = [
            c
            for c in self._conversations
            if c.namespace == rid and (kind == scopes.UNIT or app is None or c.scope == app)
        ]
        if len(here) == 1:
            return here[0]
        return Conversation(rid, [], app or rid)

    # --- delegation to conversation(scope) ---------------------------------------------------

    def set_state(self, state: str, scope: str | None = None) -> None:
        """Set a flag for the conversation of ``scope`` (see :meth:`Conversation.set_state`)."""
        self.conversation(scope).set_state(state)

    def remove_state(self, state: str, scope: str | None = None) -> None:
        """Remove the conversation of ``scope`` from a flag (:meth:`Conversation.remove_state`)."""
        self.conversation(scope).remove_state(state)

    def is_state(self, state: str, scope: str | None = None) -> bool:
        """Tell whether the conversation of ``scope`` is in the flag."""
        return self.conversation(scope).is_state(state)

    def toggle_state(self, state: str, active: object = TOGGLE, scope: str | None = None) -> None:
        """Toggle a flag for the conversation of ``scope`` (:meth:`Conversation.toggle_state`)."""
        self.conversation(scope).toggle_state(state, active)

    set_flag = set_state
    remove_flag = remove_state
    is_flag_set = is_state
    toggle_flag = toggle_state

    def set_remote(
        self,
        key: str | None = None,
        value: Any = None,
        data: Mapping[str, Any] | None = None,
        scope: str | None = None,
        **kwdata: Any,
    ) -> None:
        """Send data to the remote end(s) of the conversation of ``scope``.

        Equivalent to ``relation.conversation(scope).set_remote(key, value, data, **kwdata)``.
        """
        self.conversation(scope).set_remote(key, value, data, **kwdata)

    def get_remote(self, key: str, default: Any = None, scope: str | None = None) -> Any:
        """Read remote data of the conversation of ``scope`` (:meth:`Conversation.get_remote`)."""
        return self.conversation(scope).get_remote(key, default)

    def set_local(
        self,
        key: str | None = None,
        value: Any = None,
        data: Mapping[str, Any] | None = None,
        scope: str | None = None,
        **kwdata: Any,
    ) -> None:
        """Store local data for the conversation of ``scope`` (:meth:`Conversation.set_local`)."""
        self.conversation(scope).set_local(key, value, data, **kwdata)

    def get_local(self, key: str, default: Any = None, scope: str | None = None) -> Any:
        """Read local data of the conversation of ``scope`` (:meth:`Conversation.get_local`)."""
        return self.conversation(scope).get_local(key, default)


def relation_factory(relation_name: str) -> type[RelationFactory] | None:
    """Return the class implementing a relation in the current charm, or None.

    The relation's role and interface come from metadata.yaml, and the class is the leaf
    :class:`RelationBase` subclass of ``hooks/relations/<interface>/<role>.py``. Cached per hook.

    Raises:
        RelationImplementationError: The role file defines several classes.
        Exception: Whatever importing the interface layer raised, unchanged.
    """
    return lookup().find(relation_name)


def endpoint_from_name(relation_name: str | None) -> Any:
    """Return the instance handling ``relation_name`` for the current hook, or None.

    In a hook of that relation it is joined to the hook's remote unit as its class's scope
    says; elsewhere it holds all the relation's conversations.
    """
    if relation_name is None:
        return None
    impl = relation_factory(relation_name)
    return None if impl is None else impl.from_name(relation_name)


def endpoint_from_flag(flag: str) -> Any:
    """Return the instance a flag refers to, or None.

    The relation is the flag value's ``relation`` (flags set by conversations), else the
    second part of an ``endpoint.<name>.*`` flag, else the first part of a dotted flag if it
    is a relation of metadata.yaml. A flag set without conversations gives None for a
    :class:`RelationBase` relation.
    """
    value = flags.get_flag_value(flag)
    if is_relation_flag_value(value):
        name = value["relation"]
    elif flag.startswith("endpoint."):
        name = flag.split(".")[1]
    elif "." in flag:
        name = flag.split(".", 1)[0]
        if name not in _runtime.current().metadata.endpoints:
            return None
    else:
        return None
    impl = relation_factory(name)
    return None if impl is None else impl.from_flag(flag)


relation_from_name = endpoint_from_name
relation_from_flag = endpoint_from_flag
relation_from_state = endpoint_from_flag


def relation_call(
    method: str,
    relation_name: str | None = None,
    flag: str | None = None,
    state: str | None = None,
    *args: Any,
) -> Any:
    """Call a method of a relation's instance (the ``relation_call`` command).

    Args:
        method: The method name.
        relation_name: Choose the relation by name (first choice).
        flag: Else choose it by a flag it set.
        state: Deprecated spelling of ``flag``.
        *args: Arguments for the method (strings, from the command line).

    Returns:
        The method's result; for ``conversations`` the list of conversation scopes.

    Raises:
        RelationNotFoundError: No relation matches (a :class:`ValueError`).
        ValueError: Neither a relation name nor a flag was given.
    """
    if relation_name:
        relation = relation_from_name(relation_name)
        if relation is None:
            raise RelationNotFoundError(relation_name)
    elif flag or state:
        chosen = str(flag or state)
        relation = relation_from_flag(chosen)
        if relation is None:
            raise RelationNotFoundError(chosen)
    else:
        raise ValueError("Must specify either relation_name or flag")
    result = getattr(relation, method)(*args)
    if isinstance(relation, RelationBase) and method == "conversations":
        result = [conv.scope for conv in result]
    return result


def _scope_of(relation_name: str) -> str | None:
    impl = relation_factory(relation_name)
    if impl is not None and issubclass(impl, RelationBase):
        return impl.scope
    return None


class ConversationLifecycle:
    """The RelationBase machinery's part in every hook (a lifecycle participant).

    Not part of the 1.x API: ``main()`` registers one per hook.
    """

    def begin(self, hook: Hook) -> None:
        """Prepare stored conversations before dispatch.

        Migrates conversations stored by charms.reactive before 0.4, repairs records 1.x
        stored outside a relation context, and, in ``upgrade-charm``, drops units no longer
        related.
        """
        _relation_lifecycle.begin_hook(hook.rt, _scope_of)

    def end(self, hook: Hook) -> None:
        """Depart and break conversations after dispatch, before the commit.

        After ``-departed`` the remote unit leaves its conversations in every scope; after
        ``-broken`` nothing of the relation id remains. Emptied conversations are removed with
        their local data, and flags stop referencing them.
        """
        _relation_lifecycle.end_hook(hook.rt)
