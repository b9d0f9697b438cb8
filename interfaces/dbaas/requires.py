"""The client side of the ``dbaas`` interface: ask for databases by name (an Endpoint).

Each request is a ``request_<id>`` key in this unit's bag; every server unit answers it with
``response_<id>`` in its own bag (see ``messages.py``). The answer used is that of the first
server unit, by unit number, that has answered.
"""

from __future__ import annotations

from charms.reactive import RequesterEndpoint, clear_flag, set_flag, when, when_not

from .messages import RESPONSE_FIELDS, DatabaseRequest


class DbaasRequires(RequesterEndpoint):
    """The client: ``request_database(name)``, then ``credentials(name)`` once answered.

    Flags (the README): ``{endpoint_name}.connected``, ``{endpoint_name}.available``
    (some request answered), ``{endpoint_name}.ready`` (every request answered).
    """

    REQUEST_CLASS = DatabaseRequest

    # The pattern's own flags are kept by the framework; this layer's flags follow them.
    @when("endpoint.{endpoint_name}.joined")
    def _joined(self) -> None:
        set_flag(self.expand_name("{endpoint_name}.connected"))

    @when_not("endpoint.{endpoint_name}.joined")
    def _not_joined(self) -> None:
        clear_flag(self.expand_name("{endpoint_name}.connected"))

    @when("endpoint.{endpoint_name}.has_responses")
    def _some_answered(self) -> None:
        set_flag(self.expand_name("{endpoint_name}.available"))

    @when_not("endpoint.{endpoint_name}.has_responses")
    def _none_answered(self) -> None:
        clear_flag(self.expand_name("{endpoint_name}.available"))

    @when("endpoint.{endpoint_name}.all_responses")
    def _all_answered(self) -> None:
        set_flag(self.expand_name("{endpoint_name}.ready"))

    @when_not("endpoint.{endpoint_name}.all_responses")
    def _not_all_answered(self) -> None:
        clear_flag(self.expand_name("{endpoint_name}.ready"))

    @when("endpoint.{endpoint_name}.departed")
    def _departed(self) -> None:
        # Answers of a departed server unit are gone with it; nothing of it is kept.
        self.all_departed_units.clear()
        clear_flag(self.expand_name("departed"))

    def request_database(self, name: str) -> None:
        """Ask for database ``name`` on every relation of this endpoint.

        A name already asked for on a relation is not asked again, so calling it again (when
        another server application joins) only asks the new one.
        """
        for relation in self.relations:
            if DatabaseRequest.find(relation, database=name) is None:
                DatabaseRequest.create(relation, database=name)
                # Not answered yet (the framework's all_responses follows at the hook's end).
                clear_flag(self.expand_name("{endpoint_name}.ready"))

    def credentials(self, name: str) -> dict[str, object] | None:
        """Return ``{host, port, user, password}`` for database ``name``, or None yet."""
        response = self.response_by_field(database=name)
        if response is None:
            return None
        return {field: response[field] for field in RESPONSE_FIELDS}

    def connection_string(self, name: str) -> str | None:
        """Return ``user:password@host:port/name`` for database ``name``, or None yet."""
        found = self.credentials(name)
        if found is None:
            return None
        return f"{found['user']}:{found['password']}@{found['host']}:{found['port']}/{name}"
