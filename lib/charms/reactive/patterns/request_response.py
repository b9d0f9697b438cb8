"""Requests and responses over an Endpoint (1.x ``charms.reactive.patterns.request_response``).

The requester publishes one key per request in its unit bag, ``request_<id>`` → a JSON object
of the request's fields (``request_id`` among them); the responder answers in its own unit
bag, ``response_<id>`` → a JSON object. A subclass of :class:`BaseRequest` declares its fields
with :class:`Field` and names its :class:`BaseResponse` subclass in ``RESPONSE_CLASS``; a
:class:`RequesterEndpoint` or :class:`ResponderEndpoint` names the request class in
``REQUEST_CLASS``. The wire format and the flags are 1.x's: ``endpoint.<name>.has_responses``
and ``.all_responses`` (requester), ``.has_requests`` and ``.new_requests`` (responder).

Unlike 1.x (each listed in the README): requests are kept per endpoint (1.x kept one cache per
request class, which a second endpoint's load wiped), ``find`` and ``response_by_*`` honour
``relation``, ``get_all`` gives created requests in creation order, ``all_responses`` is not
set when there is no request, and ``delete()`` removes a request or response.
"""

from __future__ import annotations

from typing import Any, ClassVar

from charms.reactive import _runtime, flags
from charms.reactive._endpoint_relation import RelatedUnit, Relation
from charms.reactive._endpoint_views import JSONUnitDataView
from charms.reactive.endpoints import Endpoint, made, mark_changed

__all__ = [
    "BaseRequest",
    "BaseResponse",
    "Field",
    "RequesterEndpoint",
    "ResponderEndpoint",
]

_CACHE = "charms.reactive.patterns.request_response"
#: The ids of the requests this unit created, in order, per endpoint.
ORDER_PREFIX = "reactive.endpoints.request_order."


class Field(property):
    """A field of a request or a response: an attribute kept in the relation data."""

    def __init__(self, description: str) -> None:
        """Describe the field (the text is its documentation)."""
        super().__init__(self._read, self._write)
        self.__doc__ = description
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def _read(self, holder: Any) -> Any:
        return holder._get_field(self.name)

    def _write(self, holder: Any, value: Any) -> None:
        holder._update_field(self.name, value)


class _FieldHolder(dict[str, Any]):
    """A request or response: a dict of its fields (so ``json.dumps`` works), kept in step."""

    _source: Relation | RelatedUnit

    @property
    def is_received(self) -> bool:
        """Whether it came from the other side (read-only) rather than from this unit."""
        return isinstance(self._source, RelatedUnit)

    @property
    def relation(self) -> Relation:
        """The relation it travels on."""
        source = self._source
        return source.relation if isinstance(source, RelatedUnit) else source

    def _bag(self) -> JSONUnitDataView:
        source = self._source
        return source.received if isinstance(source, RelatedUnit) else source.to_publish

    def _key(self) -> str:
        raise NotImplementedError

    def _stored(self) -> dict[str, Any]:
        value = self._bag().get(self._key())
        return dict(value) if isinstance(value, dict) else {}

    def _get_field(self, name: str) -> Any:
        return dict.get(self, name)  # BaseRequest.get is 1.x's class method, not dict.get

    def _update_field(self, name: str, value: Any) -> None:
        if self.is_received:
            raise AttributeError(f"can't change field for received {type(self).__name__}")
        data = self._stored()
        data[name] = value
        self._bag()[self._key()] = data
        self[name] = value
        _touch(self.relation.endpoint_name)

    def delete(self) -> None:
        """Remove it from this unit's bag (only what this unit created).

        Raises:
            AttributeError: It was received.
        """
        if self.is_received:
            raise AttributeError(f"can't delete a received {type(self).__name__}")
        del self._bag()[self._key()]
        _touch(self.relation.endpoint_name)


