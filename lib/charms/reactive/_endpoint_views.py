"""The collections and data views of the Endpoint API (charms.reactive 1.x names).

``KeyList`` (a list indexed by position or by a key attribute), ``CachedKeyList`` (one that
persists itself in the unit's store) and ``CombinedUnitsView`` (units of several relations,
with their data merged); ``UnitDataView`` (a relation bag as strings) and
``JSONUnitDataView`` (the same bag, values JSON-decoded). Differences from 1.x are deliberate
and listed in the README: deletions are changes that are sent, ``None`` through the JSON view
deletes, slices work, ``pop`` returns the item, every mutation of a ``CachedKeyList`` persists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, Generic, SupportsIndex, TypeVar, overload

from charms.reactive import _runtime
from charms.reactive.errors import ReactiveError

__all__ = ["CachedKeyList", "CombinedUnitsView", "JSONUnitDataView", "KeyList", "UnitDataView"]

T = TypeVar("T")


class ReadOnlyDataError(ReactiveError, ValueError):
    """Remote data was modified: it belongs to the remote unit (a ``ValueError``, as in 1.x)."""


class UnitDataView(MutableMapping[str, Any]):
    """A relation bag: missing keys read as None; writes are recorded to be sent.

    Read-only views (remote data) raise :class:`ReadOnlyDataError`, a ``ValueError`` with 1.x's
    message, on any change. Writeable views (``to_publish_raw``) store values as given; they are
    sent as strings (``str(value)``) when the hook succeeds, only the keys that changed.
    ``del view[key]`` (or assigning ``None`` or ``""``) deletes the key in Juju. The bag is
    read from Juju only when something reads it: a view that is only written costs no
    ``relation-get``.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None,
        writeable: bool = False,
        *,
        where: str = "",
    ) -> None:
        """View ``data`` (a mapping, copied; or a function that reads it on first use)."""
        self._loader = data if callable(data) else None
        self._data: dict[str, Any] | None = None if callable(data) else dict(data or {})
        self._original: dict[str, Any] = dict(self._data or {})
        self._writeable = writeable
        self._where = where
        #: The keys changed through this view (the value, or None for a deletion).
        self.changes: dict[str, Any] = {}

    @property
    def data(self) -> dict[str, Any]:
        """The bag as a dict, with this hook's changes applied (read on first use)."""
        if self._data is None:
            loaded = dict(self._loader() if self._loader is not None else {})
            self._original = dict(loaded)
            for key, value in self.changes.items():
                if value is None:
                    loaded.pop(key, None)
                else:
                    loaded[key] = value
            self._data = loaded
        return self._data

    def unsent(self) -> dict[str, str]:
        """The changes Juju does not hold yet, as ``relation-set`` wants them (``""`` deletes).

        Without a read of the bag every change is sent; after one, only real changes.
        """
        known = self._data is not None
        out: dict[str, str] = {}
        for key, value in self.changes.items():
            text = "" if value is None else str(value)
            if known and self._original.get(key, "") == text:
                continue
            out[key] = text
        return out

    @property
    def where(self) -> str:
        """Whose bag on which relation this is (``the data of db/0 on db:1``), for errors."""
        return self._where

    @property
    def writeable(self) -> bool:
        """Whether this view may be changed (the local unit's or application's bag)."""
        return self._writeable

    @property
    def modified(self) -> bool:
        """Whether anything was changed through this view."""
        return bool(self.changes)

    def _check(self, key: str) -> None:
        if not self._writeable:
            where = f" ({self._where}, key {key!r})" if self._where else f" (key {key!r})"
            raise ReadOnlyDataError(f"Remote unit data cannot be modified{where}")

    def __getitem__(self, key: str) -> Any:
        return self.data.get(key)

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value of ``key``, or ``default`` when it is absent."""
        return self.data.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self._check(key)
        if value is None or value == "":
            self.__delitem__(key)
            return
        self.changes[key] = value
        if self._data is not None:
            self._data[key] = value

    def __delitem__(self, key: str) -> None:
        self._check(key)
        self.changes[key] = None
        if self._data is not None:
            self._data.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self.data

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Set ``key`` to ``default`` only if it is absent; return its value."""
        if key not in self.data:
            self[key] = default
        return self.data.get(key)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.data!r}>"


