"""The in-process executor: reactive hooks run in the test process with the same rules."""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

from reactive_harness import Model
from reactive_harness.inprocess import InProcessExecutor, is_reactive_hook

HANDLERS = """
from charms.reactive import _runtime, hook, set_flag, when_not
from charms.reactive import flags


@when_not("app.installed")
def install():
    set_flag("app.installed")


@hook("x-relation-joined")
def joined():
    rt = _runtime.current()
    rt.tools.relation_set(rt.context.relation_id, {"hello": rt.context.unit_name})
    if rt.tools.config_get().get("explode"):
        raise RuntimeError("boom in handler")
    set_flag("app.joined")
"""

HOOK = "#!/usr/bin/env python3\nfrom charms.reactive import main\nmain()\n"


@pytest.fixture
def reactive_charm(make_charm):
    charm = make_charm(
        "r", provides={"x": "i"}, config={"explode": {"type": "boolean", "default": False}}
    )
    (charm / "reactive").mkdir()
    (charm / "reactive" / "app.py").write_text(textwrap.dedent(HANDLERS))
    for name in ("install", "x-relation-joined", "config-changed"):
        path = charm / "hooks" / name
        path.write_text(HOOK)
        path.chmod(0o755)
    return charm


@pytest.fixture
def inproc(tmp_path):
    executor = InProcessExecutor()
    with Model(tmp_path / "m", executor=executor, fail_fast=False) as model:
        yield model, executor


def test_reactive_hooks_run_in_process_and_commit_flags(inproc, reactive_charm, make_charm):
    model, executor = inproc
    model.deploy(reactive_charm, num_units=2)
    assert executor.in_process == 4  # install and config-changed of two units
    assert model.unit_flags("r/0") >= {"app.installed"}
    install = model.records[0]
    assert install.exit_code == 0
    assert "juju-log" in install.tool_counts
    model.deploy(make_charm("b", requires={"x": "i"}))
    rel = model.relate("r", "b")
    assert rel.data("r/1")["hello"] == "r/1"
    assert "app.joined" in model.unit_flags("r/1")
    # The remote side was woken by the committed write.
    assert ("b/0", "x-relation-changed", "r/1") in [
        (r.unit, r.hook, r.env.get("JUJU_REMOTE_UNIT")) for r in model.records
    ]


def test_failing_handler_rolls_back_flags_and_relation_writes(inproc, reactive_charm, make_charm):
    model, _ = inproc
    model.deploy(reactive_charm, config={"explode": True})
    model.deploy(make_charm("b", requires={"x": "i"}))
    rel = model.relate("r", "b")
    error = model.unit("r/0").error
    assert error is not None
    assert error.hook == "x-relation-joined"
    assert "boom in handler" in error.stderr
    assert "hello" not in rel.data("r/0")
    assert "app.joined" not in model.unit_flags("r/0")


def test_kill_fault_in_process_commits_nothing(inproc, reactive_charm, make_charm):
    model, _ = inproc
    model.deploy(reactive_charm)
    model.deploy(make_charm("b", requires={"x": "i"}))
    model.inject_fault("r/0", call=1, kind="kill", hook="x-relation-joined")
    rel = model.relate("r", "b")
    error = model.unit("r/0").error
    assert error is not None
    assert error.killed
    assert error.exit_code == -9
    assert "hello" not in rel.data("r/0")
    assert "app.joined" not in model.unit_flags("r/0")


def test_shell_hooks_and_exec_still_run_as_processes(inproc, make_charm):
    model, executor = inproc
    model.deploy(make_charm("s", hooks={"install": "echo $$"}))
    assert executor.in_process == 0
    assert model.records[0].stdout.strip().isdigit()
    assert model.exec("s/0", "is-leader").stdout == "True\n"


def test_reactive_hook_detection(tmp_path):
    hook = tmp_path / "h"
    hook.write_text(HOOK)
    assert is_reactive_hook(hook)
    hook.write_text("#!/bin/sh\necho main()\n")
    assert not is_reactive_hook(hook)
    assert not is_reactive_hook(tmp_path / "missing")


TOOL_CALLING_HANDLERS = """
import json
import subprocess
from subprocess import call as bound_call

from charms.reactive import hook


@hook("config-changed")
def call_tools_as_charm_code_does():
    out = {}
    out["is-leader"] = json.loads(subprocess.check_output(["is-leader", "--format=json"]))
    out["status-set"] = subprocess.check_call(["status-set", "active", "from charm code"])
    out["juju-log"] = bound_call(["juju-log", "logged by charm code"])
    done = subprocess.run(["config-get", "greeting"], capture_output=True, text=True)
    out["config-get"] = [done.returncode, done.stdout]
    bad = subprocess.run(["status-set", "sleepy"], capture_output=True)
    out["bad status"] = [bad.returncode, bad.stderr.decode()]
    try:
        subprocess.check_output(["relation-get", "-r", "db:99", "-", "r/0"],
                                stderr=subprocess.STDOUT)
    except subprocess.CalledProcessError as exc:
        out["relation-get"] = [exc.returncode, exc.cmd, exc.output.decode()]
    out["echo"] = subprocess.check_output(["echo", "a process"], text=True)
    with open("tools.json", "w") as f:
        json.dump(out, f)
"""


def test_charm_code_running_hook_tools_is_answered_in_process(inproc, make_charm):
    """charmhelpers-style ``subprocess`` calls of hook tools cost no process in-process.

    The emulator's tool client is replaced by a script that fails: every tool call that
    reached a process would exit 99. Other commands still run as processes.
    """
    model, _ = inproc
    client = model.root / "tools" / "jujuc"
    client.write_text("#!/bin/sh\necho 'a process ran' >&2\nexit 99\n")
    charm = make_charm("r", config={"greeting": {"type": "string", "default": "hi"}})
    (charm / "reactive").mkdir()
    (charm / "reactive" / "app.py").write_text(TOOL_CALLING_HANDLERS)
    path = charm / "hooks" / "config-changed"
    path.write_text(HOOK)
    path.chmod(0o755)
    model.deploy(charm)
    unit = model.unit("r/0")
    assert unit.error is None, unit.error
    out = json.loads((unit.charm_dir / "tools.json").read_text())
    assert out["is-leader"] is True
    assert out["status-set"] == 0
    assert out["juju-log"] == 0
    assert out["config-get"] == [0, "hi\n"]
    assert out["bad status"][0] == 2
    assert "sleepy" in out["bad status"][1]
    code, cmd, text = out["relation-get"]
    assert code != 0
    assert cmd == ["relation-get", "-r", "db:99", "-", "r/0"]
    assert text.startswith("ERROR ")
    assert out["echo"] == "a process\n"
    record = [r for r in unit.records if r.hook == "config-changed"][-1]
    argv = [c.argv for c in record.tool_calls]
    assert ("status-set", "active", "from charm code") in argv
    assert ("juju-log", "logged by charm code") in argv
    assert (unit.status.status, unit.status.message) == ("active", "from charm code")
    assert not hasattr(subprocess.run, "__wrapped__")  # the hook's wrappers are gone
