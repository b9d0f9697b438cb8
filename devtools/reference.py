"""A venv holding the reference implementation: charms.reactive 1.5.3 on charmhelpers 1.2.1.

The benchmark (``bench/``) and the upgrade tests run charms built on the reference side by side
with ours. The reference's code is not changed. Two things make it run here:

* ``setuptools<81`` is installed, because charms.reactive 1.5.3 imports ``pkg_resources``.
* charmhelpers 1.2.1 refuses to import ``charmhelpers.core.host`` off Ubuntu (it raises
  ``RuntimeError: This module is not supported on Debian GNU/Linux``). A ``.pth`` file in the
  venv gives ``platform`` the ``linux_distribution()`` function that charmhelpers asks first,
  answering ``Ubuntu``. Only that venv's interpreter sees it.

Usage: ``python -m devtools.reference [--venv DIR]`` prints the venv's python.
"""

from __future__ import annotations

import argparse
import fcntl
import subprocess
import sys
import venv
from pathlib import Path

__all__ = ["REFERENCE_PACKAGES", "ensure_reference_venv"]

REPO = Path(__file__).resolve().parent.parent

#: What the reference venv holds (pinned).
REFERENCE_PACKAGES = ("charms.reactive==1.5.3", "charmhelpers==1.2.1", "setuptools<81")

_SHIM_NAME = "zz_reference_platform.pth"
_SHIM = (
    "import platform; platform.linux_distribution = getattr(platform, 'linux_distribution', "
    "None) or (lambda *a, **k: ('Ubuntu', '22.04', 'jammy'))\n"
)
_MARKER = ".reference-ready"


def ensure_reference_venv(path: Path | None = None) -> Path:
    """Create (once) the reference venv and return its python executable.

    Args:
        path: Where the venv lives (default ``<repo>/.venv-reference``).

    Returns:
        The path of the venv's ``python``.

    Raises:
        RuntimeError: pip could not install the reference packages (its output included).
    """
    target = path or REPO / ".venv-reference"
    python = target / "bin" / "python"
    marker = target / _MARKER
    wanted = "\n".join(REFERENCE_PACKAGES)
    if marker.exists() and marker.read_text() == wanted:
        return python
    # Parallel test workers may ask at once: one creates it, the others wait and reuse it.
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (marker.exists() and marker.read_text() == wanted):
            _create(target, python, wanted)
    return python


def _create(target: Path, python: Path, wanted: str) -> None:
    marker = target / _MARKER
    venv.EnvBuilder(with_pip=True, clear=True).create(target)
    proc = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            *REFERENCE_PACKAGES,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"cannot install the reference ({', '.join(REFERENCE_PACKAGES)}):\n{proc.stderr}"
        )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / _SHIM_NAME).write_text(_SHIM)
    check = subprocess.run(
        [str(python), "-W", "ignore", "-c", "import charms.reactive, charmhelpers.core.host"],
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode != 0:
        raise RuntimeError(f"the reference venv does not import:\n{check.stderr}")
    marker.write_text(wanted)


def main(argv: list[str] | None = None) -> int:
    """Create the reference venv and print its python."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--venv", type=Path, default=None, help="venv directory")
    args = parser.parse_args(argv)
    print(ensure_reference_venv(args.venv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
