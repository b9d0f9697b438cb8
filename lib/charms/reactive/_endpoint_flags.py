"""The Endpoint machinery's part in every hook: automatic flags, departures, publishing.

A lifecycle participant (:class:`EndpointLifecycle`). In ``begin``, for each relation of the
charm implemented by an :class:`~charms.reactive.endpoints.Endpoint`, in name order:
``register_triggers()``; in a hook of that relation, the departure (``-departed``), the
``joined`` / ``departed`` flags and the change check; then ``manage_flags()`` (every hook).
In ``end``, every relation touched in the hook publishes what changed.

Economy: Juju runs a relation hook for every change of a relation's membership or data, so
outside the endpoint's own relation hooks nothing can have changed and nothing is asked of
Juju. In its relation hooks, only the bag Juju said changed is read (the hook's remote unit,
or its remote application): one ``relation-get``; ``-joined`` and ``-departed`` add the
membership (``relation-ids`` and one ``relation-list`` per relation id). ``upgrade-charm``
looks at everything once (a charm may have switched to this interface there).

Change hashes use charms.reactive 1.x's keys (``reactive.data_changed.endpoint.<name>.<rid>.
<unit>.<key>``, md5 of the sorted JSON of the decoded value), so an upgraded unit does not
see every key change again. Unlike 1.x, a removed key counts as a change, hashes of departed
units and broken relations are forgotten, and application bags are watched.
"""

from __future__ import annotations

from typing import Any, Final

from charms.reactive import _runtime, flags, trace
from charms.reactive._endpoint_relation import REMOTE_APPS, RelatedUnit, touched
from charms.reactive._endpoint_views import decode_value
from charms.reactive._lifecycle import Hook
from charms.reactive.endpoints import Endpoint, changed_in_hook
from charms.reactive.helpers import DATA_PREFIX, data_hash

__all__ = ["EndpointLifecycle", "hash_prefix"]

_ALL_AT_ONCE: Final = ("upgrade-charm",)


def hash_prefix(name: str, relation_id: str, owner: str | None = None) -> str:
    """The key prefix of the change hashes of ``owner`` (a unit or an app), or of everyone."""
    base = f"{DATA_PREFIX}endpoint.{name}.{relation_id}."
    return base if owner is None else f"{base}{owner}."


class EndpointLifecycle:
    """The Endpoint machinery's part in every hook (a lifecycle participant)."""

    def begin(self, hook: Hook) -> None:
        """Build each Endpoint relation's instance, manage its flags (module docstring)."""
        rt = hook.rt
        for name in sorted(rt.metadata.endpoints):
            endpoint = Endpoint.from_name(name)
            if endpoint is None:
                continue
            endpoint.register_triggers()
            ctx = rt.context
            if ctx.relation_name == name or ctx.hook_name in _ALL_AT_ONCE:
                _automatic_flags(rt, endpoint)
                endpoint._manage_framework_flags()
            elif flags.is_flag_set(endpoint.expand_name("joined")):
                # As 1.x: ``departed`` lasts for the hook after the departure only while some
                # unit is still joined. The ``joined`` flag is exact here (membership changes
                # only in the endpoint's own relation hooks), so this asks Juju nothing.
                flags.clear_flag(endpoint.expand_name("departed"))
            endpoint.manage_flags()

    def end(self, hook: Hook) -> None:
        """Update patterns' flags where their data changed; buffer the writes to send."""
        rt = hook.rt
        for name in sorted(changed_in_hook(rt)):
            endpoint = Endpoint.from_name(name)
            if endpoint is not None:
                endpoint._manage_framework_flags()
        ctx = rt.context
        for relation in touched(rt):
            for app, data in relation.unsent():
                if ctx.is_broken_hook and relation.relation_id == ctx.relation_id:
                    keys = ", ".join(sorted(data))
                    trace.current_tracer(rt).note(
                        f"not sent to {relation.relation_id} (being broken): {keys}"
                    )
                    continue
                rt.tools.relation_set(relation.relation_id, data, app=app)


