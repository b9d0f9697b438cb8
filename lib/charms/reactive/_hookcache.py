"""Hook-tool economy: read each data bag once per hook, write once per relation id.

Juju runs every hook tool as a round trip to the unit agent, so a hook should fetch a whole bag
once and send its writes in one ``relation-set`` per relation id, at the end of a successful
hook (Juju itself only commits relation data when the hook exits 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from charms.reactive.juju import HookTools

__all__ = ["CachedHookTools"]


class CachedHookTools:
    """A :class:`~charms.reactive.juju.HookTools` that caches reads and buffers writes.

    One instance lives for one hook. Values returned are copies: callers cannot corrupt the
    cache (charmhelpers' ``related_units`` cache could be: 1.x appended to it in ``-departed``).
    """

    def __init__(self, tools: HookTools, local_unit: str | None) -> None:
        """Wrap ``tools`` for the hook of ``local_unit``."""
        self.inner = tools
        self.local_unit = local_unit
        self._bags: dict[tuple[str, str, bool], dict[str, str]] = {}
        self._lists: dict[str, list[str]] = {}
        self._ids: dict[str, list[str]] = {}
        self._pending: dict[tuple[str, bool], dict[str, str]] = {}
        #: Every write sent during this hook, merged per ``(relation id, app bag?)``.
        self._sent: dict[tuple[str, bool], dict[str, str]] = {}
        self._config: dict[str, Any] | None = None
        self._leader: bool | None = None

    def _overlay(self, relation_id: str, app: bool, bag: dict[str, str]) -> dict[str, str]:
        pending = self._pending.get((relation_id, app))
        if pending:
            self._overlay_onto(bag, pending)
        return bag

    @staticmethod
    def _overlay_onto(bag: dict[str, str], writes: Mapping[str, str]) -> None:
        for key, value in writes.items():
            if value == "":
                bag.pop(key, None)
            else:
                bag[key] = value

    def relation_get(self, relation_id: str, unit: str) -> dict[str, str]:
        """Return ``unit``'s bag, fetched at most once per hook."""
        key = (relation_id, unit, False)
        if key not in self._bags:
            self._bags[key] = self.inner.relation_get(relation_id, unit)
        bag = dict(self._bags[key])
        if unit == self.local_unit:
            bag = self._overlay(relation_id, False, bag)
        return bag

    def relation_get_app(self, relation_id: str, app: str) -> dict[str, str]:
        """Return ``app``'s bag, fetched at most once per hook."""
        key = (relation_id, app, True)
        if key not in self._bags:
            self._bags[key] = self.inner.relation_get_app(relation_id, app)
        bag = dict(self._bags[key])
        if self.local_unit and app == self.local_unit.split("/")[0]:
            bag = self._overlay(relation_id, True, bag)
        return bag

    def relation_set(
        self, relation_id: str, data: Mapping[str, str], *, app: bool = False
    ) -> None:
        """Buffer writes; they are sent by :meth:`flush` (one call per relation id and bag)."""
        for key, value in data.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(
                    f"relation data must be str -> str, got {key!r}: {value!r} "
                    f"for relation {relation_id}"
                )
        self._pending.setdefault((relation_id, app), {}).update(data)

    def relation_ids(self, relation_name: str) -> list[str]:
        """Return the ids of a relation, asked at most once per hook."""
        if relation_name not in self._ids:
            self._ids[relation_name] = self.inner.relation_ids(relation_name)
        return list(self._ids[relation_name])

    def relation_list(self, relation_id: str) -> list[str]:
        """Return the remote units of a relation id, asked at most once per hook."""
        if relation_id not in self._lists:
            self._lists[relation_id] = self.inner.relation_list(relation_id)
        return list(self._lists[relation_id])

    def juju_log(self, message: str, level: str = "INFO") -> None:
        """Log through the wrapped tools (not cached)."""
        self.inner.juju_log(message, level)

    def config_get(self) -> dict[str, Any]:
        """Return the config, asked at most once per hook."""
        if self._config is None:
            self._config = self.inner.config_get()
        return dict(self._config)

    def is_leader(self) -> bool:
        """Return leadership, asked at most once per hook."""
        if self._leader is None:
            self._leader = self.inner.is_leader()
        return self._leader

    def flush(self) -> None:
        """Send buffered writes: one ``relation-set`` per relation id and bag, in write order."""
        pending, self._pending = self._pending, {}
        for (relation_id, app), data in pending.items():
            if data:
                self.inner.relation_set(relation_id, data, app=app)
                self._sent.setdefault((relation_id, app), {}).update(data)
                cached = self._bags.get((relation_id, self._owner(app), app))
                if cached is not None:  # Juju's own view of the bag in this hook
                    self._overlay_onto(cached, data)

    def _owner(self, app: bool) -> str:
        unit = self.local_unit or ""
        return unit.split("/")[0] if app else unit

    @property
    def sent(self) -> dict[tuple[str, bool], dict[str, str]]:
        """Every write sent in this hook, per ``(relation id, app bag?)`` (a copy).

        Juju applies them only if the hook exits 0.
        """
        return {target: dict(data) for target, data in self._sent.items()}

    def pending(self) -> dict[tuple[str, bool], dict[str, str]]:
        """The buffered writes not sent yet (a copy), for :meth:`restore`."""
        return {target: dict(data) for target, data in self._pending.items()}

    def restore(self, pending: dict[tuple[str, bool], dict[str, str]]) -> None:
        """Put back buffered writes saved by :meth:`pending` (undo a failed command's writes)."""
        self._pending = {target: dict(data) for target, data in pending.items()}

    def discard(self) -> None:
        """Drop buffered writes (the hook failed)."""
        self._pending.clear()