class BaseRequest(_FieldHolder):
    """A request: subclass it, declare :class:`Field` attributes, set ``RESPONSE_CLASS``."""

    RESPONSE_CLASS: ClassVar[type[BaseResponse] | None] = None
    request_id = Field("The request's unique id.")

    def __init__(self, source: Relation | RelatedUnit, request_id: str) -> None:
        """Load request ``request_id`` from ``source`` (our relation, or the unit that sent it).

        Raises:
            TypeError: The subclass names no ``RESPONSE_CLASS``.
        """
        if self.RESPONSE_CLASS is None:
            raise TypeError("RESPONSE_CLASS must be defined by subclass")
        self._source = source
        self._id = request_id
        super().__init__(self._stored())
        self.setdefault("request_id", request_id)
        self.response: BaseResponse | None = None

    def _key(self) -> str:
        return f"request_{self._id}"

    def _update_field(self, name: str, value: Any) -> None:
        if name == "request_id":
            raise AttributeError("request_id can't be modified")
        super()._update_field(name, value)

    @property
    def is_created(self) -> bool:
        """Whether this unit created it."""
        return not self.is_received

    @property
    def ingress_address(self) -> Any:
        """The ``ingress-address`` of its source bag (the requesting unit's)."""
        return self._bag().get("ingress-address")

    @property
    def egress_subnets(self) -> Any:
        """The ``egress-subnets`` of its source bag."""
        return self._bag().get("egress-subnets")

    def create_response(self, **fields: Any) -> BaseResponse:
        """Answer this (received) request.

        Raises:
            ValueError: This unit created the request.
        """
        assert self.RESPONSE_CLASS is not None
        return self.RESPONSE_CLASS.create(self, **fields)

    respond = create_response

    def delete(self) -> None:
        """Withdraw a request this unit created."""
        super().delete()
        endpoint = self.relation.endpoint_name
        _cache(type(self), endpoint).pop(self._id, None)
        _order(endpoint, remove=self._id)

    # -- the class-level API (over every endpoint of this request class) ----------------------
    @classmethod
    def create(cls, relation: Relation, **fields: Any) -> BaseRequest:
        """Create a request on ``relation`` (``request_id`` defaults to a new uuid)."""
        import uuid  # lazily: uuid imports platform, which every hook would pay for

        request_id = str(fields.pop("request_id", None) or uuid.uuid4())
        relation.to_publish[f"request_{request_id}"] = {**fields, "request_id": request_id}
        request = cls(relation, request_id)
        endpoint = Endpoint.from_name(relation.endpoint_name)
        if isinstance(endpoint, _PatternEndpoint):
            endpoint._requests()  # loaded before it joins them
        _cache(cls, relation.endpoint_name)[request_id] = request
        _order(relation.endpoint_name, add=request_id)
        _touch(relation.endpoint_name)
        return request

    @classmethod
    def create_or_update(
        cls, match_fields: list[str], relation: Relation, **fields: Any
    ) -> BaseRequest:
        """Update the request on ``relation`` matching ``fields`` on ``match_fields``, or add."""
        found = cls.find(relation, **{name: fields[name] for name in match_fields})
        if found is None:
            return cls.create(relation, **fields)
        for name, value in fields.items():
            if name != "request_id" and dict.get(found, name) != value:
                setattr(found, name, value)
        return found

    @classmethod
    def get(cls, request_id: str) -> BaseRequest | None:  # type: ignore[override]
        """Return the request with that id, or None."""
        return next((r for r in cls.get_all() if r._id == request_id), None)

    @classmethod
    def get_all(cls) -> list[BaseRequest]:
        """Every request: those this unit created (in creation order), then received ones."""
        out: list[BaseRequest] = []
        for endpoint in _endpoints_of(cls):
            out += endpoint._requests()
        return out

    @classmethod
    def find(cls, relation: Relation | None = None, **fields: Any) -> BaseRequest | None:
        """Return the first request (on ``relation``, if given) whose fields match."""
        found = cls.find_all(relation, **fields)
        return found[0] if found else None

    @classmethod
    def find_all(cls, relation: Relation | None = None, **fields: Any) -> list[BaseRequest]:
        """Return the requests (on ``relation``, if given) whose fields match."""
        rid = relation.relation_id if relation is not None else None
        return [
            r
            for r in cls.get_all()
            if (rid is None or r.relation.relation_id == rid)
            and all(dict.get(r, k) == v for k, v in fields.items())
        ]

    @classmethod
    def _load(cls, sources: list[Any]) -> list[BaseRequest]:
        """(Re)load the requests of ``sources`` (our relations, or remote units)."""
        found: list[BaseRequest] = []
        for source in sources:
            bag = source.received if isinstance(source, RelatedUnit) else source.to_publish
            for key in sorted(bag):
                if key.startswith("request_"):
                    request = cls(source, key[len("request_") :])
                    assert cls.RESPONSE_CLASS is not None
                    request.response = cls.RESPONSE_CLASS._load(request)
                    found.append(request)
        return found


