"""The ``system_tool_stubs`` fixture: logging fakes of apt-get, snap, systemctl... on the
hooks' PATH, only for tests that ask for it."""

from __future__ import annotations

import shutil

import pytest

from helpers.harness import run
from reactive_harness import HarnessError, HookFailedError, SystemToolStubs
from reactive_harness.stubs import DEFAULT_TOOLS

INSTALL = """
apt-get update
apt-get install -y nginx
systemctl enable --now nginx
"""


def test_every_default_tool_is_faked_and_logged(model, make_charm, system_tool_stubs):
    model.deploy(make_charm("web", hooks={"install": INSTALL}), num_units=2)

    assert system_tool_stubs.calls("apt-get") == [
        ["update"],
        ["install", "-y", "nginx"],
        ["update"],
        ["install", "-y", "nginx"],
    ]
    assert system_tool_stubs.calls("systemctl", unit="web/1") == [["enable", "--now", "nginx"]]
    first = system_tool_stubs.records[0]
    assert (first.tool, first.args, first.unit, first.hook) == (
        "apt-get",
        ("update",),
        "web/0",
        "install",
    )
    for tool in DEFAULT_TOOLS:
        code, out, _ = run(model, "web/0", f"command -v {tool}")
        assert (code, out) == (0, f"{system_tool_stubs.directory}/{tool}\n")
        assert run(model, "web/0", f"{tool} --version x") == (0, "", "")
        assert system_tool_stubs.calls(tool)[-1] == ["--version", "x"]


def test_a_tool_can_fail_for_error_paths(model, make_charm, system_tool_stubs):
    system_tool_stubs.fail("apt-get", 100, "E: Unable to locate package nginx\n")
    model.fail_fast = False
    model.deploy(make_charm("web", hooks={"install": INSTALL}))

    record = model.unit("web/0").error
    assert record is not None
    assert record.hook == "install"
    assert record.exit_code == 100
    assert record.stderr == "E: Unable to locate package nginx\n"
    assert system_tool_stubs.calls("systemctl") == []

    system_tool_stubs.reset("apt-get")
    model.retry("web/0")
    assert model.unit("web/0").error is None
    assert system_tool_stubs.calls("systemctl") == [["enable", "--now", "nginx"]]


def test_a_tool_can_print(model, make_charm, system_tool_stubs):
    system_tool_stubs.respond("dpkg-query", "install ok installed\n")
    model.deploy(make_charm("web"))
    assert run(model, "web/0", "dpkg-query -W -f '${Status}' nginx") == (
        0,
        "install ok installed\n",
        "",
    )


def test_more_tools_and_clearing(model, make_charm, system_tool_stubs):
    system_tool_stubs.add("useradd")
    model.deploy(make_charm("web", hooks={"install": "useradd -r web"}))
    assert system_tool_stubs.calls("useradd") == [["-r", "web"]]
    system_tool_stubs.clear()
    assert system_tool_stubs.records == []
    with pytest.raises(KeyError, match="'pip' is not faked"):
        system_tool_stubs.calls("pip")
    with pytest.raises(ValueError, match="non-zero exit code"):
        system_tool_stubs.fail("snap", 0)


def test_nothing_is_stubbed_without_the_fixture(model, make_charm):
    model.deploy(make_charm("web"))
    _, out, _ = run(model, "web/0", "command -v systemctl || true")
    assert "stubs" not in out
    assert out.strip() == (shutil.which("systemctl") or "")


def test_stubs_installed_by_hand(tmp_path, model, make_charm):
    stubs = SystemToolStubs(tmp_path / "fakes", tools=["snap"]).install(model)
    model.deploy(make_charm("web", hooks={"install": "snap install juju --classic"}))
    assert stubs.calls("snap") == [["install", "juju", "--classic"]]
    assert stubs.tools == ["snap"]
    with pytest.raises(HarnessError, match="not a directory"):
        model.core.add_path(tmp_path / "missing")


def test_a_failing_stub_fails_the_hook_fast(model, make_charm, system_tool_stubs):
    system_tool_stubs.fail("snap")
    with pytest.raises(HookFailedError):
        model.deploy(make_charm("web", hooks={"install": "snap install x"}))
