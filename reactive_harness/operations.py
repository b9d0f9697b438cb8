"""What each operation of a model changes: new state, charm copies, and the hooks it queues.

These functions work on a :class:`~reactive_harness.core.ModelCore` and its state, by state
object, and do not settle; :class:`~reactive_harness.Model` resolves names and handles, calls
them, settles, and documents each operation. Which hooks are queued, and in which order, is
decided by :mod:`reactive_harness.sequences`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from typing import Any

from reactive_harness import sequences
from reactive_harness.charm import CharmSpec, copy_charm_files, load_charm
from reactive_harness.core import ModelCore
from reactive_harness.errors import (
    CharmError,
    HarnessError,
    UnitInErrorError,
    UnknownRelationError,
)
from reactive_harness.records import ActionResult, HookRecord
from reactive_harness.relate import resolve_endpoints
from reactive_harness.state import (
    AppState,
    ModelState,
    PendingHook,
    RelationEnd,
    RelationState,
    UnitState,
)
from reactive_harness.tools import APP_NAME, ActionState

__all__ = [
    "add_units",
    "deploy",
    "exec_command",
    "in_error",
    "relate",
    "remove_unit",
    "run_action",
    "set_config",
    "set_leader",
    "unrelate",
    "update_status",
    "upgrade_charm",
]


def _new_relation_id(state: ModelState) -> int:
    rid = state.next_relation_id
    state.next_relation_id += 1
    return rid


def _install_charm(core: ModelCore, spec: CharmSpec, unit: UnitState) -> None:
    unit.agent_dir.mkdir(parents=True, exist_ok=True)
    copy_charm_files(spec.path, unit.charm_dir)
    venv = unit.agent_dir / ".venv"
    if core.share_venv and not venv.exists() and not venv.is_symlink():
        shared = core.cache_dir / f"venv-{spec.content_hash}"
        shared.mkdir(parents=True, exist_ok=True)
        venv.symlink_to(shared.resolve(), target_is_directory=True)


def deploy(
    core: ModelCore,
    charm_dir: str | os.PathLike[str],
    name: str | None,
    num_units: int,
    config: Mapping[str, Any] | None,
) -> AppState:
    """Add an application, its peer relations and its units (see ``Model.deploy``)."""
    state = core.state
    spec = load_charm(charm_dir)
    app_name = name or spec.name
    if app_name in state.apps:
        raise HarnessError(f"application {app_name!r} already exists")
    if not APP_NAME.match(app_name):
        raise HarnessError(f"invalid application name {app_name!r}")
    values = spec.default_config()
    values.update(spec.check_config(config or {}))
    app = AppState(app_name, spec, len(state.apps), values)
    state.apps[app_name] = app
    for endpoint in spec.endpoints.values():
        if endpoint.role == "peers":
            rid = _new_relation_id(state)
            state.relations[rid] = RelationState(rid, (RelationEnd(app_name, endpoint),))
    add_units(core, app, num_units)
    return app


def add_units(core: ModelCore, app: AppState, count: int) -> list[UnitState]:
    """Add units with their charm copies; queue their start-up hooks (see ``Model.add_unit``)."""
    added = []
    for _ in range(count):
        number = app.next_unit
        app.next_unit += 1
        unit_name = f"{app.name}/{number}"
        agent_dir = core.root / "agents" / f"unit-{app.name}-{number}"
        address = f"10.{1 + app.index // 250}.{app.index % 250}.{number % 250 + 2}"
        unit = UnitState(unit_name, app.name, number, agent_dir, address)
        _install_charm(core, app.charm, unit)
        core.state.units[unit_name] = unit
        app.units.append(unit_name)
        if app.leader is None:
            app.leader = unit_name
        sequences.start_unit(core.state, unit)
        added.append(unit)
    return added


def remove_unit(state: ModelState, unit: UnitState) -> None:
    """Queue a unit's teardown (see ``Model.remove_unit``)."""
    if unit.dying:
        raise HarnessError(f"unit {unit.name} is already being removed")
    unit.dying = True
    for rid in sorted(unit.views):
        rel = state.relations[rid]
        if not rel.dying:  # a dying relation already queued its -departed/-broken
            sequences.depart_unit(state, unit, rel)
    sequences.enqueue(unit, PendingHook("stop"))
    sequences.enqueue(unit, PendingHook("remove"))


def relate(state: ModelState, a: str, b: str) -> RelationState:
    """Add a relation; queue ``-relation-created`` everywhere (see ``Model.relate``)."""
    end_a, end_b = resolve_endpoints(state, a, b, existing=False)
    rid = _new_relation_id(state)
    rel = RelationState(rid, (end_a, end_b))
    state.relations[rid] = rel
    for app_name in (end_a.app, end_b.app):
        for unit in state.live_units(app_name):
            if not unit.dying:
                sequences.join_relation(state, unit, rel)
    return rel


