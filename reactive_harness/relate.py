"""Match two ``app[:endpoint]`` arguments to a pair of endpoints, as ``juju integrate`` does.

A provides endpoint relates to a requires endpoint of the same interface; peers are never
related by hand. When an endpoint is not named, exactly one candidate must fit; as in Juju,
explicitly declared endpoints win over the implicit ``juju-info`` one every charm provides, so
``sub:juju-info principal:juju-info`` names it when it is wanted. A relation is container-scoped
when either endpoint is (then at least one application must be a subordinate).
"""

from __future__ import annotations

from reactive_harness.errors import (
    HarnessError,
    InterfaceMismatchError,
    UnknownApplicationError,
    UnknownEndpointError,
)
from reactive_harness.state import ModelState, RelationEnd

__all__ = ["resolve_endpoints"]

_COUNTERPART = {"provides": "requires", "requires": "provides"}


def _split(state: ModelState, text: str) -> tuple[str, str | None]:
    app, _, endpoint = text.partition(":")
    if app not in state.apps:
        known = ", ".join(sorted(state.apps)) or "none"
        raise UnknownApplicationError(f"application {app!r} not found (deployed: {known})")
    if endpoint:
        spec = state.apps[app].charm.endpoints.get(endpoint)
        if spec is None:
            endpoints = state.apps[app].charm.endpoints.values()
            declared = ", ".join(sorted(e.name for e in endpoints if not e.implicit)) or "none"
            raise UnknownEndpointError(
                f"application {app!r} has no endpoint {endpoint!r} (declared: {declared})"
            )
        if spec.role == "peers":
            raise UnknownEndpointError(f"endpoint {app}:{endpoint} is a peer endpoint")
    return app, endpoint or None


def resolve_endpoints(
    state: ModelState, a: str, b: str, *, existing: bool
) -> tuple[RelationEnd, RelationEnd]:
    """Return the two ends ``a`` and ``b`` name.

    Args:
        state: The model.
        a: ``app`` or ``app:endpoint``.
        b: ``app`` or ``app:endpoint``.
        existing: Looking up an existing relation (no "already related" check).

    Raises:
        UnknownApplicationError: An application is not deployed.
        UnknownEndpointError: An endpoint is not declared, or the choice is ambiguous.
        InterfaceMismatchError: The named endpoints cannot be related.
        HarnessError: They are already related (when ``existing`` is false).
    """
    app_a, ep_a = _split(state, a)
    app_b, ep_b = _split(state, b)
    if app_a == app_b:
        raise InterfaceMismatchError(f"cannot relate application {app_a!r} to itself")
    specs_a = state.apps[app_a].charm.endpoints
    specs_b = state.apps[app_b].charm.endpoints
    if ep_a and ep_b:
        sa, sb = specs_a[ep_a], specs_b[ep_b]
        if sa.interface != sb.interface:
            raise InterfaceMismatchError(
                f"cannot relate {app_a}:{ep_a} (interface {sa.interface!r}) to "
                f"{app_b}:{ep_b} (interface {sb.interface!r}): interfaces differ"
            )
        if _COUNTERPART.get(sa.role) != sb.role:
            raise InterfaceMismatchError(
                f"cannot relate {app_a}:{ep_a} ({sa.role}) to {app_b}:{ep_b} ({sb.role}): "
                "one side must provide and the other require"
            )
        pairs = [(sa, sb)]
    else:
        pairs = [
            (sa, sb)
            for sa in specs_a.values()
            for sb in specs_b.values()
            if (ep_a is None or sa.name == ep_a)
            and (ep_b is None or sb.name == ep_b)
            and sa.interface == sb.interface
            and _COUNTERPART.get(sa.role) == sb.role
        ]
        explicit = [(x, y) for x, y in pairs if not (x.implicit or y.implicit)]
        if explicit:
            pairs = explicit
        if not pairs:
            raise InterfaceMismatchError(f"no matching endpoints between {a!r} and {b!r}")
        if len(pairs) > 1:
            options = ", ".join(f"{app_a}:{x.name} {app_b}:{y.name}" for x, y in pairs)
            raise UnknownEndpointError(f"ambiguous relation {a!r} {b!r}: could be {options}")
    end_a, end_b = RelationEnd(app_a, pairs[0][0]), RelationEnd(app_b, pairs[0][1])
    if not existing:
        _check_new(state, end_a, end_b)
    return end_a, end_b


def _check_new(state: ModelState, end_a: RelationEnd, end_b: RelationEnd) -> None:
    """Refuse what ``juju integrate`` refuses, and what the emulator cannot do faithfully."""
    live = [rel for rel in state.relations.values() if not rel.removed]
    for rel in live:
        if {str(e) for e in rel.ends} == {str(end_a), str(end_b)}:
            raise HarnessError(f"relation {end_a} {end_b} already exists (#{rel.id})")
    container = "container" in (end_a.endpoint.scope, end_b.endpoint.scope)
    subordinates = [e for e in (end_a, end_b) if state.apps[e.app].charm.subordinate]
    if container and not subordinates:
        # juju state AddRelation, word for word.
        raise InterfaceMismatchError(
            f'cannot add relation "{end_a} {end_b}": container scoped relation requires at '
            "least one subordinate application"
        )
    if container and len(subordinates) == 2:
        raise HarnessError(
            f'cannot add relation "{end_a} {end_b}": container-scoped relations between two '
            "subordinates are not emulated"
        )
    for end in (end_a, end_b):
        limit = end.endpoint.limit
        used = sum(1 for rel in live if any(str(e) == str(end) for e in rel.ends))
        if isinstance(limit, int) and used >= limit:
            # juju state: "establishing a new relation for <ep> would exceed its maximum
            # relation limit of <n>".
            raise HarnessError(
                f'cannot add relation "{end_a} {end_b}": establishing a new relation for '
                f"{end} would exceed its maximum relation limit of {limit}"
            )
