"""Fixtures of the end-to-end tests: every example built once per session with charm-build."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from helpers.build import EXAMPLES, REPO

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this directory is a build test (``-m build`` / ``-m "not build"``).

    Under pytest-xdist (``--dist loadgroup``) they run in one worker: the examples are
    built once per session (:func:`built`), not once per worker. pytest-xdist's worker reads
    the ``xdist_group`` marks in its own ``pytest_collection_modifyitems``, registered after
    this conftest and so called before it: ``tryfirst`` puts the marks there in time.
    """
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.build)
            item.add_marker(pytest.mark.xdist_group("build"))


@pytest.fixture(scope="session")
def built(build_charm) -> dict[str, Path]:
    """Build every example once (offline): ``{example name: built charm dir}``."""
    return {name: build_charm(REPO / "examples" / name) for name in EXAMPLES}


@pytest.fixture(scope="session")
def venv_cache(tmp_path_factory) -> Path:
    """Where emulated units share bootstrapped venvs (one per charm content)."""
    return tmp_path_factory.mktemp("venvs")


def write_wheel(
    directory: Path,
    name: str,
    version: str = "1.0",
    requires: tuple[str, ...] = (),
    modules: dict[str, str] | None = None,
):
    """Write a minimal pure-Python wheel of module ``name``, or of ``modules`` (path: text)."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        **(modules or {f"{name}.py": f"VERSION = {version!r}\n"}),
        f"{dist_info}/METADATA": "Metadata-Version: 2.1\n"
        f"Name: {name}\nVersion: {version}\n"
        + "".join(f"Requires-Dist: {req}\n" for req in requires),
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.fixture
def make_wheel():
    """``make_wheel(directory, name, version="1.0", requires=())``: write a tiny wheel."""
    return write_wheel
