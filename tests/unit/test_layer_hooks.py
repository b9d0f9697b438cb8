"""The layer's own hooks/: the hooks charm-build does not render from the template.

charm-build (charm-tools 3.0.9, ``StandardHooksBind``) renders ``hooks/hook.template`` only for
install, config-changed, start, stop, upgrade-charm, update-status, leader-elected,
leader-settings-changed, pre-series-upgrade and post-series-upgrade (plus relation and storage
hooks). The layer ships the other hooks ``main()`` serves as copies of the template, and
charm-build copies them into every built charm.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SHIPPED_HOOKS = ("remove", "collect-metrics", "meter-status-changed")


@pytest.mark.parametrize("hook", SHIPPED_HOOKS)
def test_the_layer_ships_the_hook_as_the_template(hook):
    path = REPO / "hooks" / hook

    assert path.is_file(), f"hooks/{hook} is missing"
    assert path.read_bytes() == (REPO / "hooks" / "hook.template").read_bytes()
    assert os.access(path, os.X_OK), f"hooks/{hook} is not executable"


def _excluded(relpath: str, pattern: str) -> bool:
    """Whether a .gitignore-style ``exclude:`` pattern of layer.yaml drops ``relpath``."""
    if pattern.startswith("/"):
        anchored = pattern.lstrip("/").rstrip("/")
        return relpath == anchored or relpath.startswith(anchored + "/")
    return any(fnmatch.fnmatch(part, pattern.rstrip("/")) for part in relpath.split("/"))


@pytest.mark.parametrize("hook", SHIPPED_HOOKS)
def test_layer_yaml_does_not_exclude_the_hook(hook):
    excludes = yaml.safe_load((REPO / "layer.yaml").read_text())["exclude"]

    assert [p for p in excludes if _excluded(f"hooks/{hook}", p)] == []


def test_the_exclude_check_sees_an_exclusion():
    assert _excluded("hooks/remove", "/hooks")
    assert _excluded("hooks/x/__pycache__", "__pycache__")
    assert not _excluded("hooks/remove", "/hooks.d")
