"""The emulator's entry point: a :class:`Model` that deploys charms and runs their hooks.

Operations (deploy, add-unit, relate, config changes, ...) queue the hooks Juju would run
(see :mod:`reactive_harness.sequences`) and, by default, settle the model: run hooks until
none is left. Every hook run leaves a :class:`~reactive_harness.records.HookRecord`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, TypeVar

from reactive_harness import operations
from reactive_harness.core import ModelCore
from reactive_harness.executor import Executor
from reactive_harness.handles import Application, Relation, Unit
from reactive_harness.records import ActionResult, HookRecord
from reactive_harness.remote import commit_external
from reactive_harness.state import AppState, RelationState, UnitState
from reactive_harness.tools import Fault

__all__ = ["Model"]

_M = TypeVar("_M", bound="Model")
UnitRef = str | Unit
AppRef = str | Application
RelationRef = int | str | Relation
OwnerRef = str | Unit | Application


def _name(ref: OwnerRef) -> str:
    return ref if isinstance(ref, str) else ref.name


class Model:
    """A Juju model run by the emulator.

    Use it as a context manager (or call :meth:`close`) so the hook-tool server stops and a
    temporary root is removed. The model's files, state, engine and tool server are its
    :attr:`core` (:class:`~reactive_harness.core.ModelCore`), which the handles read through.
    """

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
        self.core = core = ModelCore(
            root,
            name=name,
            juju_version=juju_version,
            executor=executor,
            share_venv=share_venv,
            cache_dir=cache_dir,
            env=env,
            fail_fast=fail_fast,
            hook_timeout=hook_timeout,
            track_flags=track_flags,
        )
        self.hook_limit = hook_limit
        # The core's parts, for tests and tools that look inside the model.
        self.root, self.cache_dir, self.share_venv = core.root, core.cache_dir, core.share_venv
        self.state, self.engine = core.state, core.engine

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the hook-tool server and remove a temporary root."""
        self.core.close()

    def __enter__(self: _M) -> _M:
        return self

    def __exit__(self, *exc_info: object) -> None:
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

    def relation(self, ref: RelationRef) -> Relation:
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
        return self.core.records

    def _app(self, ref: AppRef) -> AppState:
        return self.core.app_state(_name(ref))

    def _unit(self, ref: UnitRef) -> UnitState:
        return self.core.unit_state(_name(ref))

    def _relation(self, ref: RelationRef) -> RelationState:
        return self.core.relation_state(ref.id if isinstance(ref, Relation) else ref)

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
        return self.core.pending()

    # -- reads -----------------------------------------------------------------------------
    def unit_flags(self, unit: UnitRef) -> set[str]:
        """Return a unit's reactive flags, read from its ``.unit-state.db`` (read-only)."""
        return self.core.unit_flags(_name(unit))

    def unit_kv(self, unit: UnitRef, prefix: str = "") -> dict[str, Any]:
        """Return a unit's key-value data whose keys start with ``prefix``."""
        return self.core.unit_kv(_name(unit), prefix)

    def opened_ports(self, unit: UnitRef) -> list[str]:
        """Return a unit's committed opened ports (``80/tcp``, ``1000-2000/udp``, ``icmp``)."""
        return self.core.opened_ports(_name(unit))

    def relation_data(self, relation: RelationRef, owner: OwnerRef) -> dict[str, str]:
        """Return the committed bag of a unit or application on a relation.

        Raises:
            UnknownRelationError: No such relation, or the owner is not in it.
        """
        rel = self._relation(relation)
        return self.core.relation_data(rel.id, _name(owner))

    # -- deploy and scale ------------------------------------------------------------------
    def deploy(
        self,
        charm_dir: str | os.PathLike[str],
        name: str | None = None,
        *,
        num_units: int | None = None,
        config: Mapping[str, Any] | None = None,
        resources: Mapping[str, str | os.PathLike[str]] | None = None,
        storage: Mapping[str, int] | None = None,
        settle: bool = True,
    ) -> Application:
        """Deploy a charm directory (``resources``: name -> file) as an application.

        Each unit gets a copy of the charm and runs ``<store>-storage-attached`` (``storage``:
        instances per store), ``install``, peer ``-relation-created``, ``leader-elected`` (unit 0)
        or ``leader-settings-changed``, ``config-changed``, ``start``. No unit for a subordinate.

        Raises:
            CharmError: The charm directory is unusable.
            ConfigError: ``config`` does not fit config.yaml.
            HarnessError: Bad name, units for a subordinate, unknown resource or store.
        """
        app = operations.deploy(self.core, charm_dir, name, num_units, config, resources, storage)
        self._maybe_settle(settle)
        return Application(self, app.name)

    def add_unit(self, app: AppRef, count: int = 1, *, settle: bool = True) -> list[Unit]:
        """Add units to an application; they join its existing relations (and get subordinates).

        Raises:
            UnknownApplicationError: No such application (``HarnessError``: a subordinate).
        """
        added = operations.add_units(self.core, self._app(app), count)
        self._maybe_settle(settle)
        return [Unit(self, u.name) for u in added]

    def remove_unit(self, unit: UnitRef, *, settle: bool = True) -> None:
        """Remove a unit: ``-departed``/``-broken`` for its relations, then ``stop``, ``remove``.

        The remaining units get ``-departed`` for it. A removed leader is replaced by the
        lowest live unit, which runs ``leader-elected``. Subordinates go with their principal.

        Raises:
            UnknownUnitError: No such unit.
            HarnessError: The unit is a subordinate (remove its principal or the relation).
        """
        operations.remove_unit(self.state, self._unit(unit))
        self._maybe_settle(settle)

    # -- relations -------------------------------------------------------------------------
    def relate(self, a: str, b: str, *, settle: bool = True) -> Relation:
        """Relate two endpoints (``"app:endpoint"``, or ``"app"`` when only one fits).

        Every unit of both applications runs ``-relation-created``; then each unit runs
        ``-joined`` and ``-changed`` for each remote unit.

        Raises:
            UnknownApplicationError: No such application.
            UnknownEndpointError: No such endpoint, or more than one fits.
            InterfaceMismatchError: The endpoints' interfaces or roles do not match.
            HarnessError: The two endpoints are already related.
        """
        rel = operations.relate(self.state, a, b)
        self._maybe_settle(settle)
        return Relation(self, rel.id)

    def unrelate(self, relation: RelationRef, *, settle: bool = True) -> None:
        """Remove a relation: each unit runs ``-departed`` per remote unit, then ``-broken``.

        The last container-scoped relation to a principal takes its subordinate units along.

        Raises:
            UnknownRelationError: No such relation.
            HarnessError: It is a peer relation (those live as long as the application).
        """
        operations.unrelate(self.state, self._relation(relation))
        self._maybe_settle(settle)

    def set_relation_data(
        self,
        relation: RelationRef,
        owner: OwnerRef,
        data: Mapping[str, str],
        *,
        settle: bool = True,
    ) -> list[HookRecord]:
        """Commit a change to a bag as if its owner's hook had written it (``""`` deletes).

        The other side gets ``-relation-changed`` as for a real commit. Use it to test one side
        of a relation against a scripted remote side.
        """
        rel = self._relation(relation)
        commit_external(self.state, rel, _name(owner), dict(data))
        return self._maybe_settle(settle)

    # -- config, leadership, charm, status -------------------------------------------------
    def set_config(
        self, app: AppRef, values: Mapping[str, Any], *, settle: bool = True
    ) -> list[HookRecord]:
        """Change an application's config (``None`` resets an option to its default).

        Every unit runs ``config-changed`` if the config really changed.

        Raises:
            UnknownApplicationError: No such application.
            ConfigError: An option is unknown or a value has the wrong type.
        """
        operations.set_config(self.state, self._app(app), values)
        return self._maybe_settle(settle)

    def set_leader(self, unit: UnitRef, *, settle: bool = True) -> list[HookRecord]:
        """Make ``unit`` its application's leader; it runs ``leader-elected``.

        Raises:
            UnknownUnitError: No such unit.
        """
        operations.set_leader(self.state, self._unit(unit))
        return self._maybe_settle(settle)

    def upgrade_charm(
        self,
        app: AppRef,
        charm_dir: str | os.PathLike[str] | None = None,
        *,
        settle: bool = True,
    ) -> list[HookRecord]:
        """Copy a (new) charm into every unit; each runs ``upgrade-charm``, ``config-changed``.

        Files the charm wrote into its directory (``.unit-state.db``...) are kept.

        Raises:
            CharmError: The charm is unusable or drops an endpoint still in a relation.
        """
        operations.upgrade_charm(self.core, self._app(app), charm_dir)
        return self._maybe_settle(settle)

    def update_status(self, app: AppRef | None = None, *, settle: bool = True) -> list[HookRecord]:
        """Queue ``update-status`` on every unit (of ``app``, if given)."""
        names = [self._app(app).name] if app is not None else list(self.state.apps)
        operations.update_status(self.state, names)
        return self._maybe_settle(settle)

    def run_action(
        self,
        unit: UnitRef,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        settle: bool = True,
    ) -> ActionResult:
        """Run an action on a unit now (``actions/<name>``), then settle.

        Parameters get their defaults from actions.yaml. A non-zero exit or ``action-fail``
        makes the action ``failed``; unlike a hook, it does not put the unit in error.

        Raises:
            UnknownUnitError: No such unit.
            HarnessError: The charm declares no such action.
            UnitInErrorError: The unit is in error.
        """
        result = operations.run_action(self.core, self._unit(unit), name, params)
        self._maybe_settle(settle)
        return result

    def exec(
        self,
        unit: UnitRef,
        command: str | list[str],
        *,
        relation: RelationRef | None = None,
        remote_unit: str | None = None,
        settle: bool = True,
    ) -> HookRecord:
        """Run a command in a unit's hook context, as ``juju exec`` does.

        The hook tools work as in a hook; writes are committed if the command exits 0. With
        ``relation`` (and ``remote_unit``) the context is that of a relation hook, as
        ``juju-run --relation --remote-unit``. A failure does not put the unit in error.

        Args:
            unit: The unit.
            command: A shell command line (run with ``bash -c``) or an argv list.
            relation: The relation to make the default (``-r``) one.
            remote_unit: The default remote unit (``JUJU_REMOTE_UNIT``).
            settle: Settle afterwards (hooks the commit caused).

        Raises:
            UnknownUnitError: No such unit.
            UnknownRelationError: The unit does not know the relation.
        """
        target = self._unit(unit)
        rel = self._relation(relation) if relation is not None else None
        record = operations.exec_command(self.core, target, command, rel, remote_unit)
        self._maybe_settle(settle)
        return record

    # -- errors and faults -----------------------------------------------------------------
    def retry(self, unit: UnitRef, *, settle: bool = True) -> HookRecord:
        """Re-run a unit's failed hook (``juju resolved``); then settle.

        Raises:
            UnitInErrorError: The unit is not in error.
        """
        record = self.engine.retry(operations.in_error(self._unit(unit)))
        self._maybe_settle(settle and not record.failed)
        return record

    def resolve(self, unit: UnitRef, *, settle: bool = True) -> list[HookRecord]:
        """Skip a unit's failed hook (``juju resolved --no-retry``) and go on.

        Raises:
            UnitInErrorError: The unit is not in error.
        """
        self.engine.resolve(operations.in_error(self._unit(unit)))
        return self._maybe_settle(settle)

    def inject_fault(
        self,
        unit: UnitRef,
        *,
        call: int = 1,
        kind: str = "fail",
        message: str = "connection is shut down",
        hook: str | None = None,
    ) -> None:
        """Make the next hook of ``unit`` meet a fault at its ``call``-th hook-tool call.

        Skipped hooks (no hook file) do not use the fault up.

        Args:
            unit: The unit.
            call: Which tool call (1 = first).
            kind: ``"fail"``: that call exits 1 with ``ERROR <message>``; ``"kill"`` /
                ``"term"``: the hook's processes get SIGKILL / SIGTERM during that call, which
                never returns; ``"lost"``: the hook runs to its end but is killed before Juju
                sees it exit (``call`` is not used): Juju discards its relation writes and
                ports, and the unit is in error.
            message: The failing call's error text.
            hook: Wait for a hook of this name (``juju-exec`` for :meth:`exec`).

        Raises:
            ValueError: Bad ``kind`` or ``call``.
        """
        if kind not in ("fail", "kill", "term", "lost") or call < 1:
            raise ValueError(f"bad fault: kind={kind!r} call={call!r}")
        self.engine.faults[self._unit(unit).name] = Fault(call, kind, message, hook)
