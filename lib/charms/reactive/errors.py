"""The exceptions raised by charms.reactive.

Every error the framework raises on purpose derives from :class:`ReactiveError`, and its
message names the thing involved: the flag, the handler (``file:line:name``), the relation
id, or the hook-tool command with its stderr.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AmbiguousConversationError",
    "ConversationNotFoundError",
    "DispatchLimitError",
    "ExternalHandlerError",
    "HandlerDefinitionError",
    "HookContextError",
    "HookLockError",
    "HookPatternError",
    "HookToolError",
    "MetadataError",
    "ReactiveError",
    "RelationImplementationError",
    "RelationNotFoundError",
    "TriggerDefinitionError",
    "UnitStateError",
]


class ReactiveError(Exception):
    """Root of every error raised on purpose by charms.reactive."""


class HookToolError(ReactiveError):
    """A Juju hook tool exited non-zero, could not be started, or printed unparsable output."""

    def __init__(self, cmd: Sequence[str], returncode: int, stderr: str, stdout: str = "") -> None:
        """Record the command, its exit code and output.

        Args:
            cmd: The command line that was run.
            returncode: Its exit code (-1 when it could not be started).
            stderr: What it printed on stderr (or why it could not run).
            stdout: What it printed on stdout.
        """
        self.cmd = list(cmd)
        self.returncode = returncode
        self.stderr = stderr
        self.stdout = stdout
        detail = stderr.strip() or "no output"
        super().__init__(f"{' '.join(self.cmd)!s} failed with exit code {returncode}: {detail}")


class HookContextError(ReactiveError):
    """The hook environment lacks something this call needs (e.g. ``JUJU_RELATION_ID``)."""


class HookLockError(ReactiveError):
    """Another hook of the same unit holds the unit's state lock."""


class UnitStateError(ReactiveError):
    """The unit's state database (``UNIT_STATE_DB``) is corrupt, unreadable or locked.

    The message names the file; the file itself is left as it was.
    """


class MetadataError(ReactiveError):
    """``metadata.yaml`` is missing, unreadable or malformed."""


class HandlerDefinitionError(ReactiveError):
    """A handler is decorated wrongly; the message names its ``file:line:name``."""


class HookPatternError(ReactiveError, ValueError):
    """A hook pattern is malformed (e.g. ``{peer:x}``: roles are provides/requires/peers)."""


class TriggerDefinitionError(ReactiveError, ValueError):
    """``register_trigger`` was called with a wrong combination of arguments.

    Subclasses :class:`ValueError`, which charms.reactive 1.x raised there.
    """


class ExternalHandlerError(ReactiveError):
    """An executable (e.g. bash) handler failed when invoked."""

    def __init__(self, handler: str, returncode: int, detail: str = "") -> None:
        """Record the handler and its exit code.

        Args:
            handler: The handler's id (its path relative to the charm).
            returncode: Its exit code (-1 when it could not be started).
            detail: Why it could not be started, if so.
        """
        self.handler = handler
        self.returncode = returncode
        super().__init__(
            f"external handler {handler} failed with exit code {returncode}"
            + (f": {detail}" if detail else "")
        )


class DispatchLimitError(ReactiveError):
    """Dispatch did not settle: handlers kept changing flags beyond the iteration limit."""

    def __init__(self, iterations: int, flags: Sequence[str], handlers: Sequence[str]) -> None:
        """Record what kept changing.

        Args:
            iterations: How many iterations ran.
            flags: The flags that changed in the last iterations.
            handlers: The handlers that ran in the last iterations.
        """
        self.iterations = iterations
        self.flags = sorted(flags)
        self.handlers = list(handlers)
        super().__init__(
            f"dispatch did not settle after {iterations} iterations; "
            f"flags still changing: {', '.join(self.flags) or '(none)'}; "
            f"handlers still running: {', '.join(self.handlers) or '(none)'}"
        )


class RelationImplementationError(ReactiveError):
    """The interface layer implementing a relation cannot be found or fails to load."""

    def __init__(self, relation_name: str, message: str) -> None:
        """Record the relation and what went wrong.

        Args:
            relation_name: The relation (endpoint) name from metadata.yaml.
            message: What went wrong.
        """
        self.relation_name = relation_name
        super().__init__(f"relation {relation_name!r}: {message}")


class ConversationNotFoundError(ReactiveError, ValueError):
    """No conversation matches the requested scope.

    Subclasses :class:`ValueError` because charms.reactive 1.x raised ``ValueError`` there and
    interface layers catch it.
    """

    def __init__(self, scope: str | None, message: str | None = None) -> None:
        """Record the scope that was asked for.

        Args:
            scope: The scope value looked up (None when it could not be inferred).
            message: The full message; a default naming the scope is used when omitted.
        """
        self.scope = scope
        super().__init__(message or f"Conversation with scope '{scope}' not found")


class AmbiguousConversationError(ConversationNotFoundError):
    """Several conversations match a scope (one application related twice), none preferred.

    In a hook of the relation, the conversation on the hook's relation id is preferred; this
    is raised elsewhere. Choose among ``conversations()`` by ``namespace`` (the relation id).
    """

    def __init__(self, scope: str, namespaces: Sequence[str]) -> None:
        """Record the scope and the namespaces (relation ids) that match it.

        Args:
            scope: The scope value looked up.
            namespaces: The namespaces of the matching conversations.
        """
        self.namespaces = sorted(namespaces)
        super().__init__(
            scope,
            f"Conversation with scope '{scope}' is ambiguous: it exists on "
            f"{', '.join(self.namespaces)}; pick one from conversations() by namespace",
        )


class RelationNotFoundError(ReactiveError, ValueError):
    """No relation implementation matches a relation name or flag (``relation_call``).

    Subclasses :class:`ValueError`, which charms.reactive 1.x raised there.
    """

    def __init__(self, what: str) -> None:
        """Record the relation name or flag that was asked for.

        Args:
            what: The relation name or flag.
        """
        self.what = what
        super().__init__(f"Relation not found: {what}")
