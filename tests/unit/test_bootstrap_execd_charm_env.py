"""lib/reactive_bootstrap/: exec.d pre-install scripts and the charm-env installation.

Each test runs the bootstrap as a hook does, in a fresh interpreter, on a charm directory
holding a copy of lib/reactive_bootstrap/ and bin/charm-env.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import reactive_bootstrap as rb

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def charm(tmp_path):
    charm_dir = tmp_path / "unit-app-0" / "charm"
    (charm_dir / "bin").mkdir(parents=True)
    shutil.copytree(
        ROOT / "lib" / "reactive_bootstrap",
        charm_dir / "lib" / "reactive_bootstrap",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy2(ROOT / "bin" / "charm-env", charm_dir / "bin" / "charm-env")
    return charm_dir


@pytest.fixture
def fake_bin(tmp_path):
    """A directory first on the hooks' PATH, for fake apt-get and status-set."""
    directory = tmp_path / "fake-bin"
    directory.mkdir()
    return directory


def write_exe(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def run_hook(charm: Path, fake_bin: Path, **env: str) -> subprocess.CompletedProcess[str]:
    script = "import sys; sys.path.insert(0, 'lib'); import reactive_bootstrap as r; r.bootstrap()"
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "PYTHONPATH", "CHARM_ENV_INSTALL_DIR", "JUJU_CHARM_DIR"}
    }
    environ.update(PATH=f"{fake_bin}:{os.environ['PATH']}", CHARM_DIR=str(charm), **env)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=charm,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )


def test_execd_scripts_run_once_in_order_before_the_first_install(charm, fake_bin, tmp_path):
    log = tmp_path / "log"
    write_exe(fake_bin / "apt-get", f'echo "apt-get $*" >> {log}')
    (charm / "layer.yaml").write_text('options:\n  basic:\n    packages: ["jq"]\n')
    write_exe(charm / "exec.d" / "20-proxy" / "charm-pre-install", f"echo proxy >> {log}")
    write_exe(
        charm / "exec.d" / "10-certs" / "charm-pre-install",
        f'echo "certs in $PWD for $JUJU_CHARM_DIR" >> {log}; echo certs done',
    )
    first = run_hook(charm, fake_bin)
    assert first.returncode == 0, first.stderr
    assert log.read_text().splitlines() == [
        f"certs in {charm} for {charm}",
        "proxy",
        "apt-get install --yes --no-install-recommends jq",
    ]
    assert "certs done" in first.stdout  # the script's output reaches the unit log
    assert (charm / "exec.d" / ".10-certs_charm-pre-install.done").is_file()
    assert (charm.parent / ".venv" / rb.MARKER_NAME).is_file()

    # Later hooks: nothing runs again; a script added by an upgrade runs once.
    write_exe(charm / "exec.d" / "30-new" / "charm-pre-install", f"echo new >> {log}")
    assert run_hook(charm, fake_bin).returncode == 0
    assert run_hook(charm, fake_bin).returncode == 0
    assert log.read_text().splitlines()[3:] == ["new"]


def test_a_failing_execd_script_fails_the_hook_before_anything_is_installed(
    charm, fake_bin, tmp_path
):
    status = tmp_path / "status"
    write_exe(fake_bin / "status-set", f'echo "$*" >> {status}')
    write_exe(fake_bin / "apt-get", "exit 0")
    (charm / "layer.yaml").write_text('options:\n  basic:\n    packages: ["jq"]\n')
    script = write_exe(
        charm / "exec.d" / "10-net" / "charm-pre-install",
        "echo configuring; echo 'no route to proxy' >&2; exit 4",
    )
    result = run_hook(charm, fake_bin)
    assert result.returncode == 1
    assert result.stderr == (
        f"reactive_bootstrap: {script} failed (exit 4); its output:\nconfiguring\n"
        "no route to proxy\n\n"
    )
    assert status.read_text() == (
        "blocked exec.d/10-net/charm-pre-install failed (exit 4); see the unit log\n"
    )
    assert not (charm.parent / ".venv").exists()
    assert not list((charm / "exec.d").glob(".*.done"))

    # The operator fixes the script; the retried hook runs it and goes on.
    write_exe(script, "true")
    retried = run_hook(charm, fake_bin)
    assert retried.returncode == 0, retried.stderr
    assert (charm.parent / ".venv" / rb.MARKER_NAME).is_file()


def test_bootstrap_installs_charm_env_only_when_missing_or_different(charm, fake_bin, tmp_path):
    sbin = tmp_path / "sbin"
    result = run_hook(charm, fake_bin, CHARM_ENV_INSTALL_DIR=str(sbin))
    assert result.returncode == 0, result.stderr
    installed = sbin / "charm-env"
    assert installed.read_bytes() == (ROOT / "bin" / "charm-env").read_bytes()
    assert installed.stat().st_mode & 0o777 == 0o755
    inode = installed.stat().st_ino

    assert run_hook(charm, fake_bin, CHARM_ENV_INSTALL_DIR=str(sbin)).returncode == 0
    assert installed.stat().st_ino == inode  # identical: not rewritten

    installed.write_text("#!/bin/sh\necho an older charm-env\n")
    assert run_hook(charm, fake_bin, CHARM_ENV_INSTALL_DIR=str(sbin)).returncode == 0
    assert installed.read_bytes() == (ROOT / "bin" / "charm-env").read_bytes()
    assert [p.name for p in sbin.iterdir()] == ["charm-env"]  # no temporary file left


def test_charm_env_that_cannot_be_installed_is_a_warning_not_a_failure(charm, fake_bin, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    target_dir = blocker / "sbin"
    result = run_hook(charm, fake_bin, CHARM_ENV_INSTALL_DIR=str(target_dir))
    assert result.returncode == 0
    assert result.stderr.startswith(
        f"reactive_bootstrap: WARNING: cannot install {target_dir / 'charm-env'}: "
    )
    assert "CHARM_ENV_INSTALL_DIR" in result.stderr
    assert f"actions starting with '#!{target_dir / 'charm-env'} python3' will not run" in (
        result.stderr
    )


def test_charm_env_install_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("CHARM_ENV_INSTALL_DIR", raising=False)
    agent_charm = Path("/var/lib/juju/agents/unit-app-0/charm")
    assert rb.charm_env_install_dir(agent_charm) == Path("/usr/local/sbin")
    assert rb.charm_env_install_dir(tmp_path) is None  # a harness or a test: never
    monkeypatch.setenv("CHARM_ENV_INSTALL_DIR", str(tmp_path))
    assert rb.charm_env_install_dir(agent_charm) == tmp_path
    monkeypatch.setenv("CHARM_ENV_INSTALL_DIR", "")
    assert rb.charm_env_install_dir(agent_charm) is None


def test_bootstrap_without_execd_or_charm_env_install_is_unchanged(charm, fake_bin):
    (charm / "bin" / "charm-env").unlink()
    result = run_hook(charm, fake_bin, CHARM_ENV_INSTALL_DIR="")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert not (charm.parent / ".venv").exists()


@pytest.mark.parametrize(
    "text", ["a: {x: 1}", "a: [[1, 2]]", "a: &v 1", "a: *v", "a: |", "a: !!float 1.5"]
)
def test_parse_simple_yaml_strict_refuses_what_it_would_misread(text):
    """Lenient (the bootstrap): never fails on another layer's options; strict: no misreads."""
    assert isinstance(rb.parse_simple_yaml(text), dict)
    with pytest.raises(ValueError, match="unsupported"):
        rb.parse_simple_yaml(text, strict=True)
