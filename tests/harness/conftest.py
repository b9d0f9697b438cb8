"""Fixtures of the emulator's own tests (``model`` and ``make_charm`` come from the plugin)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reactive_harness import Model


@pytest.fixture
def pair(model: Model, make_charm: Callable[..., Path]) -> Model:
    """Hook-less apps ``a`` (2 units, provides ``x``) and ``b`` (3 units) related on ``x``.

    With no hook files every hook is skipped, so setting up costs no process; tests then use
    ``model.exec`` to run tool calls in a unit's context. ``a`` also has peers ``p``.
    """
    a = make_charm("a", provides={"x": "thing"}, peers={"p": "a-peer"}, config=CONFIG)
    b = make_charm("b", requires={"x": "thing"})
    model.deploy(a, num_units=2)
    model.deploy(b, num_units=3)
    model.relate("a:x", "b:x")
    return model


CONFIG: dict[str, dict[str, object]] = {
    "port": {"type": "int", "default": 80},
    "name": {"type": "string"},
    "ratio": {"type": "float", "default": 0.5},
    "debug": {"type": "boolean", "default": False},
}
