"""Build charm layers with charm-build (charm-tools 3.0.9) on this base layer, offline.

:class:`CharmBuilder` is what the pytest plugin's ``build_charm`` fixture and this
repository's own tooling use. What makes it work anywhere, and fast after the first time:

* charm-tools lives in its own venv under the cache directory, one per Python version
  (``charm-tools-3.X/``), created on first use from PyPI; its ``bin/`` is put first on
  ``PATH`` because charm-build runs ``virtualenv`` (and ``python3``) by name.
* ``CHARM_LAYERS_DIR`` is a staged directory of symlinks: this base layer under the names
  ``reactive-base`` and ``basic`` (so ``layer:basic`` charms build against it too), and the
  author's own layers; ``CHARM_INTERFACES_DIR`` holds the author's interface layers and the
  ones this layer ships (the author's win on a name clash). ``--layer-index
  file:///nonexistent/`` turns any missing layer into a local miss instead of an HTTP
  request; ``--hide-metrics`` sends nothing.
* The wheelhouse comes from ``wheels-3.X/`` under the cache directory, filled once from PyPI
  with binary wheels of every ``wheelhouse.txt`` of the charm's layers (plus, on Python < 3.12,
  the ``pip<23.1``/``setuptools<67`` charm-build installs into its build venv); builds then
  run with ``PIP_NO_INDEX=1`` and ``--binary-wheels`` (wheels for this machine's Python, as
  the emulator runs the hooks here).
* charm-build's proof warnings (exit 100, e.g. no README) are printed, not a failure.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final

from reactive_harness.errors import CharmBuildError
from reactive_harness.layers import interfaces_dir, layers_dir, layers_of, stage_layer

__all__ = [
    "CHARM_TOOLS_VERSION",
    "LAYER_NAMES",
    "CharmBuilder",
    "base_layer",
    "default_cache_dir",
]

CHARM_TOOLS_VERSION: Final = "3.0.9"
#: Names the base layer is offered under in ``CHARM_LAYERS_DIR``; the first is canonical.
LAYER_NAMES: Final = ("reactive-base", "basic")
#: What charm-build installs into its throw-away build venv when its Python is < 3.12.
BUILD_VENV_PINS: Final = ("pip<23.1", "setuptools<67")
#: The constraint charm-build appends to every charm's wheelhouse-constraints.txt.
DEFAULT_CONSTRAINTS: Final = ("setuptools<82",)
#: charm-build's exit code for proof warnings: the charm is built.
PROOF_WARNINGS: Final = 100
_SCRATCH_HOSTS: Final = ("JUJU_REPOSITORY", "LAYER_PATH", "INTERFACE_PATH", "CHARM_BUILD_DIR")


def base_layer() -> Path:
    """Return the reactive base layer's directory (the one with ``layer.yaml``).

    An installed distribution carries it as package data (``reactive_harness/_layer``); in a
    checkout of the repository it is the repository itself.

    Raises:
        CharmBuildError: Neither is there.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "_layer", here.parent):
        if (candidate / "layer.yaml").is_file() and (candidate / "lib" / "charms").is_dir():
            return candidate
    raise CharmBuildError(["base_layer"], 1, f"the reactive base layer is not next to {here}")


