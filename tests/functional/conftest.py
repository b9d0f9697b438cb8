"""Fixtures of the core functional tests: the fixture charm assembled as charm-build would.

``core_charm`` copies ``tests/data/charm``, links the repository's ``lib/`` and ``bin/`` into
it, and renders every standard hook from the layer's ``hooks/hook.template``. Hooks run as
processes in the Juju emulator (the default executor), with this test environment's Python
first on ``PATH`` so that ``#!/usr/bin/env python3`` finds charmhelpers.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.charm_assembly import REPO, assemble
from reactive_harness import Model

FIXTURE = REPO / "tests" / "data" / "charm"


@pytest.fixture
def core_charm(tmp_path: Path) -> Path:
    """The fixture charm, built into a temporary directory."""
    return assemble(FIXTURE, tmp_path / "charms" / "core-fixture")


@pytest.fixture
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Model]:
    """A lenient model (a failed hook puts its unit in error) running hooks as processes."""
    python_bin = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", f"{python_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    with Model(tmp_path / "model", fail_fast=False) as m:
        yield m