class JSONUnitDataView(MutableMapping[str, Any]):
    """A relation bag whose values are JSON: decoded when read, encoded when written.

    A value that is not JSON reads as the raw string (as in 1.x: it never fails the hook).
    Written values are encoded with sorted keys (peers compare the strings); a value that
    JSON cannot encode is a ``TypeError`` naming the key; ``None`` deletes the key.
    """

    def __init__(self, raw: UnitDataView) -> None:
        """Wrap ``raw``."""
        self.raw_data = raw

    @property
    def data(self) -> UnitDataView:
        """The raw view (1.x name)."""
        return self.raw_data

    @property
    def writeable(self) -> bool:
        """Whether this view may be changed."""
        return self.raw_data.writeable

    @property
    def modified(self) -> bool:
        """Whether anything was changed."""
        return self.raw_data.modified

    def __getitem__(self, key: str) -> Any:
        return decode_value(self.raw_data.data.get(key))

    def get(self, key: str, default: Any = None) -> Any:
        """Return the decoded value of ``key``, or ``default`` when it is absent."""
        data = self.raw_data.data
        return decode_value(data[key]) if key in data else default

    def __setitem__(self, key: str, value: Any) -> None:
        if value is None:
            del self.raw_data[key]
            return
        try:
            encoded = json.dumps(value, sort_keys=True)
        except (TypeError, ValueError) as err:
            where = self.raw_data.where
            place = f" in {where}" if where else ""
            raise TypeError(f"cannot encode the value of {key!r}{place} as JSON: {err}") from None
        self.raw_data[key] = encoded

    def __delitem__(self, key: str) -> None:
        del self.raw_data[key]

    def __contains__(self, key: object) -> bool:
        return key in self.raw_data

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw_data)

    def __len__(self) -> int:
        return len(self.raw_data)

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Set ``key`` to ``default`` only if it is absent; return its decoded value."""
        if key not in self.raw_data:
            self[key] = default
        return self.get(key)

    def __repr__(self) -> str:
        return f"<JSONUnitDataView {dict(self.items())!r}>"


def decode_value(value: Any) -> Any:
    """Decode a raw bag value as JSON; one that is not JSON (or empty) comes back as it is."""
    if not value or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class KeyList(list[T], Generic[T]):
    """A list whose items can also be found by an attribute: ``kl[0]``, ``kl["db:1"]``.

    A string subscript is the first item whose ``key_attr`` equals it (``KeyError`` if none);
    integers and slices index as usual (1.x took slices for keys). ``x in kl`` is true for an
    item or a key.
    """

    def __init__(self, items: Any, key_attr: str) -> None:
        """Hold ``items``, keyed by their attribute ``key_attr``."""
        super().__init__(items)
        self.key_attr = key_attr

    def _index_of(self, key: Any) -> int:
        for index, item in enumerate(self):
            if getattr(item, self.key_attr) == key:
                return index
        raise KeyError(key)

    @overload
    def __getitem__(self, key: SupportsIndex) -> T: ...
    @overload
    def __getitem__(self, key: slice) -> list[T]: ...
    @overload
    def __getitem__(self, key: str) -> T: ...
    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, (int, slice)):
            return super().__getitem__(key)
        return super().__getitem__(self._index_of(key))

    def __delitem__(self, key: Any) -> None:
        if isinstance(key, (int, slice)):
            super().__delitem__(key)
        else:
            super().__delitem__(self._index_of(key))

    def pop(self, key: Any = -1) -> T:
        """Remove and return the item at a position or with a key."""
        index = key if isinstance(key, int) else self._index_of(key)
        return super().pop(index)

    def __contains__(self, item: object) -> bool:
        return super().__contains__(item) or any(getattr(x, self.key_attr) == item for x in self)

    def keys(self) -> list[Any]:
        """The keys of the items, in order."""
        return [getattr(item, self.key_attr) for item in self]

    def values(self) -> list[T]:
        """The items, as a plain list."""
        return list(self)

    def items(self) -> Iterator[tuple[Any, T]]:
        """``(key, item)`` pairs, in order."""
        return ((getattr(item, self.key_attr), item) for item in self)


class CachedKeyList(KeyList[T]):
    """A :class:`KeyList` kept in the unit's store under ``cache_key``: every mutation persists.

    Items are saved with their ``_serialize()`` and loaded with a deserializer; the list is
    committed with the hook (rolled back with it).
    """

    def __init__(self, cache_key: str, items: Any, key_attr: str) -> None:
        """Hold ``items`` persisted under ``cache_key``."""
        super().__init__(items, key_attr)
        self.cache_key = cache_key

    @classmethod
    def load(
        cls, cache_key: str, deserializer: Callable[[Any], T], key_attr: str
    ) -> CachedKeyList[T]:
        """Load the list stored under ``cache_key`` (empty when there is none)."""
        stored = _runtime.current().kv.get(cache_key) or []
        return cls(cache_key, [deserializer(item) for item in stored], key_attr)

    def _save(self) -> None:
        kv = _runtime.current().kv
        if self:
            kv.set(self.cache_key, [item._serialize() for item in self])  # type: ignore[attr-defined]
        elif kv.get(self.cache_key) is not None:
            kv.unset(self.cache_key)

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self._save()

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._save()

    def pop(self, key: Any = -1) -> T:
        """Remove and return an item (1.x returned None), and persist."""
        item = super().pop(key)
        self._save()
        return item

    def remove(self, item: T) -> None:
        """Remove an item and persist."""
        super().remove(item)
        self._save()

    def clear(self) -> None:
        """Empty the list and persist."""
        super().clear()
        self._save()

    def append(self, item: T) -> None:
        """Append and persist."""
        super().append(item)
        self._save()

    def extend(self, items: Any) -> None:
        """Extend and persist."""
        super().extend(items)
        self._save()

    def insert(self, index: SupportsIndex, item: T) -> None:
        """Insert and persist (1.x did not persist)."""
        super().insert(index, item)
        self._save()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        """Sort and persist."""
        super().sort(*args, **kwargs)
        self._save()

    def reverse(self) -> None:
        """Reverse and persist."""
        super().reverse()
        self._save()

    def __iadd__(self, items: Any) -> CachedKeyList[T]:  # type: ignore[override,misc]
        self.extend(items)
        return self


class CombinedUnitsView(KeyList[T]):
    """The joined units of several relations, keyed by unit name, with their data merged.

    Units are ordered by relation id, then unit name, *numerically* (``db:2`` before ``db:10``;
    1.x sorted the strings). ``received`` merges every unit's bag: where several units set a
    key, the first unit in that order wins.
    """

    def __init__(self, items: Any) -> None:
        """Hold the related units ``items``."""
        super().__init__(sorted(items, key=_unit_order), "unit_name")
        self._merged: UnitDataView | None = None

    @property
    def received_raw(self) -> UnitDataView:
        """The merged raw data of every unit (read-only)."""
        if self._merged is None:
            merged: dict[str, Any] = {}
            for unit in reversed(self):
                merged.update(unit.received_raw.data)  # type: ignore[attr-defined]
            self._merged = UnitDataView(merged, where="the merged data of all joined units")
        return self._merged

    @property
    def received(self) -> JSONUnitDataView:
        """The merged data of every unit, JSON-decoded (read-only)."""
        return JSONUnitDataView(self.received_raw)


def number_order(name: str) -> tuple[str, int, str]:
    """Order ``app/10`` after ``app/2`` and ``db:10`` after ``db:2``."""
    for sep in ("/", ":"):
        head, found, tail = name.rpartition(sep)
        if found and tail.isdigit():
            return head, int(tail), ""
    return name, -1, name


def _unit_order(unit: Any) -> tuple[tuple[str, int, str], tuple[str, int, str]]:
    return number_order(unit.relation.relation_id), number_order(unit.unit_name)
