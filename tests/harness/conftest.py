"""Fixtures for the Juju emulator's own tests: models, generated charms, the fixture charms."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from reactive_harness import Model


@pytest.fixture
def model(tmp_path: Path) -> Iterator[Model]:
    """An empty model rooted in the test's temporary directory."""
    with Model(tmp_path / "model") as m:
        yield m


@pytest.fixture
def make_charm(tmp_path: Path) -> Callable[..., Path]:
    """Write a charm: ``make_charm("a", provides={"x": "http"}, hooks={"install": "..."})``.

    Hook scripts are bash unless they start with ``#!``; the hooks directory always exists.
    """

    def _make(
        name: str,
        *,
        provides: dict[str, str] | None = None,
        requires: dict[str, str] | None = None,
        peers: dict[str, str] | None = None,
        config: dict[str, dict[str, object]] | None = None,
        actions: dict[str, str] | None = None,
        hooks: dict[str, str] | None = None,
    ) -> Path:
        charm = tmp_path / "charms" / name
        (charm / "hooks").mkdir(parents=True)
        meta: dict[str, object] = {"name": name, "summary": "test", "description": "test"}
        for role, eps in (("provides", provides), ("requires", requires), ("peers", peers)):
            if eps:
                meta[role] = {ep: {"interface": iface} for ep, iface in eps.items()}
        (charm / "metadata.yaml").write_text(yaml.safe_dump(meta))
        if config is not None:
            (charm / "config.yaml").write_text(yaml.safe_dump({"options": config}))
        for hook, body in (hooks or {}).items():
            path = charm / "hooks" / hook
            text = textwrap.dedent(body).lstrip("\n")
            if not text.startswith("#!"):
                text = "#!/bin/bash\nset -e\n" + text
            path.write_text(text)
            path.chmod(0o755)
        if actions:
            (charm / "actions").mkdir()
            spec = {}
            for action, body in actions.items():
                spec[action] = {"description": action}
                path = charm / "actions" / action
                path.write_text("#!/bin/bash\nset -e\n" + textwrap.dedent(body).lstrip("\n"))
                path.chmod(0o755)
            (charm / "actions.yaml").write_text(yaml.safe_dump(spec))
        return charm

    return _make


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
