"""The model without its handles: set-up, state, engine, hook-tool server, lookups and reads.

:class:`~reactive_harness.Model` holds a :class:`ModelCore` and adds what tests use: handles
on applications, units and relations, and the operations. The handles read through the core,
which knows nothing of them.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reactive_harness.engine import Engine
from reactive_harness.errors import (
    HarnessError,
    UnknownApplicationError,
    UnknownRelationError,
    UnknownUnitError,
)
from reactive_harness.executor import Executor, SubprocessExecutor
from reactive_harness.records import HookRecord
from reactive_harness.relate import resolve_endpoints
from reactive_harness.state import AppState, ModelState, RelationState, UnitState
from reactive_harness.tools import ToolServer, format_port, jujuc, tool_names
from reactive_harness.unitstate import read_flags, read_kv

__all__ = ["ModelCore"]


def _parse_version(text: str) -> tuple[int, int, int]:
    parts = [int(p) for p in text.split(".")[:3]]
    while len(parts) < 3:
        parts.append(0)
    return parts[0], parts[1], parts[2]


class ModelCore:
    """A model's files, state, engine and hook-tool server, with lookups and reads by name."""

    def __init__(
        self,
        root: str | os.PathLike[str] | None,
        *,
        name: str,
        juju_version: str,
        executor: Executor | None,
        share_venv: bool,
        cache_dir: str | os.PathLike[str] | None,
        env: Mapping[str, str] | None,
        fail_fast: bool,
        hook_timeout: float,
        track_flags: bool,
    ) -> None:
        """Create an empty model: its root, hook tools, engine and tool server.

        The arguments are those of :class:`~reactive_harness.Model`, which documents them.
        """
        self._tmp = None if root is not None else tempfile.mkdtemp(prefix="reactive-harness-")
        self.root = Path(root if root is not None else self._tmp or "").resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.cache_dir = Path(cache_dir) if cache_dir else self.root / "cache"
        self.share_venv = share_venv
        self.state = ModelState(name, str(uuid.uuid4()), _parse_version(juju_version))
        self._tools_dir = self._write_tools()
        self.engine = Engine(
            self.state,
            executor or SubprocessExecutor(),
            tools_dir=self._tools_dir,
            socket_address="",
            extra_env=env or {},
            base_path=os.environ.get("PATH", "/usr/bin:/bin"),
            fail_fast=fail_fast,
            hook_timeout=hook_timeout,
            track_flags=track_flags,
        )
        self._server = ToolServer(self.engine.handle)
        self.engine.socket_address = self._server.address
        if os.environ.get("HOME"):
            self.engine.extra_env.setdefault("HOME", os.environ["HOME"])

    # -- lifecycle -------------------------------------------------------------------------
    def _write_tools(self) -> Path:
        tools = self.root / "tools"
        tools.mkdir(exist_ok=True)
        client = tools / "jujuc"
        source = Path(jujuc.__file__).read_text(encoding="utf-8")
        client.write_text(f"#!{sys.executable} -SE\n{source}", encoding="utf-8")
        client.chmod(0o755)
        for name in tool_names(self.state.juju_version):
            link = tools / name
            if not link.is_symlink():
                link.symlink_to("jujuc")
        return tools

    def close(self) -> None:
        """Stop the hook-tool server and remove a temporary root."""
        self._server.close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def add_path(self, directory: str | os.PathLike[str]) -> None:
        """Put ``directory`` on the ``PATH`` of every later hook, action and ``exec``.

        It comes after the hook tools and before the system's directories (and before
        directories added earlier), so its executables shadow the machine's: this is how
        :class:`~reactive_harness.SystemToolStubs` fakes ``apt-get`` and friends.

        Raises:
            HarnessError: ``directory`` is not a directory.
        """
        path = Path(directory).resolve()
        if not path.is_dir():
            raise HarnessError(f"cannot add {path} to the hooks' PATH: not a directory")
        if path not in self.engine.extra_path:
            self.engine.extra_path.insert(0, path)

    # -- lookups ---------------------------------------------------------------------------
    @property
    def records(self) -> list[HookRecord]:
        """Every hook run so far, in order."""
        return self.engine.records

    def app_state(self, name: str) -> AppState:
        """Return the application called ``name``.

        Raises:
            UnknownApplicationError: No such application.
        """
        app = self.state.apps.get(name)
        if app is None:
            known = ", ".join(sorted(self.state.apps)) or "none"
            raise UnknownApplicationError(f"application {name!r} not found (deployed: {known})")
        return app

    def unit_state(self, name: str) -> UnitState:
        """Return the live unit called ``name``.

        Raises:
            UnknownUnitError: No such unit, or it was removed.
        """
        unit = self.state.units.get(name)
        if unit is None or unit.removed:
            known = ", ".join(u.name for u in self.state.units.values() if not u.removed)
            raise UnknownUnitError(f"unit {name!r} not found (units: {known or 'none'})")
        return unit

    def any_unit_state(self, name: str) -> UnitState:
        """Like :meth:`unit_state` but also finds removed units (their state stays readable)."""
        if name in self.state.units:
            return self.state.units[name]
        return self.unit_state(name)

    def relation_state(self, ref: int | str) -> RelationState:
        """Return a relation by id, ``"app:ep app:ep"`` or ``"app app"``.

        Raises:
            UnknownRelationError: No such relation.
        """
        if isinstance(ref, int):
            rel = self.state.relations.get(ref)
            if rel is None:
                raise UnknownRelationError(f"relation {ref} not found")
            return rel
        words = ref.split()
        if len(words) != 2:
            raise UnknownRelationError(f"expected 'app[:endpoint] app[:endpoint]', got {ref!r}")
        end_a, end_b = resolve_endpoints(self.state, words[0], words[1], existing=True)
        for rel in self.state.relations.values():
            if not rel.removed and {str(e) for e in rel.ends} == {str(end_a), str(end_b)}:
                return rel
        raise UnknownRelationError(f"no relation between {end_a} and {end_b}")

    def pending(self) -> dict[str, list[str]]:
        """Return the hooks still queued, by unit."""
        out = {}
        for name, hooks in self.engine.pending().items():
            unit = self.state.units[name]
            out[name] = [self.engine.hook_name(unit, hook) for hook in hooks]
        return out

    # -- reads -----------------------------------------------------------------------------
    def unit_flags(self, unit: str) -> set[str]:
        """Return a unit's reactive flags, read from its ``.unit-state.db`` (read-only)."""
        return set(read_flags(self.any_unit_state(unit).state_db) or ())

    def unit_kv(self, unit: str, prefix: str = "") -> dict[str, Any]:
        """Return a unit's key-value data whose keys start with ``prefix``."""
        return read_kv(self.any_unit_state(unit).state_db, prefix)

    def opened_ports(self, unit: str) -> list[str]:
        """Return a unit's committed opened ports (``80/tcp``, ``1000-2000/udp``, ``icmp``)."""
        return [format_port(p) for p in sorted(self.any_unit_state(unit).ports)]

    def relation_data(self, relation: int | str, owner: str) -> dict[str, str]:
        """Return the committed bag of a unit or application on a relation.

        Raises:
            UnknownRelationError: No such relation, or the owner is not in it.
        """
        rel = self.relation_state(relation)
        if "/" in owner:
            if owner.split("/")[0] not in rel.apps():
                raise UnknownRelationError(f"unit {owner} is not in relation {rel}")
            return dict(rel.unit_bags.get(owner, {}))
        if owner not in rel.apps():
            raise UnknownRelationError(f"application {owner} is not in relation {rel}")
        return dict(rel.app_bags.get(owner, {}))
