"""Fixtures for the relations tests: a charm directory with test interface layers, and hooks.

A test builds a :class:`Charm` (metadata.yaml + ``hooks/relations/<interface>/<role>.py``),
describes the model in its :class:`~helpers.fakes.FakeHookTools` (relation ids, units, bags),
and runs code inside ``charm.hook(...)``: an activated Runtime made from that hook's
environment, with the RelationBase lifecycle participant's ``begin``/``end`` around the body and
a commit at the end, as ``main()`` does.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from charmhelpers.core import unitdata

from charms.reactive import _runtime, relations
from charms.reactive._lifecycle import Hook
from charms.reactive._runtime import Runtime
from helpers.fakes import FakeHookTools, make_context

METADATA = """\
name: local
requires:
  db: {interface: mysql}
  db2: {interface: mysql}
  cache: {interface: memcache}
provides:
  website: {interface: http}
  api: {interface: svc}
peers:
  cluster: {interface: peer}
"""

# Test interface layers, written as 1.x interface layers are.
INTERFACES = {
    "mysql/requires.py": """
        from charms.reactive.relations import RelationBase, scopes


        class MysqlRequires(RelationBase):
            scope = scopes.GLOBAL
            auto_accessors = ["host", "private-address", "port"]

            def private_address(self):
                return "overwritten by the accessor"
    """,
    "http/provides.py": """
        from charms.reactive.relations import RelationBase, scopes


        class HttpProvides(RelationBase):
            scope = scopes.UNIT
            auto_accessors = ["hostname"]

            def hosts(self):
                return sorted(
                    (c.scope.split("/")[0], c.get_remote("hostname")) for c in self.conversations()
                )
    """,
    "svc/provides.py": """
        from charms.reactive.relations import RelationBase, scopes


        class SvcProvides(RelationBase):
            scope = scopes.SERVICE

            def echo(self, *args):
                return list(args)
    """,
    "peer/peers.py": """
        from charms.reactive.relations import RelationBase


        class PeerRelation(RelationBase):
            pass
    """,
    "memcache/requires.py": """
        from charms.reactive.relations import RelationBase


        class MemcacheRequires(RelationBase):
            scope = "memcache-pool"
    """,
}

_PACKAGES = ("relations", "reactive")


@dataclass
class Charm:
    """A charm directory and the model its hooks see."""

    dir: Path
    tools: FakeHookTools = field(default_factory=FakeHookTools)

    def write(self, relpath: str, text: str) -> Path:
        path = self.dir / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
        return path

    def relate(self, rid: str, *units: str, **bags: dict[str, str]) -> None:
        """Put ``units`` on relation ``rid`` (and ``rid`` in relation-ids of its name)."""
        name = rid.split(":")[0]
        ids = self.tools.ids.setdefault(name, [])
        if rid not in ids:
            ids.append(rid)
        listed = self.tools.units.setdefault(rid, [])
        listed.extend(u for u in units if u not in listed)
        self.tools.bags.setdefault(rid, {})

    def set_data(self, rid: str, unit: str, **data: str) -> None:
        self.tools.bags.setdefault(rid, {}).setdefault(unit, {}).update(data)

    def remove_unit(self, rid: str, unit: str) -> None:
        self.tools.units[rid].remove(unit)

    def remove_relation(self, rid: str) -> None:
        name = rid.split(":")[0]
        self.tools.ids[name].remove(rid)
        self.tools.units[rid] = []

    @contextmanager
    def hook(
        self,
        name: str = "update-status",
        rid: str | None = None,
        unit: str | None = None,
        *,
        app: str | None = None,
        departing: str | None = None,
        lifecycle: bool = True,
        commit: bool = True,
    ) -> Iterator[Runtime]:
        """Run the body as hook ``name`` (``<relation>-relation-<x>`` when ``rid`` is given)."""
        env: dict[str, str] = {}
        if rid is not None:
            env["relation"] = rid.split(":")[0]
            env["relation_id"] = rid
            if name.startswith("relation-"):
                name = f"{env['relation']}-{name}"
        if unit is not None:
            env["remote_unit"] = unit
        if app is not None or unit is not None:
            env["remote_app"] = app or str(unit).split("/")[0]
        if departing is not None:
            env["departing_unit"] = departing
        self.tools.calls.clear()
        rt = Runtime(make_context(self.dir, name, **env), self.tools)
        participant, hook = relations.ConversationLifecycle(), Hook(rt, False, ())
        with _runtime.activate(rt):
            try:
                if lifecycle:
                    participant.begin(hook)
                yield rt
                if lifecycle:
                    participant.end(hook)
            except BaseException:
                rt.rollback()
                raise
            if commit:
                rt.commit()
            else:
                rt.rollback()

    def stored(self) -> dict[str, Any]:
        """Everything committed to the unit's key-value store (key -> JSON text)."""
        db = self.dir / ".unit-state.db"
        if not db.exists():
            return {}
        # closing(): "with sqlite3.connect()" never closes (ResourceWarning on 3.13).
        with contextlib.closing(sqlite3.connect(db)) as conn:
            return dict(conn.execute("select key, data from kv").fetchall())

    def conversations(self) -> dict[str, str]:
        return {k: v for k, v in self.stored().items() if k.startswith("reactive.conversations.")}

    def flags(self) -> dict[str, str]:
        prefix = "reactive.states."
        return {k[len(prefix) :]: v for k, v in self.stored().items() if k.startswith(prefix)}


def _purge_modules() -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in _PACKAGES:
            del sys.modules[name]


@pytest.fixture
def charm(tmp_path: Path) -> Iterator[Charm]:
    """A charm with the test interfaces; interface modules and the kv are reset afterwards."""
    c = Charm(tmp_path / "charm", FakeHookTools(local_unit="local/0"))
    c.dir.mkdir()
    c.write("metadata.yaml", METADATA)
    for relpath, text in INTERFACES.items():
        c.write(f"hooks/relations/{relpath}", text)
        init = c.dir / "hooks" / "relations" / relpath.split("/")[0] / "__init__.py"
        init.touch()
    (c.dir / "hooks" / "relations" / "__init__.py").touch()
    saved_path = list(sys.path)
    _purge_modules()
    yield c
    _purge_modules()
    sys.path[:] = saved_path
    if unitdata._KV is not None:
        unitdata._KV.close()
        unitdata._KV = None
