"""The server side of the ``dbaas`` interface: answer each client unit's requests (an Endpoint).

Requests arrive as ``request_<id>`` keys in the client units' bags; each answer is a
``response_<id>`` key in this unit's bag (see ``messages.py``). Answers to the requests of a
client unit that departed are removed from the bag.
"""

from __future__ import annotations

from charms.reactive import ResponderEndpoint, clear_flag, set_flag, toggle_flag, when, when_not

from .messages import DatabaseRequest


class DbaasProvides(ResponderEndpoint):
    """The server: ``new_requests``, answered with ``provide_database(request, ...)``.

    Flags (the README): ``{endpoint_name}.connected``, ``{endpoint_name}.requested`` (some
    request not answered yet by this unit).
    """

    REQUEST_CLASS = DatabaseRequest

    @when("endpoint.{endpoint_name}.joined")
    def _joined(self) -> None:
        set_flag(self.expand_name("{endpoint_name}.connected"))

    @when_not("endpoint.{endpoint_name}.joined")
    def _not_joined(self) -> None:
        clear_flag(self.expand_name("{endpoint_name}.connected"))

    @when("endpoint.{endpoint_name}.new_requests")
    def _requested(self) -> None:
        set_flag(self.expand_name("{endpoint_name}.requested"))

    @when_not("endpoint.{endpoint_name}.new_requests")
    def _all_served(self) -> None:
        clear_flag(self.expand_name("{endpoint_name}.requested"))

    @when("endpoint.{endpoint_name}.departed")
    def _forget_departed(self) -> None:
        # Requests are never withdrawn on the wire: drop our answers to departed units.
        for unit in self.all_departed_units:
            ours = unit.relation.to_publish_raw
            for key in unit.received_raw:
                if key.startswith("request_"):
                    answer = "response_" + key[len("request_") :]
                    if answer in ours:
                        del ours[answer]
        self.all_departed_units.clear()
        clear_flag(self.expand_name("departed"))

    def provide_database(
        self,
        request: DatabaseRequest,
        port: int,
        user: str,
        password: str,
        host: str | None = None,
    ) -> None:
        """Answer ``request`` (one of ``new_requests``) with where and how to connect.

        Args:
            request: The request answered.
            port: The TCP port the database listens on.
            user: The user made for the request.
            password: That user's password.
            host: The address clients should use; by default this unit's ``ingress-address``
                on the request's relation, as Juju published it.
        """
        if host is None:
            host = request.relation.to_publish_raw["ingress-address"]
        request.respond(host=host, port=port, user=user, password=password)
        toggle_flag(self.expand_name("{endpoint_name}.requested"), bool(self.new_requests))
