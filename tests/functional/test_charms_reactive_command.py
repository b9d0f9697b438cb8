"""bin/charms.reactive{,.sh} outside hooks, as the README's troubleshooting section runs them.

``juju exec`` sets ``CHARM_DIR`` but does not put the charm's ``bin/`` on ``PATH``; ``juju ssh``
sets neither. The launcher must work by its full path in both.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from reactive_harness import Model


def deploy(model: Model, charm: Path) -> str:
    model.deploy(charm, "core")
    assert not any(r.failed for r in model.records)
    return "core/0"


def bare_env() -> dict[str, str]:
    """An environment as ``sudo`` gives in ``juju ssh``: no CHARM_DIR, no JUJU_*, no state db."""
    python_bin = str(Path(sys.executable).parent)  # `#!/usr/bin/env python3` finds charmhelpers
    return {"PATH": f"{python_bin}:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent"}


def test_the_readme_juju_exec_form_prints_the_trace(model, core_charm):
    unit = deploy(model, core_charm)
    model.update_status("core")

    record = model.exec(unit, "$CHARM_DIR/bin/charms.reactive trace --format json")

    assert record.exit_code == 0, record.stderr
    assert json.loads(record.stdout)["hook"] == "update-status"
    # juju exec does not put the charm's bin/ on PATH: the README must not rely on it.
    bin_dir = str(model.unit(unit).charm_dir / "bin")
    assert bin_dir not in record.env["PATH"].split(":")


def test_the_launcher_by_full_path_finds_its_charm_without_charm_dir(model, core_charm, tmp_path):
    unit = deploy(model, core_charm)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    launcher = model.unit(unit).charm_dir / "bin" / "charms.reactive"

    proc = subprocess.run(
        [str(launcher), "get_flags"],
        cwd=elsewhere,
        env=bare_env(),
        capture_output=True,
        text=True,
        check=False,
    )

    assert proc.returncode == 0, proc.stderr
    assert set(proc.stdout.splitlines()) == model.unit(unit).flags
    assert {"installed", "configured", "announced"} <= set(proc.stdout.splitlines())
    assert list(elsewhere.iterdir()) == []  # no state database made in the working directory


def test_the_bash_helper_by_full_path_works_without_bin_on_path(model, core_charm, tmp_path):
    unit = deploy(model, core_charm)
    helper = model.unit(unit).charm_dir / "bin" / "charms.reactive.sh"
    script = f'source "{helper}"\nget_flags --format json\n'

    proc = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=bare_env(),
        capture_output=True,
        text=True,
        check=False,
    )

    assert proc.returncode == 0, proc.stderr
    assert set(json.loads(proc.stdout)) == model.unit(unit).flags


def test_the_launcher_keeps_the_charm_dir_it_is_given(model, core_charm, tmp_path):
    """In a hook (or ``juju exec``) CHARM_DIR wins over the launcher's own location."""
    unit = deploy(model, core_charm)
    other = tmp_path / "other-charm"
    other.mkdir()
    with contextlib.closing(sqlite3.connect(other / ".unit-state.db")) as db:
        db.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, data TEXT)")
        db.execute("INSERT INTO kv VALUES ('reactive.states.elsewhere', 'null')")
        db.commit()
    launcher = model.unit(unit).charm_dir / "bin" / "charms.reactive"

    proc = subprocess.run(
        [str(launcher), "get_flags"],
        cwd=tmp_path,
        env={**bare_env(), "CHARM_DIR": str(other)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert (proc.returncode, proc.stdout) == (0, "elsewhere"), proc.stderr
