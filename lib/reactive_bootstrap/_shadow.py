"""One ``charms.reactive``: this layer's, whatever the charm's wheelhouse brings.

Charms written for layer-basic often pin ``charms.reactive==1.5.3`` in their own
``wheelhouse.txt``, so their wheelhouse holds a second ``charms.reactive``. Installed into the
venv, which comes before the charm's ``lib/`` on ``sys.path``, it would silently replace this
layer's (and its ``charms/__init__.py`` could hide ``charms.layer``). So after the wheelhouse
is installed, every installed ``charms.reactive`` distribution is removed again, file by file
from its ``RECORD`` (what ``pip uninstall`` does; no pip needed): this layer's
``lib/charms/reactive`` always wins, deterministically. Distributions that require
``charms.reactive`` get this layer's, which keeps the 1.x API.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

__all__ = ["remove_wheelhouse_reactive"]

_DIST_INFO = re.compile(r"^charms[._-]reactive-([^-]+)\.dist-info$", re.IGNORECASE)


def remove_wheelhouse_reactive(site_dir: Path) -> list[str]:
    """Remove every ``charms.reactive`` distribution installed in ``site_dir``.

    Returns:
        ``charms.reactive <version>`` for each one removed (empty when there was none).
    """
    removed: list[str] = []
    if not site_dir.is_dir():
        return removed
    for info in sorted(site_dir.iterdir()):
        match = _DIST_INFO.match(info.name)
        if not match or not info.is_dir():
            continue
        _remove_recorded(site_dir, info)
        shutil.rmtree(info, ignore_errors=True)
        removed.append(f"charms.reactive {match.group(1)}")
    leftover = site_dir / "charms" / "reactive"  # installed without a RECORD
    if leftover.is_dir():
        shutil.rmtree(leftover)
        if not removed:
            removed.append("charms.reactive (no RECORD)")
    return removed


def _remove_recorded(site_dir: Path, info: Path) -> None:
    record = info / "RECORD"
    if not record.is_file():
        return
    with record.open(newline="", encoding="utf-8") as stream:
        paths = [row[0] for row in csv.reader(stream) if row]
    root = site_dir.resolve()
    dirs: set[Path] = set()
    for relative in paths:
        path = (site_dir / relative).resolve()
        if root not in path.parents:  # e.g. ../../bin/x: scripts, left alone
            continue
        if path.is_file() or path.is_symlink():
            path.unlink()
        dirs.add(path.parent)
    for directory in sorted(dirs, key=lambda d: len(d.parts), reverse=True):
        while directory != root and directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
            directory = directory.parent
