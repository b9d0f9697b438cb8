"""Fixtures of the core functional tests: the fixture charm assembled as charm-build would.

``core_charm`` copies ``tests/data/charm``, links the repository's ``lib/`` and ``bin/`` into
it, and renders every standard hook from the layer's ``hooks/hook.template``. Hooks run as
processes in the Juju emulator (the default executor), with this test environment's Python
first on ``PATH`` so that ``#!/usr/bin/env python3`` finds charmhelpers.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reactive_harness import Model

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "data" / "charm"
STANDARD_HOOKS = (
    "install", "config-changed", "leader-elected", "leader-settings-changed", "start", "stop",
    "update-status", "upgrade-charm", "remove",
)  # fmt: skip


@pytest.fixture
def core_charm(tmp_path: Path) -> Path:
    """The fixture charm, built into a temporary directory."""
    charm = tmp_path / "charms" / "core-fixture"
    shutil.copytree(FIXTURE, charm, ignore=shutil.ignore_patterns("__pycache__"))
    (charm / "lib").symlink_to(REPO / "lib", target_is_directory=True)
    shutil.copytree(REPO / "bin", charm / "bin")
    (charm / "hooks").mkdir()
    template = (REPO / "hooks" / "hook.template").read_text()
    for hook in STANDARD_HOOKS:
        path = charm / "hooks" / hook
        path.write_text(template.format(hook))
        path.chmod(0o755)
    return charm


@pytest.fixture
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Model]:
    """A lenient model (a failed hook puts its unit in error) running hooks as processes."""
    python_bin = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", f"{python_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    with Model(tmp_path / "model", fail_fast=False) as m:
        yield m
