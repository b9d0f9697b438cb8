"""bin/charm-env: finds the unit's charm and venv, and runs a command in them."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHARM_ENV = ROOT / "bin" / "charm-env"
PROBE = (
    "import os, sys; print(sys.prefix); print(os.environ['JUJU_CHARM_DIR'], "
    "os.environ['CHARM_DIR']); print(os.environ['PATH']); print(sys.path[1])"
)


def make_charm(agents: Path, unit: str, name: str, *, with_venv: bool = False) -> Path:
    charm = agents / f"unit-{unit.replace('/', '-')}" / "charm"
    (charm / "lib").mkdir(parents=True)
    (charm / "bin").mkdir()
    (charm / "metadata.yaml").write_text(f"name: {name}\nsummary: s\n")
    if with_venv:
        venv.create(charm.parent / ".venv", with_pip=False, symlinks=True)
    return charm


def run(*args: str, env: dict[str, str] | None = None, tool: Path = CHARM_ENV, cwd=None):
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"JUJU_CHARM_DIR", "CHARM_DIR", "JUJU_UNIT_NAME", "VIRTUAL_ENV"}
        and k != "PYTHONPATH"
    }
    environ.update(env or {})
    return subprocess.run(
        [str(tool), *args], env=environ, capture_output=True, text=True, check=False, cwd=cwd
    )


@pytest.fixture
def agents(tmp_path):
    directory = tmp_path / "agents"
    directory.mkdir()
    return directory


def test_runs_python_in_the_charm_venv_with_lib_on_the_path(agents):
    charm = make_charm(agents, "app/0", "app", with_venv=True)
    result = run("python3", "-c", PROBE, env={"JUJU_CHARM_DIR": str(charm)})
    assert result.returncode == 0, result.stderr
    prefix, dirs, path, first_entry = result.stdout.splitlines()
    assert prefix == str(charm.parent / ".venv")
    assert dirs == f"{charm} {charm}"
    assert path.split(":")[:2] == [str(charm.parent / ".venv" / "bin"), str(charm / "bin")]
    assert first_entry == str(charm / "lib")


def test_works_as_the_interpreter_line_of_an_action(agents, tmp_path):
    charm = make_charm(agents, "app/0", "app", with_venv=True)
    (charm / "lib" / "helper.py").write_text("WHERE = 'charm lib'\n")
    action = charm / "actions" / "hello"
    action.parent.mkdir()
    action.write_text(
        f"#!{CHARM_ENV} python3\n"
        "import sys, helper\n"
        "print(helper.WHERE, sys.prefix, sys.argv[1:])\n"
    )
    action.chmod(0o755)
    result = subprocess.run(
        [str(action), "x"],
        env={"PATH": os.environ["PATH"], "CHARM_DIR": str(charm)},
        capture_output=True,
        text=True,
        check=False,
        cwd=charm,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"charm lib {charm.parent / '.venv'} ['x']"


def test_by_hand_finds_the_only_unit(agents):
    charm = make_charm(agents, "app/0", "app")
    result = run("--print-charm-dir", env={"CHARM_ENV_AGENTS_DIR": str(agents)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(charm)


def test_by_hand_with_several_units_needs_a_choice(agents):
    make_charm(agents, "app/0", "app")
    sub = make_charm(agents, "telegraf/1", "telegraf")
    env = {"CHARM_ENV_AGENTS_DIR": str(agents)}
    ambiguous = run("true", env=env)
    assert ambiguous.returncode == 2
    assert ambiguous.stderr.startswith(
        "charm-env: more than one charm on this machine: unit-app-0 (app), "
        "unit-telegraf-1 (telegraf); choose one with --charm NAME or JUJU_UNIT_NAME=app/N"
    )
    by_name = run("--charm", "telegraf", "--print-charm-dir", env=env)
    assert by_name.stdout.strip() == str(sub), by_name.stderr
    by_unit = run("--print-charm-dir", env={**env, "JUJU_UNIT_NAME": "telegraf/1"})
    assert by_unit.stdout.strip() == str(sub), by_unit.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ((), {}, "no command to run"),
        (("nosuch-command-xyz",), {}, "nosuch-command-xyz: command not found"),
        (("--charm",), {}, "--charm needs a charm name"),
        (("--charm", "other", "true"), {}, "no unit of a charm named 'other'"),
        (("true",), {"JUJU_UNIT_NAME": "app/7"}, "no charm directory for the unit app/7"),
        (("true",), {"JUJU_CHARM_DIR": "/nonexistent/charm"}, "$JUJU_CHARM_DIR is"),
    ],
    ids=["no-command", "not-found", "charm-no-name", "charm-unknown", "unit-unknown", "bad-dir"],
)
def test_errors_are_one_clear_line_and_exit_2(agents, args, env, message):
    make_charm(agents, "app/0", "app")
    result = run(*args, env={"CHARM_ENV_AGENTS_DIR": str(agents), **env})
    assert result.returncode == 2
    assert result.stderr.startswith(f"charm-env: {message}"), result.stderr


def test_no_unit_at_all(tmp_path):
    result = run("true", env={"CHARM_ENV_AGENTS_DIR": str(tmp_path / "none")})
    assert result.returncode == 2
    assert "JUJU_CHARM_DIR is not set" in result.stderr


def test_version():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip().count(".") == 2


def test_a_symlink_runs_the_tool_of_its_name_from_the_venv(agents, tmp_path):
    charm = make_charm(agents, "app/0", "app", with_venv=True)
    tool = charm.parent / ".venv" / "bin" / "mytool"
    tool.write_text('#!/bin/sh\necho "venv tool $*"\n')
    tool.chmod(0o755)
    sbin = tmp_path / "sbin"
    sbin.mkdir()
    (sbin / "mytool").symlink_to(CHARM_ENV)
    result = run("a", "b", env={"JUJU_CHARM_DIR": str(charm)}, tool=sbin / "mytool")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "venv tool a b"


def test_plain_site_packages_of_use_venv_false(agents):
    charm = make_charm(agents, "app/0", "app")
    (charm.parent / ".site-packages").mkdir()
    result = run(
        sys.executable,
        "-c",
        "import os; print(os.environ['PYTHONPATH'])",
        env={"CHARM_DIR": str(charm)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{charm / 'lib'}:{charm.parent / '.site-packages'}"


def test_warns_when_the_venv_is_not_built_yet(agents):
    charm = make_charm(agents, "app/0", "app")
    (charm / "wheelhouse").mkdir()
    result = run("true", env={"JUJU_CHARM_DIR": str(charm)})
    assert result.returncode == 0
    assert "dependencies are not installed yet" in result.stderr
