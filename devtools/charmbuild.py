"""Build charm layers with charm-build (charm-tools 3.0.9) from this repository, offline.

What makes it offline and fast:

* charm-tools lives in its own venv, ``.venv-charmtools/``, created on first use from PyPI;
  its ``bin/`` is put first on ``PATH`` because charm-build runs ``virtualenv`` by name.
* ``CHARM_LAYERS_DIR`` is a directory of symlinks to this repository, named
  ``reactive-base`` and ``basic`` (so ``layer:basic`` charms build against it too);
  ``CHARM_INTERFACES_DIR`` is ``interfaces/``; ``--layer-index file:///nonexistent/``
  turns any missing layer into a local miss instead of an HTTP request; ``--hide-metrics``.
* The wheelhouse comes from ``.cache/wheels/``, filled once from PyPI with binary wheels of
  ``wheelhouse.txt`` plus the ``pip<23.1``/``setuptools<67`` charm-build wants in its
  build venv; builds then run with ``PIP_NO_INDEX=1 PIP_FIND_LINKS=.cache/wheels`` and
  ``--binary-wheels`` (wheels for this machine's Python, as the emulator runs here).

Use :func:`build_charm` from tests, or the CLI::

    python -m devtools.charmbuild examples/webapp -o build/
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final

__all__ = [
    "CHARM_TOOLS_VERSION",
    "LAYER_NAMES",
    "REPO_ROOT",
    "CharmBuildError",
    "build_charm",
    "build_env",
    "ensure_charm_tools",
    "ensure_wheels",
    "main",
    "stage_layer",
]

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
CHARM_TOOLS_VERSION: Final = "3.0.9"
#: Names this repository is offered under in ``CHARM_LAYERS_DIR``; the first is canonical.
LAYER_NAMES: Final = ("reactive-base", "basic")
#: What charm-build installs into its throw-away build venv (Python < 3.12).
BUILD_VENV_PINS: Final = ("pip<23.1", "setuptools<67")
_SCRATCH_HOSTS: Final = ("JUJU_REPOSITORY", "LAYER_PATH", "INTERFACE_PATH", "CHARM_BUILD_DIR")
#: Top-level entries never offered to charm-build: it walks (and pattern-matches) every file
#: of a layer before excluding any, and these hold tens of thousands of files.
_HEAVY: Final = frozenset(
    {
        ".git",
        ".venv",
        ".venv-charmtools",
        ".cache",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".hypothesis",
        "build",
    }
)


class CharmBuildError(Exception):
    """Raised when charm-tools cannot be installed or charm-build does not exit 0.

    Attributes:
        cmd: The command that failed.
        returncode: Its exit status (charm-build: 1 build error, 100 proof warnings,
            200 proof errors).
        output: Its combined stdout and stderr.
    """

    def __init__(self, cmd: Sequence[str], returncode: int, output: str) -> None:
        self.cmd = tuple(cmd)
        self.returncode = returncode
        self.output = output
        tail = "\n".join(output.strip().splitlines()[-40:])
        super().__init__(f"{' '.join(self.cmd)} exited {returncode}:\n{tail}")


def ensure_charm_tools(venv: Path | None = None) -> Path:
    """Create the charm-tools venv if needed and return its ``bin/`` directory."""
    venv = venv or REPO_ROOT / ".venv-charmtools"
    bin_dir = venv / "bin"
    if (bin_dir / "charm-build").exists():
        return bin_dir
    lock_dir = REPO_ROOT / ".cache"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with _locked(lock_dir / f"{venv.name}.lock"):
        if not (bin_dir / "charm-build").exists():
            _check([sys.executable, "-m", "venv", str(venv)])
            pip = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet"]
            _check([*pip, f"charm-tools=={CHARM_TOOLS_VERSION}"])
    return bin_dir


def ensure_wheels(wheel_dir: Path | None = None, *, python: str | None = None) -> Path:
    """Fill the local wheel directory from PyPI once; return it.

    It holds binary wheels of every ``wheelhouse.txt`` requirement and their dependencies,
    plus what charm-build's build venv installs. A stamp records the requirements, so an
    edit of ``wheelhouse.txt`` refills it.
    """
    wheel_dir = wheel_dir or REPO_ROOT / ".cache" / "wheels"
    python = python or str(ensure_charm_tools() / "python")
    requirements = REPO_ROOT / "wheelhouse.txt"
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout  # binary wheels only fit the Python they were built for
    wanted = hashlib.sha256(
        requirements.read_bytes() + "\n".join(BUILD_VENV_PINS).encode() + version.encode()
    ).hexdigest()
    stamp = wheel_dir / ".stamp"
    if stamp.is_file() and stamp.read_text().strip() == wanted:
        return wheel_dir
    wheel_dir.mkdir(parents=True, exist_ok=True)
    with _locked(wheel_dir / ".lock"):
        if not (stamp.is_file() and stamp.read_text().strip() == wanted):
            pip = [python, "-m", "pip", "--disable-pip-version-check"]
            _check([*pip, "wheel", "--quiet", "-w", str(wheel_dir), "-r", str(requirements)])
            _check([*pip, "download", "--quiet", "-d", str(wheel_dir), *BUILD_VENV_PINS])
            stamp.write_text(wanted + "\n")
    return wheel_dir


def build_env(
    cache_dir: Path,
    *,
    bin_dir: Path,
    wheel_dir: Path,
    base: Mapping[str, str] | None = None,
    stage: bool = True,
) -> dict[str, str]:
    """Return the environment for an offline charm-build run.

    With ``stage=False`` the layer names are plain symlinks to the repository, as a user
    would make them (slower: charm-build then walks every venv and cache in it).
    """
    env = {k: v for k, v in (base if base is not None else os.environ).items()}
    for name in _SCRATCH_HOSTS:
        env.pop(name, None)
    env = {k: v for k, v in env.items() if not k.startswith("PIP_")}
    layers_dir = cache_dir / ("layers" if stage else "repo-links")
    if stage:
        stage_layer(layers_dir / LAYER_NAMES[0])
    layers_dir.mkdir(parents=True, exist_ok=True)
    target = Path(LAYER_NAMES[0]) if stage else REPO_ROOT
    for name in LAYER_NAMES[1:] if stage else LAYER_NAMES:
        link = layers_dir / name
        if not link.is_symlink():
            link.symlink_to(target, target_is_directory=True)
    env.update(
        PATH=os.pathsep.join([str(bin_dir), env.get("PATH", "/usr/bin:/bin")]),
        CHARM_LAYERS_DIR=str(layers_dir),
        CHARM_INTERFACES_DIR=str(REPO_ROOT / "interfaces"),
        CHARM_HIDE_METRICS="1",
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheel_dir),
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        VIRTUALENV_NO_PERIODIC_UPDATE="1",
        VIRTUALENV_EXTRA_SEARCH_DIR=str(wheel_dir),
    )
    # Seed charm-build's build venv with the pip/setuptools it would install next
    # ("pip install -U 'pip<23.1' 'setuptools<67'"), which then has nothing to do: -2 s.
    for pin in BUILD_VENV_PINS:
        project, _, below = pin.partition("<")
        version = _newest_wheel_version(wheel_dir, project, below=below)
        if version:
            env[f"VIRTUALENV_{project.upper()}"] = version
    return env


def stage_layer(stage: Path, repo: Path = REPO_ROOT) -> Path:
    """Offer the repository as a layer: a directory of symlinks to its top-level entries.

    Equivalent to a symlink to the repository itself (what users do), minus the entries
    in ``_HEAVY``; ``layer.yaml``'s ``exclude:`` still filters the rest. Idempotent.
    """
    stage.mkdir(parents=True, exist_ok=True)
    for entry in sorted(repo.iterdir()):
        link = stage / entry.name
        if entry.name in _HEAVY or entry.name.startswith(".venv") or link.is_symlink():
            continue
        link.symlink_to(entry, target_is_directory=entry.is_dir())
    return stage


def build_charm(
    layer_dir: Path | str,
    output_dir: Path | str,
    *,
    cache_dir: Path | str,
    log_level: str = "WARNING",
    stage: bool = True,
) -> Path:
    """Build one charm layer with charm-build, with no network; return the built charm dir.

    Args:
        layer_dir: The top charm layer (e.g. ``examples/webapp``).
        output_dir: Where charm-build writes ``<charm name>/``; must not be inside
            ``layer_dir``.
        cache_dir: Scratch space: charm-build's cache and the ``CHARM_LAYERS_DIR`` links.
        log_level: charm-build's ``--log-level``.
        stage: Offer the repository through :func:`stage_layer` (fast); False: through
            plain symlinks to it, exactly as the README tells users.

    Raises:
        CharmBuildError: charm-build exited non-zero (100 = proof warnings, 200 = proof
            errors, 1 = build error), or charm-tools could not be installed.
    """
    layer_dir, output_dir, cache_dir = Path(layer_dir), Path(output_dir), Path(cache_dir)
    cache_dir = cache_dir.absolute()
    bin_dir = ensure_charm_tools()
    wheel_dir = ensure_wheels(python=str(bin_dir / "python"))
    env = build_env(cache_dir, bin_dir=bin_dir, wheel_dir=wheel_dir, stage=stage)
    cmd = [
        str(bin_dir / "charm-build"),
        "--hide-metrics",
        "--layer-index",
        "file:///nonexistent/",
        "--binary-wheels",
        "--force",
        "--log-level",
        log_level,
        "--output-dir",
        str(output_dir.absolute()),
        "--cache-dir",
        str(cache_dir / "charm-cache"),
        str(layer_dir.absolute()),
    ]
    # cwd: charm-build falls back to the cwd for layers; make that an empty directory.
    proc = subprocess.run(cmd, cwd=cache_dir, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CharmBuildError(cmd, proc.returncode, proc.stdout + proc.stderr)
    return output_dir.absolute() / _charm_name(layer_dir)


def main(argv: Sequence[str] | None = None) -> int:
    """Build the given charm layers; print where each landed and how long it took."""
    parser = argparse.ArgumentParser(prog="python -m devtools.charmbuild", description=__doc__)
    parser.add_argument("layers", nargs="*", type=Path, help="charm layer directories")
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="only install charm-tools and fill the wheel cache (once, from PyPI)",
    )
    parser.add_argument("-o", "--output-dir", type=Path, default=REPO_ROOT / "build")
    parser.add_argument("--cache-dir", type=Path, default=REPO_ROOT / ".cache" / "charm-build")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    if args.prepare or not args.layers:
        try:
            ensure_wheels(python=str(ensure_charm_tools() / "python"))
        except CharmBuildError as err:
            print(err, file=sys.stderr)
            return 1
        if not args.layers:
            return 0
    for layer in args.layers:
        start = time.monotonic()
        try:
            built = build_charm(
                layer, args.output_dir, cache_dir=args.cache_dir, log_level=args.log_level
            )
        except CharmBuildError as err:
            print(err, file=sys.stderr)
            return 1
        print(f"{built}  ({time.monotonic() - start:.1f}s)")
    return 0


def _charm_name(layer_dir: Path) -> str:
    metadata = layer_dir / "metadata.yaml"
    if metadata.is_file():
        for line in metadata.read_text(encoding="utf-8").splitlines():
            if line.startswith("name:"):
                return line.partition(":")[2].strip().strip("'\"")
    return layer_dir.absolute().name


def _newest_wheel_version(wheel_dir: Path, project: str, *, below: str) -> str | None:
    """Return the newest version of ``project`` among the wheels, lower than ``below``."""

    def key(version: str) -> tuple[int, ...]:
        return tuple(int(part) for part in version.split("."))

    versions = [
        path.name.split("-")[1] for path in wheel_dir.glob(f"{project}-*-py3-none-any.whl")
    ]
    usable = [v for v in versions if v.replace(".", "").isdigit() and key(v) < key(below)]
    return max(usable, key=key) if usable else None


def _check(cmd: Sequence[str]) -> None:
    proc = subprocess.run(list(cmd), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CharmBuildError(cmd, proc.returncode, proc.stdout + proc.stderr)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


if __name__ == "__main__":
    raise SystemExit(main())
