"""Run a scenario file: a list of steps (deploy, relate, add-unit, ...) against a new model.

Format (YAML)::

    juju-version: "3.6.0"        # optional
    steps:
      - deploy: {charm: ./provider, name: web, units: 2, config: {port: 8080}}
      - deploy: ./requirer       # charm path only
      - relate: [web:website, requirer:website]
      - add-unit: web            # or {app: web, count: 2}
      - remove-unit: web/1
      - config: {app: web, values: {port: 81}}
      - leader: web/1
      - set-relation-data: {relation: web requirer, owner: web/0, data: {k: v}}
      - exec: {unit: web/0, command: relation-ids website}
      - action: {unit: web/0, name: echo, params: {message: hi}}
      - fault: {unit: web/0, call: 2, kind: fail}
      - retry: web/0             # also: resolve: web/0
      - update-status: web       # or null for every application
      - upgrade-charm: {app: web, charm: ./provider-v2}
      - unrelate: web requirer

Charm paths are relative to the scenario file. Steps settle the model after them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from reactive_harness.errors import ScenarioError
from reactive_harness.model import Model
from reactive_harness.records import HookRecord

__all__ = ["STEPS", "load_scenario", "run_step"]


def load_scenario(path: Path) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """Read a scenario file; return its options and its ``(step, argument)`` list.

    Raises:
        ScenarioError: The file is not a valid scenario.
    """
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ScenarioError(f"{path}: cannot read scenario: {err}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list):
        raise ScenarioError(f"{path}: expected a mapping with a 'steps' list")
    steps = []
    for number, step in enumerate(doc["steps"], 1):
        if not isinstance(step, dict) or len(step) != 1:
            raise ScenarioError(f"{path}: step {number}: expected one 'name: argument' pair")
        ((name, arg),) = step.items()
        if name not in STEPS:
            raise ScenarioError(
                f"{path}: step {number}: unknown step {name!r} (steps: {', '.join(STEPS)})"
            )
        steps.append((str(name), arg))
    options = {k: v for k, v in doc.items() if k != "steps"}
    return options, steps


def _need(arg: Any, key: str, step: str) -> Any:
    if not isinstance(arg, dict) or key not in arg:
        raise ScenarioError(f"step {step}: missing {key!r}")
    return arg[key]


def _deploy(model: Model, arg: Any, base: Path) -> None:
    spec: dict[str, Any] = {"charm": arg} if isinstance(arg, str) else arg
    charm = base / str(_need(spec, "charm", "deploy"))
    units = spec.get("units")
    model.deploy(
        charm,
        spec.get("name"),
        num_units=None if units is None else int(units),
        config=spec.get("config"),
    )


def _relate(model: Model, arg: Any, base: Path) -> None:
    ends = arg.split() if isinstance(arg, str) else arg
    if not isinstance(ends, list) or len(ends) != 2:
        raise ScenarioError("step relate: expected two endpoints")
    model.relate(str(ends[0]), str(ends[1]))


def _add_unit(model: Model, arg: Any, base: Path) -> None:
    spec = {"app": arg} if isinstance(arg, str) else arg
    model.add_unit(str(_need(spec, "app", "add-unit")), int(spec.get("count", 1)))


def _config(model: Model, arg: Any, base: Path) -> None:
    model.set_config(str(_need(arg, "app", "config")), dict(_need(arg, "values", "config")))


def _relation_data(model: Model, arg: Any, base: Path) -> None:
    model.set_relation_data(
        _need(arg, "relation", "set-relation-data"),
        str(_need(arg, "owner", "set-relation-data")),
        {str(k): str(v) for k, v in dict(_need(arg, "data", "set-relation-data")).items()},
    )


def _exec(model: Model, arg: Any, base: Path) -> HookRecord:
    return model.exec(
        str(_need(arg, "unit", "exec")),
        str(_need(arg, "command", "exec")),
        relation=arg.get("relation"),
        remote_unit=arg.get("remote-unit"),
    )


def _action(model: Model, arg: Any, base: Path) -> None:
    model.run_action(
        str(_need(arg, "unit", "action")), str(_need(arg, "name", "action")), arg.get("params")
    )


def _fault(model: Model, arg: Any, base: Path) -> None:
    model.inject_fault(
        str(_need(arg, "unit", "fault")),
        call=int(arg.get("call", 1)),
        kind=str(arg.get("kind", "fail")),
    )


def _upgrade(model: Model, arg: Any, base: Path) -> None:
    spec = {"app": arg} if isinstance(arg, str) else arg
    charm = spec.get("charm")
    model.upgrade_charm(
        str(_need(spec, "app", "upgrade-charm")), base / str(charm) if charm else None
    )


STEPS: dict[str, Callable[[Model, Any, Path], object]] = {
    "deploy": _deploy,
    "relate": _relate,
    "unrelate": lambda m, a, b: m.unrelate(a if isinstance(a, (int, str)) else " ".join(a)),
    "add-unit": _add_unit,
    "remove-unit": lambda m, a, b: m.remove_unit(str(a)),
    "config": _config,
    "leader": lambda m, a, b: m.set_leader(str(a)),
    "set-relation-data": _relation_data,
    "exec": _exec,
    "action": _action,
    "fault": _fault,
    "retry": lambda m, a, b: m.retry(str(a)),
    "resolve": lambda m, a, b: m.resolve(str(a)),
    "update-status": lambda m, a, b: m.update_status(a),
    "upgrade-charm": _upgrade,
    "settle": lambda m, a, b: m.settle(),
}


def run_step(model: Model, name: str, arg: Any, base: Path) -> object:
    """Run one scenario step; return what the step returned (``exec``: its ``HookRecord``).

    Raises:
        ScenarioError: The step's argument is malformed.
        HarnessError: The step is refused by the model (unknown app, ...).
    """
    try:
        return STEPS[name](model, arg, base)
    except (TypeError, ValueError, AttributeError) as err:
        raise ScenarioError(f"step {name}: bad argument {arg!r}: {err}") from None