class BaseResponse(_FieldHolder):
    """A response to a request: subclass it and declare :class:`Field` attributes."""

    def __init__(self, source: Relation | RelatedUnit, request: BaseRequest) -> None:
        """Load the response to ``request`` from ``source``."""
        self._source = source
        self.request = request
        super().__init__(self._stored())

    def _key(self) -> str:
        return f"response_{self.request._id}"

    @property
    def request_id(self) -> str:
        """The id of the request answered."""
        return self.request._id

    @classmethod
    def create(cls, request: BaseRequest, **fields: Any) -> BaseResponse:
        """Answer ``request`` (one received from the other side).

        Raises:
            ValueError: This unit created the request.
        """
        if not request.is_received:
            raise ValueError("can't respond to requests we created")
        relation = request.relation
        relation.to_publish[f"response_{request._id}"] = fields
        response = cls(relation, request)
        request.response = response
        _touch(relation.endpoint_name)
        return response

    @classmethod
    def _load(cls, request: BaseRequest) -> BaseResponse | None:
        key = f"response_{request._id}"
        if request.is_received:
            relation = request.relation
            return cls(relation, request) if key in relation.to_publish else None
        for unit in request.relation.joined_units:
            if key in unit.received:
                return cls(unit, request)
        return None


class _PatternEndpoint(Endpoint):
    """What both sides share: the requests of this endpoint, loaded when first needed."""

    REQUEST_CLASS: ClassVar[type[BaseRequest] | None] = None

    def __init__(self, endpoint_name: str, relation_ids: list[str] | None = None) -> None:
        """See :class:`~charms.reactive.endpoints.Endpoint`.

        Raises:
            TypeError: The subclass names no ``REQUEST_CLASS``.
        """
        if self.REQUEST_CLASS is None:
            raise TypeError("REQUEST_CLASS must be defined by subclass")
        super().__init__(endpoint_name, relation_ids)

    def _sources(self) -> list[Any]:
        raise NotImplementedError

    def _requests(self) -> list[BaseRequest]:
        cls = self.REQUEST_CLASS
        assert cls is not None
        cache = _cache(cls, self.endpoint_name)
        if not cache.loaded:
            cache.loaded = True
            loaded = cls._load(self._sources())
            order = {rid: n for n, rid in enumerate(_order(self.endpoint_name))}
            # Requests this unit has no position for (the remote side's, or made by 1.x,
            # which kept no order: they are older than any ordered one) come first.
            loaded.sort(key=lambda r: (order.get(r._id, -1), str(r.relation), r._id))
            cache.update((r._id, r) for r in loaded)
        return list(cache.values())


