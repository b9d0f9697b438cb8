"""The emulator's entry point: a :class:`Model` that deploys charms and runs their hooks.

Operations (deploy, add-unit, relate, config changes, ...) queue the hooks Juju would run
(see :mod:`reactive_harness.sequences`) and, by default, settle the model: run hooks until
none is left. Every hook run leaves a :class:`~reactive_harness.records.HookRecord`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from typing import Any

from reactive_harness import sequences
from reactive_harness.charm import CharmSpec, copy_charm_files, load_charm
from reactive_harness.context import ActionState, Fault
from reactive_harness.errors import (
    CharmError,
    HarnessError,
    UnitInErrorError,
    UnknownRelationError,
)
from reactive_harness.handles import Application, Relation, Unit
from reactive_harness.modelbase import AppRef, ModelBase, UnitRef
from reactive_harness.records import ActionResult, HookRecord
from reactive_harness.relate import resolve_endpoints
from reactive_harness.remote import commit_external
from reactive_harness.state import Application as AppState
from reactive_harness.state import PendingHook, RelationEnd
from reactive_harness.state import Relation as RelState
from reactive_harness.state import Unit as UnitState
from reactive_harness.tools_relation import APP_NAME

__all__ = ["Model"]


class Model(ModelBase):
    """A Juju model run by the emulator.

    Use it as a context manager (or call :meth:`close`) so the hook-tool server stops and a
    temporary root is removed. See :class:`~reactive_harness.modelbase.ModelBase` for the
    options, lookups and reads.
    """

    # -- deploy and scale ------------------------------------------------------------------
    def deploy(
        self,
        charm_dir: str | os.PathLike[str],
        name: str | None = None,
        *,
        num_units: int = 1,
        config: Mapping[str, Any] | None = None,
        settle: bool = True,
    ) -> Application:
        """Deploy a charm directory as an application.

        Each unit gets its own copy of the charm and runs ``install``, peer
        ``-relation-created``, ``leader-elected`` (unit 0) or ``leader-settings-changed``,
        ``config-changed`` and ``start``.

        Raises:
            CharmError: The charm directory is unusable.
            ConfigError: ``config`` does not fit config.yaml.
            HarnessError: The name is taken or invalid.
        """
        spec = load_charm(charm_dir)
        app_name = name or spec.name
        if app_name in self.state.apps:
            raise HarnessError(f"application {app_name!r} already exists")
        if not APP_NAME.match(app_name):
            raise HarnessError(f"invalid application name {app_name!r}")
        values = spec.default_config()
        values.update(spec.check_config(config or {}))
        app = AppState(app_name, spec, len(self.state.apps), values)
        self.state.apps[app_name] = app
        for endpoint in spec.endpoints.values():
            if endpoint.role == "peers":
                rid = self._new_relation_id()
                self.state.relations[rid] = RelState(rid, (RelationEnd(app_name, endpoint),))
        self._add_units(app, num_units)
        self._maybe_settle(settle)
        return Application(self, app_name)

    def _new_relation_id(self) -> int:
        rid = self.state.next_relation_id
        self.state.next_relation_id += 1
        return rid

    def _add_units(self, app: AppState, count: int) -> list[Unit]:
        added = []
        for _ in range(count):
            number = app.next_unit
            app.next_unit += 1
            unit_name = f"{app.name}/{number}"
            agent_dir = self.root / "agents" / f"unit-{app.name}-{number}"
            address = f"10.{1 + app.index // 250}.{app.index % 250}.{number % 250 + 2}"
            unit = UnitState(unit_name, app.name, number, agent_dir, address)
            self._install_charm(app.charm, unit)
            self.state.units[unit_name] = unit
            app.units.append(unit_name)
            if app.leader is None:
                app.leader = unit_name
            sequences.start_unit(self.state, unit)
            added.append(Unit(self, unit_name))
        return added

    def _install_charm(self, spec: CharmSpec, unit: UnitState) -> None:
        unit.agent_dir.mkdir(parents=True, exist_ok=True)
        copy_charm_files(spec.path, unit.charm_dir)
        venv = unit.agent_dir / ".venv"
        if self.share_venv and not venv.exists() and not venv.is_symlink():
            shared = self.cache_dir / f"venv-{spec.content_hash}"
            shared.mkdir(parents=True, exist_ok=True)
            venv.symlink_to(shared.resolve(), target_is_directory=True)

    def add_unit(self, app: AppRef, count: int = 1, *, settle: bool = True) -> list[Unit]:
        """Add units to an application; they join its existing relations.

        Raises:
            UnknownApplicationError: No such application.
        """
        units = self._add_units(self._app(app), count)
        self._maybe_settle(settle)
        return units

    def remove_unit(self, unit: UnitRef, *, settle: bool = True) -> None:
        """Remove a unit: ``-departed``/``-broken`` for its relations, then ``stop``, ``remove``.

        The remaining units get ``-departed`` for it. A removed leader is replaced by the
        lowest live unit, which runs ``leader-elected``.

        Raises:
            UnknownUnitError: No such unit.
        """
        state = self._unit(unit)
        if state.dying:
            raise HarnessError(f"unit {state.name} is already being removed")
        state.dying = True
        for rid in sorted(state.views):
            rel = self.state.relations[rid]
            if not rel.dying:  # a dying relation already queued its -departed/-broken
                sequences.depart_unit(self.state, state, rel)
        sequences.enqueue(state, PendingHook("stop"))
        sequences.enqueue(state, PendingHook("remove"))
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
        end_a, end_b = resolve_endpoints(self.state, a, b, existing=False)
        rid = self._new_relation_id()
        rel = RelState(rid, (end_a, end_b))
        self.state.relations[rid] = rel
        for app_name in (end_a.app, end_b.app):
            for unit in self.state.live_units(app_name):
                if not unit.dying:
                    sequences.join_relation(self.state, unit, rel)
        self._maybe_settle(settle)
        return Relation(self, rid)

    def unrelate(self, relation: int | str | Relation, *, settle: bool = True) -> None:
        """Remove a relation: each unit runs ``-departed`` per remote unit, then ``-broken``.

        Raises:
            UnknownRelationError: No such relation.
            HarnessError: It is a peer relation (those live as long as the application).
        """
        rel = self._relation(relation)
        if rel.is_peer:
            raise HarnessError(f"cannot remove peer relation {rel}")
        if rel.dying:
            raise HarnessError(f"relation {rel} is already being removed")
        sequences.break_relation(self.state, rel)
        self._maybe_settle(settle)

    def set_relation_data(
        self,
        relation: int | str | Relation,
        owner: str | Unit | Application,
        data: Mapping[str, str],
        *,
        settle: bool = True,
    ) -> list[HookRecord]:
        """Commit a change to a bag as if its owner's hook had written it (``""`` deletes).

        The other side gets ``-relation-changed`` as for a real commit. Use it to test one side
        of a relation against a scripted remote side.
        """
        rel = self._relation(relation)
        name = owner if isinstance(owner, str) else owner.name
        commit_external(self.state, rel, name, dict(data))
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
        state = self._app(app)
        checked = state.charm.check_config({k: v for k, v in values.items() if v is not None})
        new = dict(state.config)
        for key in values:
            new[key] = checked[key] if key in checked else state.charm.options[key].default
        if new != state.config:
            state.config = new
            for unit in self.state.live_units(state.name):
                if not unit.dying:
                    sequences.enqueue(unit, PendingHook("config-changed"))
        return self._maybe_settle(settle)

    def set_leader(self, unit: UnitRef, *, settle: bool = True) -> list[HookRecord]:
        """Make ``unit`` its application's leader; it runs ``leader-elected``.

        Raises:
            UnknownUnitError: No such unit.
        """
        target = self._unit(unit)
        app = self.state.apps[target.app]
        if app.leader != target.name:
            app.leader = target.name
            sequences.enqueue(target, PendingHook("leader-elected"))
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
        state = self._app(app)
        spec = load_charm(charm_dir if charm_dir is not None else state.charm.path)
        for rel in self.state.relations_of(state.name):
            old = rel.end_for(state.name).endpoint
            new = spec.endpoints.get(old.name)
            if new is None or new.interface != old.interface or new.role != old.role:
                raise CharmError(
                    f"cannot upgrade application {state.name!r}: would break relation {rel}"
                )
        state.charm = spec
        config = spec.default_config()
        config.update({k: v for k, v in state.config.items() if k in spec.options})
        state.config = config
        for unit in self.state.live_units(state.name):
            self._install_charm(spec, unit)
            sequences.enqueue(unit, PendingHook("upgrade-charm"))
            sequences.enqueue(unit, PendingHook("config-changed"))
        return self._maybe_settle(settle)

    def update_status(self, app: AppRef | None = None, *, settle: bool = True) -> list[HookRecord]:
        """Queue ``update-status`` on every unit (of ``app``, if given)."""
        names = [self._app(app).name] if app is not None else list(self.state.apps)
        for name in names:
            for unit in self.state.live_units(name):
                if not unit.dying:
                    sequences.enqueue(unit, PendingHook("update-status"))
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
        target = self._unit(unit)
        spec = self.state.apps[target.app].charm.actions.get(name)
        if spec is None:
            known = ", ".join(sorted(self.state.apps[target.app].charm.actions)) or "none"
            raise HarnessError(f"charm of {target.name} has no action {name!r} (actions: {known})")
        if target.error is not None:
            raise UnitInErrorError(f"unit {target.name} is in error: {target.error.hook}")
        values = {
            key: schema.get("default")
            for key, schema in spec.params.items()
            if isinstance(schema, dict) and "default" in schema
        }
        values.update(params or {})
        action = ActionState(name, uuid.uuid4().hex[:8], values)
        record = self.engine.run(target, PendingHook(f"action:{name}"), action=action)
        failed = record.exit_code != 0 or action.failed is not None
        message = action.failed or (f"exit status {record.exit_code}" if failed else "")
        result = ActionResult(
            target.name,
            name,
            "failed" if failed else "completed",
            action.results,
            message,
            record,
            list(action.log),
        )
        self._maybe_settle(settle)
        return result

    def exec(
        self,
        unit: UnitRef,
        command: str | list[str],
        *,
        relation: int | str | Relation | None = None,
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
        pending = PendingHook("exec")
        if relation is not None:
            rel = self._relation(relation)
            if rel.id not in target.views:
                raise UnknownRelationError(f"unit {target.name} is not in relation {rel}")
            remote_app = remote_unit.split("/")[0] if remote_unit else rel.remote_app(target.app)
            pending = PendingHook("exec", rel.id, remote_unit, remote_app)
        argv = ("bash", "-c", command) if isinstance(command, str) else tuple(command)
        record = self.engine.run(target, pending, command=argv)
        self._maybe_settle(settle)
        return record

    # -- errors and faults -----------------------------------------------------------------
    def _in_error(self, unit: UnitRef) -> UnitState:
        state = self._unit(unit)
        if state.error is None:
            raise UnitInErrorError(f"unit {state.name} is not in error")
        return state

    def retry(self, unit: UnitRef, *, settle: bool = True) -> HookRecord:
        """Re-run a unit's failed hook (``juju resolved``); then settle.

        Raises:
            UnitInErrorError: The unit is not in error.
        """
        record = self.engine.retry(self._in_error(unit))
        self._maybe_settle(settle and not record.failed)
        return record

    def resolve(self, unit: UnitRef, *, settle: bool = True) -> list[HookRecord]:
        """Skip a unit's failed hook (``juju resolved --no-retry``) and go on.

        Raises:
            UnitInErrorError: The unit is not in error.
        """
        self.engine.resolve(self._in_error(unit))
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
            kind: ``"fail"``: that call exits 1 with ``ERROR <message>``; ``"kill"``: the hook
                is killed with SIGKILL during that call, which never returns.
            message: The failing call's error text.
            hook: Wait for a hook of this name (``juju-exec`` for :meth:`exec`).

        Raises:
            ValueError: Bad ``kind`` or ``call``.
        """
        if kind not in ("fail", "kill") or call < 1:
            raise ValueError(f"bad fault: kind={kind!r} call={call!r}")
        self.engine.faults[self._unit(unit).name] = Fault(call, kind, message, hook)
