"""Fixtures for the interface-layer tests: small charms assembled as charm-build would.

``make_charm`` writes metadata.yaml, one handler module in ``reactive/``, the interface layers
from ``interfaces/`` copied to ``hooks/relations/<name>/``, and every hook rendered from the
base layer's ``hooks/hook.template``. There is no wheelhouse; the emulator runs the hooks in
this process (``InProcessExecutor``), with the test environment's charmhelpers and PyYAML.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from reactive_harness import InProcessExecutor, Model

REPO = Path(__file__).resolve().parents[2]
STANDARD_HOOKS = (
    "install", "config-changed", "leader-elected", "leader-settings-changed", "start", "stop",
    "update-status", "upgrade-charm",
)  # fmt: skip
RELATION_HOOKS = ("created", "joined", "changed", "departed", "broken")

#: Handlers can record what they saw: ``record("name", value)`` writes ``<charm>/seen.json``.
RECORD_HELPER = """
import json as _json
import os as _os


def record(key, value):
    path = _os.path.join(_os.environ["CHARM_DIR"], "seen.json")
    seen = {}
    if _os.path.exists(path):
        with open(path, encoding="utf-8") as stream:
            seen = _json.load(stream)
    seen[key] = value
    with open(path, "w", encoding="utf-8") as stream:
        _json.dump(seen, stream)
"""


@pytest.fixture
def make_charm(tmp_path: Path) -> Callable[..., Path]:
    """``make_charm(name, handlers, provides={endpoint: interface}, ...)`` -> charm dir."""

    def _make(
        name: str,
        handlers: str,
        *,
        provides: dict[str, str] | None = None,
        requires: dict[str, str] | None = None,
        peers: dict[str, str] | None = None,
    ) -> Path:
        charm = tmp_path / "charms" / name
        (charm / "reactive").mkdir(parents=True)
        (charm / "hooks" / "relations").mkdir(parents=True)
        meta: dict[str, object] = {"name": name, "summary": name, "description": name}
        template = (REPO / "hooks" / "hook.template").read_text()
        hooks = {hook: template.format("hook") for hook in STANDARD_HOOKS}
        for role, endpoints in (("provides", provides), ("requires", requires), ("peers", peers)):
            if not endpoints:
                continue
            meta[role] = {ep: {"interface": iface} for ep, iface in endpoints.items()}
            for endpoint, interface in endpoints.items():
                target = charm / "hooks" / "relations" / interface
                if not target.exists():
                    shutil.copytree(REPO / "interfaces" / interface, target)
                    (target / "__init__.py").touch()
                for kind in RELATION_HOOKS:
                    hooks[f"{endpoint}-relation-{kind}"] = template.format(endpoint)
        for hook, text in hooks.items():
            (charm / "hooks" / hook).write_text(text)
            (charm / "hooks" / hook).chmod(0o755)
        (charm / "metadata.yaml").write_text(yaml.safe_dump(meta))
        (charm / "lib").symlink_to(REPO / "lib", target_is_directory=True)
        body = RECORD_HELPER + textwrap.dedent(handlers)
        (charm / "reactive" / f"{name.replace('-', '_')}.py").write_text(body)
        return charm

    return _make


@pytest.fixture
def model(tmp_path: Path) -> Iterator[Model]:
    """A model whose reactive hooks run in this process."""
    with Model(tmp_path / "model", executor=InProcessExecutor()) as m:
        yield m


@pytest.fixture
def seen(model: Model) -> Callable[[str], dict[str, object]]:
    """``seen(unit)``: what the unit's handlers recorded with ``record()``, or {}."""

    def _seen(unit: str) -> dict[str, object]:
        path = model.unit(unit).charm_dir / "seen.json"
        return json.loads(path.read_text()) if path.exists() else {}

    return _seen


@pytest.fixture
def conversations(model: Model) -> Callable[[str], dict[str, list[str]]]:
    """``conversations(unit)``: stored conversations, ``{key suffix: units}``."""

    def _conversations(unit: str) -> dict[str, list[str]]:
        prefix = "reactive.conversations."
        return {
            key[len(prefix) :]: value["units"]
            for key, value in model.unit(unit).kv(prefix).items()
            if ".local-data." not in key
        }

    return _conversations


@pytest.fixture
def example_charm(make_charm: Callable[..., Path]) -> Callable[[str], Path]:
    """``example_charm(name)``: ``examples/<name>`` assembled as ``make_charm`` does.

    Its relations and interface layers come from its metadata.yaml; its ``reactive/`` files
    and config.yaml are copied as they are (no charm-build: tests/build/ does that).
    """

    def _example(name: str) -> Path:
        source = REPO / "examples" / name
        meta = yaml.safe_load((source / "metadata.yaml").read_text())
        roles = {
            role: {ep: spec["interface"] for ep, spec in (meta.get(role) or {}).items()}
            for role in ("provides", "requires", "peers")
        }
        charm = make_charm(name, "", **roles)
        for path in (source / "reactive").iterdir():
            shutil.copy2(path, charm / "reactive" / path.name)
        if (source / "config.yaml").is_file():
            shutil.copy2(source / "config.yaml", charm / "config.yaml")
        return charm

    return _example
