"""Switching a deployed charm from charms.reactive 1.5.3 to this layer keeps its state (issue 8).

The same scenario runs on the fixture charm (every conversation scope: unit, service,
global, a custom string, and a unit-scoped peer relation) on charms.reactive 1.5.3 and then
upgraded to this layer, and on this layer all along (once for the module: the baseline).
After the upgrade-charm hook and after further relation changes, the two runs must agree
on what a charm carries across hooks: flags with their conversation lists, conversations,
local data, data_changed hashes, only_once marks, the charm's own keys, the relation data it
sent and what its bash handler wrote. A second test makes the upgrade to the charm that
charm-build makes of the fixture on this layer (generated hooks, the bootstrap building each
unit's venv from the wheelhouse).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devtools import charmbuild
from helpers.notified import notified_view_errors
from helpers.upgrade import CHARM, REMOTE, build, differences, hosts_action, snapshot
from reactive_harness import Model

#: Under pytest-xdist (``--dist loadgroup``) the module's tests share one worker: its module
#: fixtures run the reference framework's scenario once, not once per worker.
pytestmark = pytest.mark.xdist_group("upgrade-e2e")


def phase_one(model: Model, charm: Path) -> dict[str, Any]:
    """Deploy, relate in every scope, change data, scale the remote side; return the action."""
    model.deploy(charm, "subject", num_units=2)
    model.deploy(REMOTE, "remote", num_units=2)
    rels = {name: model.relate(f"subject:{name}", f"remote:{name}")
            for name in ("unitrel", "svcrel", "globrel", "custrel")}  # fmt: skip
    model.set_relation_data(rels["unitrel"], "remote/0", {"host": "primary", "port": "5432"})
    model.set_relation_data(rels["unitrel"], "remote/1", {"host": "10.0.0.2", "port": "5433"})
    model.set_relation_data(rels["globrel"], "remote/1", {"api-key": "k1"})
    model.set_relation_data(rels["svcrel"], "remote/1", {"wanted-motd": "yes"})
    model.set_config("subject", {"motd": "hi"})
    model.remove_unit("remote/1")  # remote/1 departs from every relation
    model.update_status()
    return hosts_action(model, "subject/0")


def phase_two(model: Model) -> dict[str, Any]:
    """After the upgrade: more data changes, scaling, an unrelate; return the action."""
    rels = {tuple(sorted(r.endpoints)): r for r in model.relations}
    unitrel = rels[("remote:unitrel", "subject:unitrel")]
    model.set_relation_data(unitrel, "remote/0", {"port": "6000"})
    model.set_relation_data(rels[("remote:globrel", "subject:globrel")], "remote/0",
                            {"api-key": "k2"})  # fmt: skip
    model.add_unit("remote")  # remote/2 joins every relation
    model.set_relation_data(unitrel, "remote/2", {"host": "10.0.0.4", "port": "5434"})
    model.unrelate(rels[("remote:custrel", "subject:custrel")])
    model.set_config("subject", {"motd": "bye"})
    model.update_status()
    return hosts_action(model, "subject/0")


def run(new_model: Any, first: Path, then: Path, name: str) -> dict[str, Any]:
    return run_in(new_model(name), first, then)


def run_in(model: Model, first: Path, then: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"action-before": phase_one(model, first)}
    out["before"] = snapshot(model)
    model.upgrade_charm("subject", then)
    out["upgraded"] = snapshot(model)
    out["action-after"] = phase_two(model)
    out["final"] = snapshot(model)
    units = model.app("subject").units
    out["venvs"] = sorted(u.name for u in units if (u.charm_dir.parent / ".venv").is_dir())
    # The notified view, started empty by the upgrade from 1.5.3, filled lazily and exactly.
    out["view errors"] = {u.name: notified_view_errors(model, u.name) for u in units}
    out["view keys"] = sum(len(u.kv("reactive.notified.")) for u in units)
    return out


@pytest.fixture(scope="module")
def module_charms(tmp_path_factory: pytest.TempPathFactory, ref_python: Path) -> dict[str, Path]:
    """The fixture charm for each framework, shared by this module's tests (read-only)."""
    root = tmp_path_factory.mktemp("upgrade-charms")
    return {fw: build(root / f"charm-{fw}", fw, ref_python) for fw in ("ref", "ours")}


@pytest.fixture(scope="module")
def ours_all_along(
    tmp_path_factory: pytest.TempPathFactory, module_charms: dict[str, Path]
) -> dict[str, Any]:
    """The baseline both tests compare with: the scenario on this layer all along (run once)."""
    with Model(tmp_path_factory.mktemp("model-ours")) as model:
        return run_in(model, module_charms["ours"], module_charms["ours"])


def test_upgrade_from_reference_keeps_state(
    new_model: Any, module_charms: dict[str, Path], ours_all_along: dict[str, Any]
) -> None:
    upgraded = run(new_model, module_charms["ref"], module_charms["ours"], "upgraded")
    ours = ours_all_along
    assert upgraded["action-before"] == ours["action-before"]
    assert json.loads(ours["action-before"]["hosts"]) == [["remote/0", "primary", "5432"]]
    for stage in ("upgraded", "final"):
        diff = differences(upgraded[stage], ours[stage])
        assert not diff, f"after {stage}:\n" + "\n".join(diff)
    assert upgraded["action-after"] == ours["action-after"]
    assert upgraded["view errors"] == {"subject/0": [], "subject/1": []}
    assert ours["view errors"] == {"subject/0": [], "subject/1": []}
    assert upgraded["view keys"] > 0


@pytest.fixture(scope="module")
def built_charm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture charm built on this layer by charm-build (offline), bash handler left out.

    The other runs leave the bash handler out too (see ``helpers.upgrade.build``); it is
    covered by ``test_upgrade_bash_and_actions``.
    """
    scratch = tmp_path_factory.mktemp("charm-build")
    charm = charmbuild.build_charm(CHARM, scratch / "out")
    (charm / "reactive" / "announce").unlink()
    return charm


def test_upgrade_to_the_charm_build_output_keeps_state(
    new_model: Any,
    module_charms: dict[str, Path],
    built_charm: Path,
    ours_all_along: dict[str, Any],
) -> None:
    built = run(new_model, module_charms["ref"], built_charm, "built")
    reference = ours_all_along
    for stage in ("upgraded", "final"):
        diff = differences(built[stage], reference[stage])
        assert not diff, f"after {stage}:\n" + "\n".join(diff)
    assert built["action-after"] == reference["action-after"]
    assert json.loads(built["action-after"]["hosts"]) == [
        ["remote/0", "primary", "6000"],
        ["remote/2", "10.0.0.4", "5434"],
    ]
    # Each unit's upgrade-charm built its venv from the wheelhouse; the assembled charm has none.
    assert (built["venvs"], reference["venvs"]) == (["subject/0", "subject/1"], [])
