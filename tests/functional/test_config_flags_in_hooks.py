"""layer-basic's config flags in real hooks: tests/data/config_charm run by the emulator."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from charms.reactive._config_flags import PREVIOUS_KEY
from helpers.charm_assembly import REPO, assemble
from reactive_harness import Model

FIXTURE = REPO / "tests" / "data" / "config_charm"
UNIT = "cfg/0"


@pytest.fixture
def config_charm(tmp_path: Path) -> Path:
    return assemble(FIXTURE, tmp_path / "charms" / "config-fixture")


def notes(model: Model) -> list[str]:
    path = model.unit(UNIT).charm_dir / "notes.txt"
    return path.read_text().splitlines() if path.exists() else []


def config_flags(model: Model) -> set[str]:
    return {f for f in model.unit(UNIT).flags if f.startswith("config.")}


def test_the_first_hook_sees_every_option_changed(model, config_charm):
    model.deploy(config_charm, "cfg")

    assert [r.hook for r in model.unit(UNIT).records] == [
        "install", "leader-elected", "config-changed", "start"
    ]  # fmt: skip
    assert notes(model) == ["install: port 8080", "install: rendered with the default port"]
    assert config_flags(model) == {
        "config.set.port", "config.default.port", "config.default.debug",
        "config.default.fail", "config.default.name",
    }  # fmt: skip


def test_a_change_sets_its_flags_for_one_hook(model, config_charm):
    model.deploy(config_charm, "cfg")

    model.set_config("cfg", {"port": 9090, "debug": True})

    assert notes(model)[2:] == [
        "config-changed: port 9090",
        "config-changed: debug on",
        "config-changed: rendered with a custom port",  # the trigger cleared app.rendered
    ]
    assert config_flags(model) == {
        "config.set.port", "config.set.debug", "config.default.fail", "config.default.name"
    }  # fmt: skip
    assert model.unit_kv(UNIT)[PREVIOUS_KEY] == {
        "port": 9090, "debug": True, "name": None, "fail": False
    }  # fmt: skip


def test_a_hook_with_no_config_change_changes_no_flag_and_logs_nothing(model, config_charm):
    model.deploy(config_charm, "cfg")
    flags_before = model.unit(UNIT).flags

    model.update_status("cfg")

    record = model.unit(UNIT).records[-1]
    assert record.hook == "update-status"
    assert record.tool_counts["config-get"] == 1
    assert record.tool_counts["juju-log"] == 0
    assert model.unit(UNIT).flags == flags_before
    assert len(notes(model)) == 2


def test_a_charm_whose_handlers_name_no_config_flag_never_asks_for_config(model, core_charm):
    model.deploy(core_charm, "core")

    model.update_status("core")

    record = model.unit("core/0").records[-1]
    assert record.tool_counts.get("config-get", 0) == 0
    assert not any(f.startswith("config.") for f in model.unit("core/0").flags)


def test_a_failed_hook_keeps_the_change_for_its_retry(model, config_charm):
    model.deploy(config_charm, "cfg")
    model.set_config("cfg", {"port": 9000, "fail": True})
    assert model.unit(UNIT).error is not None
    assert model.unit_kv(UNIT)[PREVIOUS_KEY]["port"] == 8080  # not committed

    model.set_config("cfg", {"fail": False}, settle=False)
    model.resolve(UNIT)
    model.settle()

    assert model.unit(UNIT).error is None
    assert "config-changed: port 9000" in notes(model)
    assert model.unit_kv(UNIT)[PREVIOUS_KEY]["port"] == 9000


def test_an_upgrade_from_layer_basic_reports_no_spurious_change(model, config_charm):
    model.deploy(config_charm, "cfg")
    model.set_config("cfg", {"port": 9090})
    unit = model.unit(UNIT)
    # As layer-basic left the unit: no record of ours, charmhelpers' saved config instead.
    db = sqlite3.connect(unit.charm_dir / ".unit-state.db")
    with db:
        db.execute("DELETE FROM kv WHERE key = ?", (PREVIOUS_KEY,))
    db.close()
    saved = {"port": 9090, "debug": False, "fail": False}
    (unit.charm_dir / ".juju-persistent-config").write_text(json.dumps(saved))
    before = notes(model)

    model.upgrade_charm("cfg", config_charm)

    assert [r.hook for r in unit.records[-2:]] == ["upgrade-charm", "config-changed"]
    assert notes(model) == before
    assert model.unit_kv(UNIT)[PREVIOUS_KEY]["port"] == 9090