def default_cache_dir() -> Path:
    """``$REACTIVE_HARNESS_CACHE``, else ``$XDG_CACHE_HOME/reactive-harness`` (``~/.cache``)."""
    explicit = os.environ.get("REACTIVE_HARNESS_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "reactive-harness"


class CharmBuilder:
    """Builds charm layers on this base layer with charm-build, offline after the first build.

    Args:
        cache_dir: Where charm-tools and the wheels live
            (default :func:`default_cache_dir`). Safe to share between processes.
        layers_dirs: Directories holding the author's own layers (``<dir>/<name>/layer.yaml``,
            included as ``layer:<name>``).
        interfaces_dirs: Directories holding the author's interface layers
            (``<dir>/<name>/interface.yaml``, included as ``interface:<name>``).
        python: The interpreter charm-tools runs on; its version is also the version of the
            binary wheels in built charms (default: this one).
        stage_base: Offer the base layer through a directory of symlinks to its entries minus
            caches and venvs (fast); False offers a plain symlink to it, as a user would.
        base: The reactive base layer's directory (default :func:`base_layer`).
    """

    def __init__(
        self,
        cache_dir: Path | str | None = None,
        *,
        layers_dirs: Sequence[Path | str] = (),
        interfaces_dirs: Sequence[Path | str] = (),
        python: str | None = None,
        stage_base: bool = True,
        base: Path | str | None = None,
    ) -> None:
        self._base = Path(base).absolute() if base is not None else None
        self.cache_dir = Path(cache_dir or default_cache_dir()).absolute()
        self.layers_dirs = [Path(d).absolute() for d in layers_dirs]
        self.interfaces_dirs = [Path(d).absolute() for d in interfaces_dirs]
        self.python = python or sys.executable
        self.stage_base = stage_base
        self._version: str | None = None

    @property
    def base(self) -> Path:
        """The reactive base layer's directory the charms are built on.

        Raises:
            CharmBuildError: None was given and :func:`base_layer` finds none.
        """
        if self._base is None:
            self._base = base_layer()
        return self._base

    # -- the tool chain ----------------------------------------------------------------------
    @property
    def python_version(self) -> str:
        """``3.X`` of :attr:`python`."""
        if self._version is None:
            proc = subprocess.run(
                [self.python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise CharmBuildError([self.python], proc.returncode, proc.stderr)
            self._version = proc.stdout.strip()
        return self._version

    @property
    def tools_venv(self) -> Path:
        """The charm-tools venv of :attr:`python`'s version."""
        return self.cache_dir / f"charm-tools-{self.python_version}"

    @property
    def wheel_dir(self) -> Path:
        """The wheel cache of :attr:`python`'s version."""
        return self.cache_dir / f"wheels-{self.python_version}"

    def _build_venv_pins(self) -> tuple[str, ...]:
        # charm-build pins pip/setuptools in its build venv only below 3.12 (newer Pythons
        # need a newer pip: pip 23.0's pkg_resources fails on 3.12, pkgutil.ImpImporter).
        major, minor = (int(p) for p in self.python_version.split("."))
        return BUILD_VENV_PINS if (major, minor) < (3, 12) else ()

    def ensure_tools(self) -> Path:
        """Create the charm-tools venv if needed (from PyPI, once); return its ``bin/``.

        Raises:
            CharmBuildError: The venv or charm-tools could not be installed.
        """
        bin_dir = self.tools_venv / "bin"
        if (bin_dir / "charm-build").exists():
            return bin_dir
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with _locked(self.cache_dir / f"{self.tools_venv.name}.lock"):
            if not (bin_dir / "charm-build").exists():
                shutil.rmtree(self.tools_venv, ignore_errors=True)
                _check([self.python, "-m", "venv", str(self.tools_venv)])
                pip = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet"]
                pip.append("--disable-pip-version-check")
                # The pip a venv starts with may be old (3.10's 23.0 builds sdists it should
                # not, without `wheel`): a current pip and wheel first.
                _check([*pip, "--upgrade", "pip", "wheel"])
                _check([*pip, f"charm-tools=={CHARM_TOOLS_VERSION}"])
        return bin_dir

    def ensure_wheels(self, requirements: Sequence[Path] = ()) -> Path:
        """Fill the wheel cache from PyPI with the wheels of ``requirements`` once; return it.

        It always holds the base layer's ``wheelhouse.txt`` (and the build venv pins). A stamp
        records what was fetched, so an edit of any of the files fetches again.

        Raises:
            CharmBuildError: pip could not fetch or build a wheel (its output is kept).
        """
        files = [self.base / "wheelhouse.txt", *requirements]
        python = str(self.ensure_tools() / "python")
        pins = self._build_venv_pins()
        digest = hashlib.sha256(self.python_version.encode())
        for path in files:
            digest.update(path.read_bytes())
        digest.update("\n".join([*pins, *DEFAULT_CONSTRAINTS]).encode())
        wanted = digest.hexdigest()
        stamp = self.wheel_dir / ".stamp"
        if stamp.is_file() and stamp.read_text().strip() == wanted:
            return self.wheel_dir
        self.wheel_dir.mkdir(parents=True, exist_ok=True)
        with _locked(self.wheel_dir / ".lock"):
            if not (stamp.is_file() and stamp.read_text().strip() == wanted):
                pip = [python, "-m", "pip", "--disable-pip-version-check"]
                reqs = [arg for path in files for arg in ("-r", str(path))]
                # The wheels must satisfy the constraints charm-build installs them with.
                constraints = self.wheel_dir / ".constraints.txt"
                constraints.write_text("\n".join(DEFAULT_CONSTRAINTS) + "\n")
                reqs += ["-c", str(constraints)]
                _check([*pip, "wheel", "--quiet", "-w", str(self.wheel_dir), *reqs])
                if pins:
                    _check([*pip, "download", "--quiet", "-d", str(self.wheel_dir), *pins])
                stamp.write_text(wanted + "\n")
        return self.wheel_dir

    # -- building ----------------------------------------------------------------------------
    def build_env(self, bin_dir: Path, wheel_dir: Path) -> dict[str, str]:
        """Return the environment of an offline charm-build run (stages the layer dirs)."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in _SCRATCH_HOSTS and not k.startswith(("PIP_", "VIRTUALENV_"))
        }
        env.update(
            PATH=os.pathsep.join([str(bin_dir), env.get("PATH", "/usr/bin:/bin")]),
            CHARM_LAYERS_DIR=str(
                layers_dir(self.base, LAYER_NAMES, self.layers_dirs, self.stage_base)
            ),
            CHARM_INTERFACES_DIR=str(
                interfaces_dir([*self.interfaces_dirs, self.base / "interfaces"])
            ),
            CHARM_HIDE_METRICS="1",
            PIP_NO_INDEX="1",
            PIP_FIND_LINKS=str(wheel_dir),
            PIP_CONFIG_FILE=os.devnull,
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            VIRTUALENV_NO_PERIODIC_UPDATE="1",
            VIRTUALENV_EXTRA_SEARCH_DIR=str(wheel_dir),
        )
        # Below 3.12, seed charm-build's build venv with the pip/setuptools it would install
        # next ("pip install -U 'pip<23.1' 'setuptools<67'"), which then has nothing to do.
        for pin in self._build_venv_pins():
            project, _, below = pin.partition("<")
            version = _newest_wheel_version(wheel_dir, project, below=below)
            if version:
                env[f"VIRTUALENV_{project.upper()}"] = version
        return env

    def build(
        self, layer_dir: Path | str, output_dir: Path | str, *, log_level: str = "WARNING"
    ) -> Path:
        """Build one charm layer; return the built charm directory (``<output>/<name>``).

        Proof warnings (charm-build exit 100: no README, ...) are printed to stderr.

        Args:
            layer_dir: The top charm layer (the directory with the charm's ``layer.yaml``).
            output_dir: Where charm-build writes ``<charm name>/``; not inside ``layer_dir``.
            log_level: charm-build's ``--log-level``.

        Raises:
            CharmBuildError: charm-build failed (1: build error, 200: proof errors), or
                charm-tools or the wheels could not be installed; the output is attached.
        """
        layer_dir, output_dir = Path(layer_dir).absolute(), Path(output_dir).absolute()
        bin_dir = self.ensure_tools()
        requirements = [
            layer / "wheelhouse.txt"
            for layer in layers_of(layer_dir, self.layers_dirs)
            if (layer / "wheelhouse.txt").is_file()
        ]
        wheel_dir = self.ensure_wheels(requirements)
        env = self.build_env(bin_dir, wheel_dir)
        # charm-build's cache and cwd: a fresh directory in the system's temporary space,
        # never inside a layer (a repository-as-layer would make charm-build walk it).
        scratch = Path(tempfile.mkdtemp(prefix="charm-build-"))
        # The top layer too is offered through a staged directory, without the repository's
        # venvs and caches (a charm repository usually has its .venv at the top).
        top = stage_layer(scratch / "layer" / layer_dir.name, layer_dir)
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
            str(output_dir),
            "--cache-dir",
            str(scratch / "cache"),
            str(top),
        ]
        try:
            # cwd: charm-build falls back to the cwd for layers; make that an empty directory.
            proc = subprocess.run(
                cmd, cwd=scratch, env=env, capture_output=True, text=True, check=False
            )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        output = proc.stdout + proc.stderr
        if proc.returncode == PROOF_WARNINGS:
            lines = [line for line in output.splitlines() if line.startswith("proof: W:")]
            for line in lines or output.strip().splitlines()[-5:]:
                print(f"charm-build ({layer_dir.name}): {line}", file=sys.stderr)
        elif proc.returncode != 0:
            raise CharmBuildError(cmd, proc.returncode, output)
        return output_dir / _charm_name(layer_dir)


def _charm_name(layer_dir: Path) -> str:
    metadata = layer_dir / "metadata.yaml"
    if metadata.is_file():
        for line in metadata.read_text(encoding="utf-8").splitlines():
            if line.startswith("name:"):
                return line.partition(":")[2].strip().strip("'\"")
    return layer_dir.name


def _newest_wheel_version(wheel_dir: Path, project: str, *, below: str) -> str | None:
    """Return the newest version of ``project`` among the wheels, lower than ``below``."""

    def key(version: str) -> tuple[int, ...]:
        return tuple(int(part) for part in version.split("."))

    versions = [
        path.name.split("-")[1] for path in wheel_dir.glob(f"{project}-*-py3-none-any.whl")
    ]
    usable = [v for v in versions if v.replace(".", "").isdigit() and key(v) < key(below)]
    return max(usable, key=key) if usable else None


def _check(cmd: Sequence[str], env: Mapping[str, str] | None = None) -> None:
    proc = subprocess.run(list(cmd), capture_output=True, text=True, check=False, env=env)
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
