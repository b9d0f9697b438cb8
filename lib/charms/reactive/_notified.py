"""The notified view: what Juju has told this unit about its relations, kept between hooks.

Juju runs ``-changed`` on this unit whenever a remote unit's (or application's) data bag
changes, ``-joined``/``-departed`` whenever a relation's membership changes, and
``-created``/``-broken`` whenever a relation id comes or goes. So the unit does not need to
ask again, in every hook, for what it was told: this module keeps, in the unit's store,

* each remote bag as of its last notification (``reactive.notified.bag.<rid>.<unit or app>``),
* each relation's remote units as of its last ``-joined``/``-departed``
  (``reactive.notified.units.<rid>``),
* each relation name's ids as of its last ``-created``/``-joined``/``-broken``
  (``reactive.notified.ids.<relation name>``),

and serves the hook's reads from there (:class:`NotifiedTools`, the hook tools below the
per-hook cache). A key is filled lazily, by the first read that finds it missing (one tool
call, then stored), and *dropped* when Juju notifies a change of what it holds: the notified
bag, membership or ids are read from Juju again, by the first read that needs them. Every
change is part of the hook's transaction: committed only when the hook succeeds.

A notification whose hook never committed (it failed and was skipped with ``juju resolved
--no-retry``, or was killed) must not leave its key stale. So before the handlers run, each
relation hook appends what it was notified of to a journal *outside* the transaction
(``<state db>.notified``, a small JSON file); the next hook drops the keys of every journal
entry the store does not mark as handled, and each committed hook marks the journal handled
(``reactive.notified.done``, in its transaction).

``install``, ``start`` and ``upgrade-charm`` drop every membership and id key (read again from
Juju when needed). ``CHARMS_REACTIVE_NOTIFIED_CACHE=off`` turns the view off for one hook,
and the base layer option ``notified_cache: false`` for every hook: reads then ask Juju in
every hook, as before, and the stored view is dropped (so it never holds what such a hook
was notified of). Charm code calling charmhelpers' ``hookenv.relation_get`` still asks Juju.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from charms.reactive import _runtime
from charms.reactive._lifecycle import Hook
from charms.reactive.juju import HookTools

__all__ = ["ENV_SWITCH", "PREFIX", "NotifiedRelations", "NotifiedTools", "journal_path"]

#: Every key of the view starts with this.
PREFIX: Final = "reactive.notified."
_BAG: Final = PREFIX + "bag."
_UNITS: Final = PREFIX + "units."
_IDS: Final = PREFIX + "ids."
_DONE: Final = PREFIX + "done"
#: ``off`` (or ``0``, ``false``, ``no``) turns the view off for the hook.
ENV_SWITCH: Final = "CHARMS_REACTIVE_NOTIFIED_CACHE"
_OFF: Final = frozenset({"off", "0", "false", "no"})
#: Hooks after which the unit may have missed membership changes: they read it again.
_REFRESH_HOOKS: Final = frozenset({"install", "start", "upgrade-charm"})
_RELATION_KINDS: Final = ("created", "joined", "changed", "departed", "broken")


def journal_path(db_path: Path) -> Path:
    """Where the notifications of hooks not known to have committed are kept."""
    return db_path.with_name(db_path.name + ".notified")


def _bag_key(relation_id: str, owner: str) -> str:
    return f"{_BAG}{relation_id}.{owner}"


class NotifiedTools:
    """Hook tools that answer reads of remote bags, membership and ids from the view.

    Everything else, the local unit's and application's own bags included, goes to the
    wrapped tools. Writes to the store go through the hook's store (its transaction).
    """

    def __init__(self, inner: HookTools, rt: _runtime.Runtime) -> None:
        """Serve ``rt``'s hook from the view, asking ``inner`` for what it lacks."""
        self.inner = inner
        self._rt = rt
        unit = rt.context.unit_name or ""
        self._unit = unit
        self._app = unit.split("/")[0]
        #: Membership per relation id, decoded once per hook (it changes only between hooks).
        self._members_seen: dict[str, frozenset[str]] = {}

    def _members(self, relation_id: str) -> frozenset[str]:
        found = self._members_seen.get(relation_id)
        if found is None:
            found = self._members_seen[relation_id] = frozenset(self.relation_list(relation_id))
        return found

    def relation_get(self, relation_id: str, unit: str) -> dict[str, str]:
        """A remote unit's bag as of its last notification; the local unit's from Juju."""
        if unit == self._unit:
            return self.inner.relation_get(relation_id, unit)
        kv = self._rt.kv
        key = _bag_key(relation_id, unit)
        stored = kv.get(key)
        if isinstance(stored, dict):
            return dict(stored)
        bag = self.inner.relation_get(relation_id, unit)
        if unit in self._members(relation_id):  # a departed unit's bag is not kept
            kv.set(key, bag)
        return bag

    def relation_get_app(self, relation_id: str, app: str) -> dict[str, str]:
        """A remote application's bag as of its last notification; the local one's from Juju."""
        if app == self._app:
            return self.inner.relation_get_app(relation_id, app)
        kv = self._rt.kv
        key = _bag_key(relation_id, app)
        stored = kv.get(key)
        if isinstance(stored, dict):
            return dict(stored)
        bag = self.inner.relation_get_app(relation_id, app)
        if any(member.split("/")[0] == app for member in self._members(relation_id)):
            kv.set(key, bag)
        return bag

    def relation_list(self, relation_id: str) -> list[str]:
        """The remote units as of the relation's last ``-joined``/``-departed``."""
        kv = self._rt.kv
        key = _UNITS + relation_id
        stored = kv.get(key)
        if isinstance(stored, list):
            return list(stored)
        units = self.inner.relation_list(relation_id)
        kv.set(key, units)
        return units

    def relation_ids(self, relation_name: str) -> list[str]:
        """The relation ids as of the last ``-created``/``-joined``/``-broken`` of the name."""
        kv = self._rt.kv
        key = _IDS + relation_name
        stored = kv.get(key)
        if isinstance(stored, list):
            return list(stored)
        ids = self.inner.relation_ids(relation_name)
        kv.set(key, ids)
        return ids

    def relation_set(
        self, relation_id: str, data: Mapping[str, str], *, app: bool = False
    ) -> None:
        """Write through to Juju."""
        self.inner.relation_set(relation_id, data, app=app)

    def juju_log(self, message: str, level: str = "INFO") -> None:
        """Log through to Juju."""
        self.inner.juju_log(message, level)

    def config_get(self) -> dict[str, Any]:
        """Ask Juju."""
        return self.inner.config_get()

    def is_leader(self) -> bool:
        """Ask Juju."""
        return self.inner.is_leader()


