"""Helpers of the emulator's own tests: the fixture charms, running a command in a unit."""

from __future__ import annotations

from pathlib import Path

from reactive_harness import Model

DATA = Path(__file__).resolve().parents[1] / "data"
PROVIDER = DATA / "harness_charm_provider"
REQUIRER = DATA / "harness_charm_requirer"


def run(model: Model, unit: str, command: str, **kwargs: object) -> tuple[int, str, str]:
    """Run a shell command in a unit's hook context; return exit code, stdout, stderr."""
    record = model.exec(unit, command, **kwargs)  # type: ignore[arg-type]
    assert record.exit_code is not None
    return record.exit_code, record.stdout, record.stderr
