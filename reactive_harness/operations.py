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
from functools import partial
from pathlib import Path
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
    StorageInstance,
    UnitState,
)
from reactive_harness.tools import APP_NAME, ActionState

__all__ = [
    "add_units",
    "deploy",
    "ensure_subordinate",
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


def _check_resources(spec: CharmSpec, resources: Mapping[str, Any]) -> dict[str, Path]:
    checked = {}
    for name, path in resources.items():
        if name not in spec.resources:
            known = ", ".join(sorted(spec.resources)) or "none"
            raise HarnessError(
                f"charm {spec.name!r} has no resource {name!r} (resources: {known})"
            )
        source = Path(path).resolve()
        if not source.is_file():
            raise HarnessError(f"resource {name!r}: {source} is not a file")
        checked[name] = source
    return checked


def _check_storage(spec: CharmSpec, storage: Mapping[str, int]) -> dict[str, int]:
    counts = {name: store.count for name, store in spec.storage.items()}
    for name, count in storage.items():
        store = spec.storage.get(name)
        if store is None:
            known = ", ".join(sorted(spec.storage)) or "none"
            raise HarnessError(f"charm {spec.name!r} has no storage {name!r} (storage: {known})")
        if (
            not isinstance(count, int)
            or count < store.count
            or (store.maximum is not None and count > store.maximum)
        ):
            most = "unbounded" if store.maximum is None else store.maximum
            raise HarnessError(
                f"storage {name!r}: count {count!r} out of range "
                f"(at least {store.count}, at most {most})"
            )
        counts[name] = count
    return counts


def deploy(
    core: ModelCore,
    charm_dir: str | os.PathLike[str],
    name: str | None,
    num_units: int | None,
    config: Mapping[str, Any] | None,
    resources: Mapping[str, Any] | None = None,
    storage: Mapping[str, int] | None = None,
) -> AppState:
    """Add an application, its peer relations and its units (see ``Model.deploy``).

    A subordinate gets no unit here: its units come with container-scoped relations.
    """
    state = core.state
    spec = load_charm(charm_dir)
    app_name = name or spec.name
    if app_name in state.apps:
        raise HarnessError(f"application {app_name!r} already exists")
    if not APP_NAME.match(app_name):
        raise HarnessError(f"invalid application name {app_name!r}")
    if spec.subordinate and num_units:
        # juju deploy's own check.
        raise HarnessError(
            f"cannot deploy {app_name!r}: cannot use --num-units or --to with subordinate "
            "application"
        )
    values = spec.default_config()
    values.update(spec.check_config(config or {}))
    app = AppState(app_name, spec, len(state.apps), values)
    app.resources = _check_resources(spec, resources or {})
    app.storage_counts = _check_storage(spec, storage or {})
    state.apps[app_name] = app
    if spec.subordinate:  # its units come when principal units enter container relations
        core.engine.on_enter_scope = partial(ensure_subordinate, core)
    for endpoint in spec.endpoints.values():
        if endpoint.role == "peers":
            rid = _new_relation_id(state)
            state.relations[rid] = RelationState(rid, (RelationEnd(app_name, endpoint),))
    if not spec.subordinate:
        add_units(core, app, 1 if num_units is None else num_units)
    return app


def _attach_storage(core: ModelCore, app: AppState, unit: UnitState) -> None:
    """Create the unit's storage instances (``<store>/<n>``, numbered model-wide per store)."""
    state = core.state
    for store, count in app.storage_counts.items():
        kind = app.charm.storage[store].type
        for _ in range(count):
            number = state.next_storage.get(store, 0)
            state.next_storage[store] = number + 1
            location = unit.agent_dir / "storage" / store / str(number)
            if kind == "filesystem":
                location.mkdir(parents=True, exist_ok=True)
            else:
                location.parent.mkdir(parents=True, exist_ok=True)
                location.touch()
            sid = f"{store}/{number}"
            state.storage[sid] = StorageInstance(sid, kind, location, unit.name)
            unit.storage.append(sid)


def _new_unit(core: ModelCore, app: AppState, principal: UnitState | None) -> UnitState:
    number = app.next_unit
    app.next_unit += 1
    unit_name = f"{app.name}/{number}"
    agent_dir = core.root / "agents" / f"unit-{app.name}-{number}"
    address = f"10.{1 + app.index // 250}.{app.index % 250}.{number % 250 + 2}"
    if principal is not None:
        address = principal.address  # the same machine
    unit = UnitState(unit_name, app.name, number, agent_dir, address)
    unit.principal = principal.name if principal is not None else None
    _install_charm(core, app.charm, unit)
    _attach_storage(core, app, unit)
    core.state.units[unit_name] = unit
    app.units.append(unit_name)
    if app.leader is None:
        app.leader = unit_name
    sequences.start_unit(core.state, unit)
    return unit


def add_units(core: ModelCore, app: AppState, count: int) -> list[UnitState]:
    """Add units with their charm copies; queue their start-up hooks (see ``Model.add_unit``).

    Raises:
        HarnessError: The application is a subordinate (its units follow its principals).
    """
    if app.subordinate:
        # juju state Application.AddUnit.
        raise HarnessError(
            f'cannot add unit to application "{app.name}": cannot directly add units to '
            "subordinate application"
        )
    return [_new_unit(core, app, None) for _ in range(count)]


def ensure_subordinate(core: ModelCore, unit: UnitState, rel: RelationState) -> None:
    """Give a principal unit that entered a container-scoped relation its subordinate unit.

    Juju creates the subordinate unit when the principal unit enters the relation's scope
    (juju state ``RelationUnit.EnterScope``); one subordinate unit per principal unit and
    subordinate application, whatever the number of container relations between them.
    """
    state = core.state
    if not rel.container or unit.principal is not None or unit.dying or rel.dying:
        return
    for end in rel.ends:
        app = state.apps[end.app]
        if not app.subordinate:
            continue
        if any(u.app == app.name for u in state.subordinates_of(unit) if not u.dying):
            continue
        _new_unit(core, app, unit)


def remove_unit(state: ModelState, unit: UnitState, *, cascade: bool = False) -> None:
    """Queue a unit's teardown (see ``Model.remove_unit``); its subordinates go with it.

    Raises:
        HarnessError: The unit is already leaving, or is a subordinate (not ``cascade``).
    """
    if unit.dying:
        raise HarnessError(f"unit {unit.name} is already being removed")
    if unit.principal is not None and not cascade:
        raise HarnessError(
            f'cannot remove unit "{unit.name}": it is a subordinate; remove its principal '
            f"{unit.principal} or the relation"
        )
    for sub in state.subordinates_of(unit):
        if not sub.dying:
            remove_unit(state, sub, cascade=True)
    unit.dying = True
    for rid in sorted(unit.views):
        rel = state.relations[rid]
        if not rel.dying:  # a dying relation already queued its -departed/-broken
            sequences.depart_unit(state, unit, rel)
    for storage_id in unit.storage:
        sequences.enqueue(unit, PendingHook("storage-detaching", storage_id=storage_id))
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
            if not unit.dying and state.can_join(unit, rel):
                sequences.join_relation(state, unit, rel)
    return rel


def unrelate(state: ModelState, rel: RelationState) -> None:
    """Queue a relation's teardown (see ``Model.unrelate``)."""
    if rel.is_peer:
        raise HarnessError(f"cannot remove peer relation {rel}")
    if rel.dying:
        raise HarnessError(f"relation {rel} is already being removed")
    sequences.break_relation(state, rel)
    if not rel.container:
        return
    # A subordinate unit left without a container relation to its principal destroys itself
    # (juju uniter: the subordinate's last container relation going away).
    for unit in list(state.units.values()):
        if unit.principal is None or unit.removed or unit.dying or rel.id not in unit.views:
            continue
        principal_app = state.units[unit.principal].app
        others = [
            other
            for other in state.relations_of(unit.app)
            if other.container and not other.dying and principal_app in other.apps()
        ]
        if not others:
            remove_unit(state, unit, cascade=True)


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