class RequesterEndpoint(_PatternEndpoint):
    """The side that sends requests (``REQUEST_CLASS``) and reads their responses.

    Each request field ``f`` gives a method ``response_by_f(value, relation=None)``.
    Flags: ``endpoint.<name>.has_responses``, ``endpoint.<name>.all_responses``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        request_class = cls.__dict__.get("REQUEST_CLASS")
        if request_class is None:
            return
        for name in dir(request_class):
            if isinstance(getattr(request_class, name, None), Field):
                setattr(cls, f"response_by_{name}", _response_by(name))

    def _sources(self) -> list[Any]:
        return list(self.relations)

    @property
    def requests(self) -> list[BaseRequest]:
        """The requests this unit sent on this endpoint."""
        return self._requests()

    @property
    def responses(self) -> list[BaseResponse]:
        """The responses received so far."""
        return [r.response for r in self._requests() if r.response is not None]

    def response_by_field(self, relation: Relation | None = None, **fields: Any) -> Any:
        """The response to the request (on ``relation``, if given) whose fields match."""
        rid = relation.relation_id if relation is not None else None
        for request in self._requests():
            if rid is not None and request.relation.relation_id != rid:
                continue
            if all(dict.get(request, k) == v for k, v in fields.items()):
                return request.response
        return None

    def _manage_framework_flags(self) -> None:
        requests, responses = self.requests, self.responses
        flags.toggle_flag(self.expand_name("has_responses"), bool(responses))
        done = bool(requests) and len(responses) == len(requests)
        flags.toggle_flag(self.expand_name("all_responses"), done)


def _response_by(field: str) -> Any:
    def response_by(self: RequesterEndpoint, value: Any, relation: Relation | None = None) -> Any:
        return self.response_by_field(relation, **{field: value})

    response_by.__name__ = f"response_by_{field}"
    response_by.__doc__ = f"The response to the request whose {field} is ``value``."
    return response_by


class ResponderEndpoint(_PatternEndpoint):
    """The side that receives requests and answers them.

    Flags: ``endpoint.<name>.has_requests``, ``endpoint.<name>.new_requests``.
    """

    def _sources(self) -> list[Any]:
        return list(self.all_joined_units)

    @property
    def all_requests(self) -> list[BaseRequest]:
        """Every request received on this endpoint."""
        return self._requests()

    @property
    def new_requests(self) -> list[BaseRequest]:
        """The requests not answered yet."""
        return [r for r in self._requests() if r.response is None]

    def _manage_framework_flags(self) -> None:
        flags.toggle_flag(self.expand_name("has_requests"), bool(self.all_requests))
        flags.toggle_flag(self.expand_name("new_requests"), bool(self.new_requests))


class _Requests(dict[str, "BaseRequest"]):
    """The requests of one endpoint in this hook, by id (``loaded`` once read)."""

    loaded = False


def _cache(cls: type[BaseRequest], endpoint_name: str) -> _Requests:
    caches: dict[tuple[type, str], _Requests]
    caches = _runtime.current().scratch.setdefault(_CACHE, {})
    return caches.setdefault((cls, endpoint_name), _Requests())


def _touch(endpoint_name: str) -> None:
    """Note that the requests or responses of ``endpoint_name`` changed in this hook."""
    mark_changed(_runtime.current(), endpoint_name)


def _endpoints_of(cls: type[BaseRequest]) -> list[_PatternEndpoint]:
    rt = _runtime.current()
    for name in sorted(rt.metadata.endpoints):
        Endpoint.from_name(name)  # built on demand (also outside main())
    return [
        e
        for _, e in sorted(made(rt).items())
        if isinstance(e, _PatternEndpoint)
        and e.REQUEST_CLASS is not None
        and issubclass(e.REQUEST_CLASS, cls)
    ]


def _order(endpoint: str, *, add: str | None = None, remove: str | None = None) -> list[str]:
    kv = _runtime.current().kv
    key = ORDER_PREFIX + endpoint
    ids: list[str] = list(kv.get(key) or [])
    if add is not None and add not in ids:
        ids.append(add)
    if remove is not None and remove in ids:
        ids.remove(remove)
    if add is not None or remove is not None:
        if ids:
            kv.set(key, ids)
        else:
            kv.unset(key)
    return ids
