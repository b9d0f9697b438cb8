"""The wire format of the ``dbaas`` interface, shared by both roles.

charms.reactive 1.x's request/response format: a request is the key ``request_<id>`` in the
client unit's bag, a JSON object of its fields (``request_id`` and ``database``); the answer
is ``response_<id>`` in each server unit's bag, a JSON object (``host``, ``port``, ``user``,
``password``).
"""

from __future__ import annotations

from charms.reactive import BaseRequest, BaseResponse, Field

__all__ = ["DatabaseRequest", "DatabaseResponse"]

#: The fields of a response, in the order ``credentials()`` gives them.
RESPONSE_FIELDS = ("host", "port", "user", "password")


class DatabaseResponse(BaseResponse):
    """Where a requested database is, and the credentials to use it."""

    host = Field("The address of the server unit that answered.")
    port = Field("The TCP port it listens on (an int).")
    user = Field("The user made for this request.")
    password = Field("That user's password.")


class DatabaseRequest(BaseRequest):
    """A request for one database, by name."""

    RESPONSE_CLASS = DatabaseResponse

    database = Field("The name of the database wanted.")
