"""Fixtures of the end-to-end tests: every example built once per session with charm-build."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools import charmbuild

REPO = charmbuild.REPO_ROOT
EXAMPLES = sorted(p.name for p in (REPO / "examples").iterdir() if (p / "layer.yaml").is_file())


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """Build every example once (offline): ``{example name: built charm dir}``."""
    out = tmp_path_factory.mktemp("charms")
    cache = tmp_path_factory.mktemp("charm-cache")
    return {
        name: charmbuild.build_charm(REPO / "examples" / name, out, cache_dir=cache)
        for name in EXAMPLES
    }


@pytest.fixture(scope="session")
def venv_cache(tmp_path_factory) -> Path:
    """Where emulated units share bootstrapped venvs (one per charm content)."""
    return tmp_path_factory.mktemp("venvs")
