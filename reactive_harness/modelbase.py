"""What a :class:`~reactive_harness.Model` is besides its operations: set-up, lookups, reads."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from reactive_harness import jujuc
from reactive_harness.engine import Engine
from reactive_harness.errors import (
    UnknownApplicationError,
    UnknownRelationError,
    UnknownUnitError,
)
from reactive_harness.executor import Executor, SubprocessExecutor
from reactive_harness.handles import Application, Relation, Unit
from reactive_harness.records import HookRecord
from reactive_harness.relate import resolve_endpoints
from reactive_harness.server import ToolServer
from reactive_harness.state import Application as AppState
from reactive_harness.state import ModelState
from reactive_harness.state import Relation as RelState
from reactive_harness.state import Unit as UnitState
from reactive_harness.tools import tool_names
from reactive_harness.tools_unit import format_port
from reactive_harness.unitstate import read_flags, read_kv

__all__ = ["ModelBase"]

_M = TypeVar("_M", bound="ModelBase")
UnitRef = str | Unit
AppRef = str | Application


def _parse_version(text: str) -> tuple[int, int, int]:
    parts = [int(p) for p in text.split(".")[:3]]
    while len(parts) < 3:
        parts.append(0)
    return parts[0], parts[1], parts[2]


class ModelBase:
    """Set-up, lookups and reads of a model; :class:`~reactive_harness.Model` adds operations."""

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        name: str = "test-model",
        juju_version: str = "3.6.0",
        executor: Executor | None = None,
        share_venv: bool = False,
        cache_dir: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        fail_fast: bool = True,
        hook_limit: int = 10_000,
        hook_timeout: float = 600.0,
        track_flags: bool = True,
    ) -> None:
        """Create an empty model.

        Args:
            root: Where agent directories go (default: a temporary directory, removed on close).
            name: ``JUJU_MODEL_NAME``.
            juju_version: The Juju version to behave as (``JUJU_VERSION``; from 3.4
                ``relation-ids`` leaves out a relation being broken; from 4.0 no
                ``leader-get``/``leader-set`` and no ``private-address``).
            executor: How hooks run (default: one subprocess per hook).
            share_venv: Make each unit's ``.venv`` a symlink to ``<cache_dir>/venv-<hash>``
                (hash of the charm's ``wheelhouse/``), so units share one bootstrapped venv.
            cache_dir: Where shared venvs live (default ``<root>/cache``); pass a fixed path to
                reuse them across test sessions.
            env: Extra variables for every hook.
            fail_fast: Raise :class:`~reactive_harness.errors.HookFailedError` as soon as a
                hook fails while settling (else the unit stays in error and others go on).
            hook_limit: How many hooks one settle may run before it reports a loop.
            hook_timeout: Seconds before a hook is killed.
            track_flags: Record each hook's reactive flags before and after.
        """
        self._tmp = None if root is not None else tempfile.mkdtemp(prefix="reactive-harness-")
        self.root = Path(root if root is not None else self._tmp or "").resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.cache_dir = Path(cache_dir) if cache_dir else self.root / "cache"
        self.share_venv = share_venv
        self.hook_limit = hook_limit
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

    def __enter__(self: _M) -> _M:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- lookups ---------------------------------------------------------------------------
    def app(self, name: AppRef) -> Application:
        """Return the application called ``name``.

        Raises:
            UnknownApplicationError: No such application.
        """
        return Application(self, self._app(name).name)

    def unit(self, name: UnitRef) -> Unit:
        """Return the unit called ``name`` (``app/0``).

        Raises:
            UnknownUnitError: No such unit.
        """
        return Unit(self, self._unit(name).name)

    def relation(self, ref: int | str | Relation) -> Relation:
        """Return a relation by id, ``"app:ep app:ep"`` or ``"app app"``.

        Raises:
            UnknownRelationError: No such relation.
        """
        return Relation(self, self._relation(ref).id)

    @property
    def applications(self) -> list[Application]:
        """The deployed applications."""
        return [Application(self, name) for name in self.state.apps]

    @property
    def relations(self) -> list[Relation]:
        """The relations not yet removed."""
        return [Relation(self, r.id) for r in self.state.relations.values() if not r.removed]

    @property
    def fail_fast(self) -> bool:
        """Whether settling raises at the first failed hook."""
        return self.engine.fail_fast

    @fail_fast.setter
    def fail_fast(self, value: bool) -> None:
        self.engine.fail_fast = value

    @property
    def records(self) -> list[HookRecord]:
        """Every hook run so far, in order."""
        return self.engine.records

    def _app(self, ref: AppRef) -> AppState:
        name = ref.name if isinstance(ref, Application) else ref
        app = self.state.apps.get(name)
        if app is None:
            known = ", ".join(sorted(self.state.apps)) or "none"
            raise UnknownApplicationError(f"application {name!r} not found (deployed: {known})")
        return app

    def _unit(self, ref: UnitRef) -> UnitState:
        name = ref.name if isinstance(ref, Unit) else ref
        unit = self.state.units.get(name)
        if unit is None or unit.removed:
            known = ", ".join(u.name for u in self.state.units.values() if not u.removed)
            raise UnknownUnitError(f"unit {name!r} not found (units: {known or 'none'})")
        return unit

    def _relation(self, ref: int | str | Relation) -> RelState:
        if isinstance(ref, Relation):
            ref = ref.id
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

    # -- running ---------------------------------------------------------------------------
    def settle(self, limit: int | None = None) -> list[HookRecord]:
        """Run queued hooks until none is runnable; return their records.

        Raises:
            SettleLimitError: Hooks kept firing beyond ``limit`` (default ``hook_limit``).
            HookFailedError: A hook failed and the model fails fast.
        """
        return self.engine.settle(limit if limit is not None else self.hook_limit)

    def _maybe_settle(self, settle: bool) -> list[HookRecord]:
        return self.settle() if settle else []

    def pending(self) -> dict[str, list[str]]:
        """Return the hooks still queued, by unit."""
        out = {}
        for name, hooks in self.engine.pending().items():
            unit = self.state.units[name]
            out[name] = [self.engine.hook_name(unit, hook) for hook in hooks]
        return out

    # -- reads -----------------------------------------------------------------------------
    def unit_flags(self, unit: UnitRef) -> set[str]:
        """Return a unit's reactive flags, read from its ``.unit-state.db`` (read-only)."""
        return set(read_flags(self._unit_any(unit).state_db) or ())

    def unit_kv(self, unit: UnitRef, prefix: str = "") -> dict[str, Any]:
        """Return a unit's key-value data whose keys start with ``prefix``."""
        return read_kv(self._unit_any(unit).state_db, prefix)

    def opened_ports(self, unit: UnitRef) -> list[str]:
        """Return a unit's committed opened ports (``80/tcp``, ``1000-2000/udp``, ``icmp``)."""
        return [format_port(p) for p in sorted(self._unit_any(unit).ports)]

    def _unit_any(self, ref: UnitRef) -> UnitState:
        """Like ``_unit`` but also finds removed units (their state stays readable)."""
        name = ref.name if isinstance(ref, Unit) else ref
        if name in self.state.units:
            return self.state.units[name]
        return self._unit(name)

    def relation_data(
        self, relation: int | str | Relation, owner: str | Unit | Application
    ) -> dict[str, str]:
        """Return the committed bag of a unit or application on a relation.

        Raises:
            UnknownRelationError: No such relation, or the owner is not in it.
        """
        rel = self._relation(relation)
        name = owner if isinstance(owner, str) else owner.name
        if "/" in name:
            if name.split("/")[0] not in rel.apps():
                raise UnknownRelationError(f"unit {name} is not in relation {rel}")
            return dict(rel.unit_bags.get(name, {}))
        if name not in rel.apps():
            raise UnknownRelationError(f"application {name} is not in relation {rel}")
        return dict(rel.app_bags.get(name, {}))
