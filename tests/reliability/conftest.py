"""Fixtures of the reliability tests: the fixture charms with reactive hooks, and models.

``subject_charm`` copies ``tests/data/reliability_subject`` and writes one Python hook file
per hook name that puts the repository's ``lib/`` first on ``sys.path`` and calls
``charms.reactive.main()`` (as the layer's hook template does once built).
"""

from __future__ import annotations

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