def unrelate(state: ModelState, rel: RelationState) -> None:
    """Queue a relation's teardown (see ``Model.unrelate``)."""
    if rel.is_peer:
        raise HarnessError(f"cannot remove peer relation {rel}")
    if rel.dying:
        raise HarnessError(f"relation {rel} is already being removed")
    sequences.break_relation(state, rel)


def set_config(state: ModelState, app: AppState, values: Mapping[str, Any]) -> None:
    """Change an application's config; queue ``config-changed`` if it changed."""
    checked = app.charm.check_config({k: v for k, v in values.items() if v is not None})
    new = dict(app.config)
    for key in values:
        new[key] = checked[key] if key in checked else app.charm.options[key].default
    if new != app.config:
        app.config = new
        for unit in state.live_units(app.name):
            if not unit.dying:
                sequences.enqueue(unit, PendingHook("config-changed"))


def set_leader(state: ModelState, unit: UnitState) -> None:
    """Make ``unit`` its application's leader; queue ``leader-elected`` if that is new."""
    app = state.apps[unit.app]
    if app.leader != unit.name:
        app.leader = unit.name
        sequences.enqueue(unit, PendingHook("leader-elected"))


def upgrade_charm(
    core: ModelCore, app: AppState, charm_dir: str | os.PathLike[str] | None
) -> None:
    """Copy a (new) charm into every unit; queue ``upgrade-charm``, ``config-changed``."""
    state = core.state
    spec = load_charm(charm_dir if charm_dir is not None else app.charm.path)
    for rel in state.relations_of(app.name):
        old = rel.end_for(app.name).endpoint
        new = spec.endpoints.get(old.name)
        if new is None or new.interface != old.interface or new.role != old.role:
            raise CharmError(
                f"cannot upgrade application {app.name!r}: would break relation {rel}"
            )
    app.charm = spec
    config = spec.default_config()
    config.update({k: v for k, v in app.config.items() if k in spec.options})
    app.config = config
    for unit in state.live_units(app.name):
        _install_charm(core, spec, unit)
        sequences.enqueue(unit, PendingHook("upgrade-charm"))
        sequences.enqueue(unit, PendingHook("config-changed"))


def update_status(state: ModelState, apps: list[str]) -> None:
    """Queue ``update-status`` on every live unit of ``apps``."""
    for name in apps:
        for unit in state.live_units(name):
            if not unit.dying:
                sequences.enqueue(unit, PendingHook("update-status"))


def run_action(
    core: ModelCore, unit: UnitState, name: str, params: Mapping[str, Any] | None
) -> ActionResult:
    """Run ``actions/<name>`` on a unit now (see ``Model.run_action``)."""
    spec = core.state.apps[unit.app].charm.actions.get(name)
    if spec is None:
        known = ", ".join(sorted(core.state.apps[unit.app].charm.actions)) or "none"
        raise HarnessError(f"charm of {unit.name} has no action {name!r} (actions: {known})")
    if unit.error is not None:
        raise UnitInErrorError(f"unit {unit.name} is in error: {unit.error.hook}")
    values = {
        key: schema.get("default")
        for key, schema in spec.params.items()
        if isinstance(schema, dict) and "default" in schema
    }
    values.update(params or {})
    action = ActionState(name, uuid.uuid4().hex[:8], values)
    record = core.engine.run(unit, PendingHook(f"action:{name}"), action=action)
    failed = record.exit_code != 0 or action.failed is not None
    message = action.failed or (f"exit status {record.exit_code}" if failed else "")
    return ActionResult(
        unit.name,
        name,
        "failed" if failed else "completed",
        action.results,
        message,
        record,
        list(action.log),
    )


def exec_command(
    core: ModelCore,
    unit: UnitState,
    command: str | list[str],
    relation: RelationState | None,
    remote_unit: str | None,
) -> HookRecord:
    """Run a command in a unit's hook context (see ``Model.exec``)."""
    pending = PendingHook("exec")
    if relation is not None:
        if relation.id not in unit.views:
            raise UnknownRelationError(f"unit {unit.name} is not in relation {relation}")
        remote_app = remote_unit.split("/")[0] if remote_unit else relation.remote_app(unit.app)
        pending = PendingHook("exec", relation.id, remote_unit, remote_app)
    argv = ("bash", "-c", command) if isinstance(command, str) else tuple(command)
    return core.engine.run(unit, pending, command=argv)


def in_error(unit: UnitState) -> UnitState:
    """Return ``unit`` if it is in error (for ``Model.retry``/``Model.resolve``).

    Raises:
        UnitInErrorError: The unit is not in error.
    """
    if unit.error is None:
        raise UnitInErrorError(f"unit {unit.name} is not in error")
    return unit
