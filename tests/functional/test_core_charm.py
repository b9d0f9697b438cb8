"""The core in real hooks: main() run by the emulator in the fixture charm's processes."""

from __future__ import annotations

import json

from reactive_harness import Model


def deploy(model: Model, charm) -> str:
    model.deploy(charm, "core")
    return "core/0"


def test_flags_persist_across_hooks(model, core_charm):
    unit = deploy(model, core_charm)

    assert not any(r.failed for r in model.records)
    assert model.unit(unit).flags >= {"installed", "configured", "announced"}
    assert "doomed" not in model.unit(unit).flags


def test_the_bash_handler_ran_once(model, core_charm):
    unit = deploy(model, core_charm)

    announced = [line for line in model.unit(unit).log if "announced by bash" in str(line)]
    assert len(announced) == 1


def test_a_failing_hook_rolls_everything_back(model, core_charm):
    unit = deploy(model, core_charm)
    before = model.unit_kv(unit)

    model.set_config("core", {"fail": True})

    record = model.unit(unit).error
    assert record is not None
    assert record.hook == "config-changed"
    assert "config asked this hook to fail" in record.stderr
    assert model.unit_kv(unit) == before
    assert "doomed" not in model.unit(unit).flags


def test_the_unit_recovers_after_the_failure(model, core_charm):
    unit = deploy(model, core_charm)
    model.set_config("core", {"fail": True})

    model.set_config("core", {"fail": False}, settle=False)
    model.resolve(unit)
    model.settle()

    assert model.unit(unit).error is None
    assert "doomed" not in model.unit(unit).flags


def test_a_hook_logs_its_summary_and_trace_only_when_something_happened(model, core_charm):
    unit = deploy(model, core_charm)

    model.update_status("core")
    model.update_status("core")

    def framework_log_levels(record):
        return [c.argv[2] for c in record.tool_calls if c.argv[:2] == ("juju-log", "-l")]

    install = next(r for r in model.unit(unit).records if r.hook == "install")
    assert framework_log_levels(install) == ["INFO", "DEBUG"]  # handlers ran
    settled = model.unit(unit).records[-1]
    assert settled.hook == "update-status"
    assert framework_log_levels(settled) == []  # nothing ran, nothing changed
    assert settled.tool_counts["juju-log"] == 0


def test_the_trace_explains_a_skipped_handler(model, core_charm):
    unit = deploy(model, core_charm)
    model.update_status("core")

    record = model.exec(unit, "bin/charms.reactive --format json trace")

    trace = json.loads(record.stdout)
    assert trace["hook"] == "update-status"
    assert trace["outcome"] == "ok"
    skipped = {e["handler"]: e["reason"] for e in trace["events"] if e["event"] == "skip"}
    assert skipped["reactive/core.py:26:use_db"] == "flags not set: db.ready"


def test_the_trace_is_in_the_juju_log_at_debug(model, core_charm):
    unit = deploy(model, core_charm)

    debug = [line for line in model.unit(unit).log if "tracer: hook install" in str(line)]
    assert debug, "no DEBUG trace of the install hook in the unit's log"
    assert "skip reactive/core.py:26:use_db: flags not set: db.ready" in str(debug[0])
