"""Fixtures of the reliability tests: the fixture charms with reactive hooks, and models.

``subject_charm`` copies ``tests/data/reliability_subject`` and writes one Python hook file
per hook name that puts the repository's ``lib/`` first on ``sys.path`` and calls
``charms.reactive.main()`` (as the layer's hook template does once built).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.reliability import copy_subject
from reactive_harness import Model


@pytest.fixture
def subject_charm(tmp_path: Path) -> Path:
    return copy_subject(tmp_path / "charms" / "subject")


@pytest.fixture
def model(tmp_path: Path) -> Iterator[Model]:
    """A lenient model (a failed hook leaves its unit in error) running hooks as processes."""
    with Model(tmp_path / "model", fail_fast=False) as m:
        yield m


#: The figures printed at the end, per ``module.NAME``; module globals of the tests.
FIGURES = (
    ("test_transactions", "INJECTED"),
    ("test_all_or_nothing", "TRIED"),
    ("test_bad_environment", "TRIED"),
    ("test_lifecycle_fuzz", "STATS"),
)
#: Figures reported by pytest-xdist's workers (the controller runs no test itself).
_FROM_WORKERS: list[str] = []


def _figures() -> list[str]:
    out = []
    for module, name in FIGURES:
        value = getattr(sys.modules.get(module), name, None)
        if value:
            out.append(f"{module}.{name}: {len(value) if isinstance(value, list) else value}")
    return out


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker, hand this worker's figures to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["reliability_figures"] = _figures()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """In pytest-xdist's controller, collect a finished worker's figures."""
    _FROM_WORKERS.extend(getattr(node, "workeroutput", {}).get("reliability_figures", []))


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the figures of the reliability tests that ran (faults, bad inputs, fuzzing).

    Under pytest-xdist, one line per worker that ran some.
    """
    figures = _figures() + sorted(_FROM_WORKERS)
    if figures:
        terminalreporter.write_sep("-", "reliability figures")
        for line in figures:
            terminalreporter.write_line(line)
