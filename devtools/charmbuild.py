"""Build charm layers of this repository with charm-build, offline.

A thin front end to :class:`reactive_harness.build.CharmBuilder` (which does the work and
documents how): the cache is this repository's ``.cache/`` (``charm-tools-3.X/``,
``wheels-3.X/``, one of each per Python version), the interface layers are ``interfaces/``.

    python -m devtools.charmbuild examples/webapp -o build/
    python -m devtools.charmbuild --prepare      # only install charm-tools and the wheels
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from reactive_harness.build import CharmBuilder
from reactive_harness.errors import CharmBuildError

__all__ = ["CACHE_DIR", "REPO_ROOT", "CharmBuildError", "build_charm", "builder", "main"]

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
CACHE_DIR: Final = REPO_ROOT / ".cache"


def builder(*, stage: bool = True, base: Path | None = None) -> CharmBuilder:
    """Return the builder of this repository (its cache, this interpreter)."""
    return CharmBuilder(CACHE_DIR, stage_base=stage, base=base)


def build_charm(
    layer_dir: Path | str,
    output_dir: Path | str,
    *,
    log_level: str = "WARNING",
    stage: bool = True,
    base: Path | None = None,
) -> Path:
    """Build one charm layer with charm-build, with no network; return the built charm dir.

    Args:
        layer_dir: The top charm layer (e.g. ``examples/webapp``).
        output_dir: Where charm-build writes ``<charm name>/``; must not be inside
            ``layer_dir``.
        log_level: charm-build's ``--log-level``.
        stage: Offer the repository through a directory of symlinks minus caches (fast);
            False: through a plain symlink to it, exactly as the README tells users.
        base: The base layer's directory (default: this repository).

    Raises:
        CharmBuildError: charm-build exited non-zero (200 = proof errors, 1 = build error),
            or charm-tools could not be installed.
    """
    return builder(stage=stage, base=base).build(layer_dir, output_dir, log_level=log_level)


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
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    if args.prepare or not args.layers:
        try:
            builder().ensure_wheels()
        except CharmBuildError as err:
            print(err, file=sys.stderr)
            return 1
        if not args.layers:
            return 0
    for layer in args.layers:
        start = time.monotonic()
        try:
            built = build_charm(layer, args.output_dir, log_level=args.log_level)
        except CharmBuildError as err:
            print(err, file=sys.stderr)
            return 1
        print(f"{built}  ({time.monotonic() - start:.1f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