def _enabled(rt: _runtime.Runtime) -> bool:
    if os.environ.get(ENV_SWITCH, "").strip().lower() in _OFF:
        return False
    from reactive_bootstrap import BootstrapError, read_layer_section

    try:
        section = read_layer_section(rt.context.charm_dir) or {}
    except BootstrapError:
        return False  # unreadable: the plain reads are always right
    value = section.get("notified_cache", True)
    return str(value).strip().lower() not in _OFF


def _notification(rt: _runtime.Runtime) -> dict[str, str] | None:
    """What this hook was notified of, or None for a hook that is not a relation hook."""
    ctx = rt.context
    if not ctx.relation_id or not ctx.relation_name:
        return None
    kind = ctx.hook_name.rsplit("-", 1)[-1]
    if kind not in _RELATION_KINDS:
        return None
    return {
        "kind": kind,
        "name": ctx.relation_name,
        "rid": ctx.relation_id,
        "unit": ctx.remote_unit or "",
        "app": ctx.remote_app or "",
    }


def _forget(rt: _runtime.Runtime, note: Mapping[str, str], *, keep_departed: bool = False) -> None:
    """Drop the keys a notification makes stale (in the hook's transaction)."""
    kv = rt.kv
    kind, rid, unit, app = note["kind"], note["rid"], note["unit"], note["app"]
    if kind in ("created", "joined", "broken"):
        kv.unset(_IDS + note["name"])
    if kind in ("joined", "departed", "broken", "created"):
        kv.unset(_UNITS + rid)
    if kind == "broken":
        kv.unsetrange(prefix=f"{_BAG}{rid}.")
    elif unit and not (kind == "departed" and keep_departed):
        kv.unset(_bag_key(rid, unit))
    elif app and not unit and kind == "changed":
        kv.unset(_bag_key(rid, app))


class NotifiedRelations:
    """The hook lifecycle's participant that puts the view below the hook's read cache."""

    def __init__(self) -> None:
        """A participant for one hook."""
        self._note: dict[str, str] | None = None
        self._token: str | None = None
        self._enabled = False

    def begin(self, hook: Hook) -> None:
        """Drop what earlier notifications and this one make stale, then serve reads."""
        rt = hook.rt
        kv = rt.kv
        if not _enabled(rt):
            kv.unsetrange(prefix=PREFIX)
            return
        self._enabled = True
        path = journal_path(rt.db_path)
        pending = _pending(path, kv.get(_DONE))
        if any(entry.get("kind") not in _RELATION_KINDS for entry in pending):
            kv.unsetrange(prefix=PREFIX)  # an unreadable journal: forget everything
            pending = []
        for entry in pending:
            _forget(rt, entry)
        if rt.context.hook_name in _REFRESH_HOOKS:
            kv.unsetrange(prefix=_UNITS)
            kv.unsetrange(prefix=_IDS)
        note = _notification(rt)
        if note is not None:
            # In -departed, the departing unit's bag as last notified is what Juju still
            # serves: kept for this hook's reads, dropped at its end.
            _forget(rt, note, keep_departed=True)
            self._note = note
            pending.append({**note, "token": secrets.token_hex(8)})
            _write_journal(path, pending)  # before the handlers, outside the transaction
        if pending:
            self._token = pending[-1]["token"]
        rt.tools.inner = NotifiedTools(rt.tools.inner, rt)

    def end(self, hook: Hook) -> None:
        """Drop what a -departed or -broken ends; mark the journal handled."""
        if not self._enabled:
            return
        rt = hook.rt
        note = self._note
        if note is not None and note["kind"] == "departed" and note["unit"]:
            rt.kv.unset(_bag_key(note["rid"], note["unit"]))
        if note is not None and note["kind"] == "broken":
            # Juju >= 3.4 lists the broken relation in its own -broken only.
            rt.kv.unset(_IDS + note["name"])
            rt.kv.unsetrange(prefix=f"{_BAG}{note['rid']}.")
            rt.kv.unset(_UNITS + note["rid"])
        if self._token is not None:
            rt.kv.set(_DONE, self._token)


def _pending(path: Path, done: Any) -> list[dict[str, str]]:
    """The journal's entries after the last one a committed hook handled."""
    try:
        entries = json.loads(path.read_text())
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        return [{"kind": "unreadable"}]
    if not isinstance(entries, list):
        return [{"kind": "unreadable"}]
    fields = ("kind", "name", "rid", "unit", "app", "token")
    if not all(
        isinstance(entry, dict) and all(isinstance(entry.get(f), str) for f in fields)
        for entry in entries
    ):
        return [{"kind": "unreadable"}]
    tokens = [entry["token"] for entry in entries]
    if done in tokens:
        entries = entries[tokens.index(done) + 1 :]
    return entries


def _write_journal(path: Path, entries: list[dict[str, str]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(entries, handle)
    os.replace(tmp, path)