def _automatic_flags(rt: _runtime.Runtime, endpoint: Endpoint) -> None:
    ctx = rt.context
    name = endpoint.endpoint_name
    if ctx.is_departed_hook and ctx.relation_name == name:
        _depart(rt, endpoint)
    elif ctx.is_broken_hook and ctx.relation_name == name and ctx.relation_id:
        _forget(rt, hash_prefix(name, ctx.relation_id))
    joined = endpoint.is_joined
    flags.toggle_flag(endpoint.expand_name("joined"), joined)
    if ctx.is_departed_hook and ctx.relation_name == name:
        flags.set_flag(endpoint.expand_name("departed"))
    elif joined:
        flags.clear_flag(endpoint.expand_name("departed"))
    for relation, owner, bag, app in _bags_to_check(rt, endpoint):
        changed = _check(rt, hash_prefix(name, relation, owner), bag)
        if changed:
            base = "app.changed" if app else "changed"
            flags.set_flag(endpoint.expand_name(base))
            for key in changed:
                flags.set_flag(endpoint.expand_name(f"{base}.{key}"))


def _bags_to_check(
    rt: _runtime.Runtime, endpoint: Endpoint
) -> list[tuple[str, str, dict[str, str], bool]]:
    """``(relation id, owner, bag, app?)`` of the bags Juju says may have changed."""
    ctx = rt.context
    if ctx.hook_name in _ALL_AT_ONCE:
        out = [
            (unit.relation.relation_id, unit.unit_name, dict(unit.received_raw.data), False)
            for unit in endpoint.all_joined_units
        ]
        for relation in endpoint.relations:
            app = relation.application_name
            if app and relation.joined_units:
                out.append((relation.relation_id, app, dict(relation.received_app_raw.data), True))
        return out
    rid = ctx.relation_id
    if rid is None or ctx.is_departed_hook or ctx.is_broken_hook:
        return []
    if ctx.remote_app:
        _remember_app(rt, endpoint.endpoint_name, rid, ctx.remote_app)
    if ctx.remote_unit:
        return [(rid, ctx.remote_unit, rt.tools.relation_get(rid, ctx.remote_unit), False)]
    if ctx.remote_app and ctx.hook_name.endswith("-relation-changed"):
        return [(rid, ctx.remote_app, rt.tools.relation_get_app(rid, ctx.remote_app), True)]
    return []


def _check(rt: _runtime.Runtime, prefix: str, bag: dict[str, str]) -> list[str]:
    """Return the keys of ``bag`` that changed, or went away, since the last check; record.

    In ``upgrade-charm`` (everything looked at once) keys that went away are forgotten
    without counting as changes: 1.x kept the hashes of removed keys forever.
    """
    kv = rt.kv
    stored = {
        key[len(prefix) :]: value
        for key, value in kv.getrange(prefix).items()
        if key.startswith(prefix)  # SQL LIKE: "_" matches any character
    }
    changed: list[str] = []
    for key, raw in sorted(bag.items()):
        digest = data_hash(decode_value(raw), "md5")
        if stored.get(key) != digest:
            kv.set(prefix + key, digest)
            changed.append(key)
    quiet = rt.context.hook_name in _ALL_AT_ONCE
    for key in sorted(set(stored) - set(bag)):
        kv.unset(prefix + key)
        if not quiet:
            changed.append(key)
    return changed


def _depart(rt: _runtime.Runtime, endpoint: Endpoint) -> None:
    """Record the departing unit with its last data, forget its hashes (``-departed``)."""
    ctx = rt.context
    rid, unit = ctx.relation_id, ctx.remote_unit
    if not rid or not unit:
        return
    relation = next((r for r in endpoint.relations if r.relation_id == rid), None)
    if relation is not None:
        data = rt.tools.relation_get(rid, unit)  # Juju still serves it in -departed
        endpoint.all_departed_units.append(RelatedUnit(relation, unit, dict(data)))
        if not relation.joined_units:
            endpoint._forget_relation(rid)
    _forget(rt, hash_prefix(endpoint.endpoint_name, rid, unit))


def _forget(rt: _runtime.Runtime, prefix: str) -> None:
    kv = rt.kv
    for key in kv.getrange(prefix):
        if key.startswith(prefix):
            kv.unset(key)


def _remember_app(rt: _runtime.Runtime, name: str, rid: str, app: str) -> None:
    key = REMOTE_APPS + name
    known: Any = rt.kv.get(key) or {}
    if isinstance(known, dict) and known.get(rid) != app:
        rt.kv.set(key, {**known, rid: app})
