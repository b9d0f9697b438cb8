"""What names one installed state: the wheelhouse's files, the layer options, the Python.

The digest decides whether a hook may use what is installed or must rebuild it. It is
recorded in a marker file in the target after a build, and cached in the charm dir so
that later hooks do not re-read the wheelhouse.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from reactive_bootstrap._options import LayerOptions

__all__ = [
    "DIGEST_CACHE_NAME",
    "FORMAT_VERSION",
    "MARKER_NAME",
    "cached_digest",
    "dist_name",
    "distributions",
    "marker_digest",
    "state_digest",
]

#: Bump when the layout of the target or the digest changes, to force a rebuild.
FORMAT_VERSION: Final = 1
#: In the target: the digest it was built for, and the wheelhouse's file names.
MARKER_NAME: Final = ".reactive-bootstrap.json"
#: In the charm dir: the wheelhouse digest keyed by the files' names, sizes and mtimes.
DIGEST_CACHE_NAME: Final = ".reactive-bootstrap-digest.json"
_DIST_SUFFIXES: Final = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz")


def distributions(wheelhouse: Path) -> list[Path]:
    """Return the wheels and sdists in ``wheelhouse``, sorted; hidden files are skipped."""
    return sorted(
        path
        for path in wheelhouse.iterdir()
        if path.is_file() and path.name.endswith(_DIST_SUFFIXES) and not path.name.startswith(".")
    )


def dist_name(path: Path) -> str:
    """Return the normalised project name of a wheel or sdist file name."""
    name = path.name
    if name.endswith(".whl"):
        project = name.split("-")[0]
    else:
        stem = next(name[: -len(s)] for s in _DIST_SUFFIXES if name.endswith(s))
        project = stem.rsplit("-", 1)[0]
    return re.sub(r"[-_.]+", "_", project).lower()


def state_digest(distributions: Sequence[Path], options: LayerOptions) -> str:
    """Return the sha256 naming one installed state: wheelhouse contents, options, Python."""
    import hashlib  # only when the wheelhouse is (re-)hashed

    digest = hashlib.sha256()
    header = {
        "format": FORMAT_VERSION,
        "python": list(sys.version_info[:2]),
        "implementation": sys.implementation.name,
        "base_prefix": sys.base_prefix,
        "options": options._asdict(),
    }
    digest.update(json.dumps(header, sort_keys=True).encode())
    for path in distributions:
        digest.update(b"\0" + path.name.encode() + b"\0")
        with path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def cached_digest(root: Path, distributions: Sequence[Path], options: LayerOptions) -> str:
    """Return :func:`state_digest`, re-hashing the wheelhouse only when its files changed.

    Hashing a 5 MB wheelhouse costs ~6 ms per hook. The digest is cached in the charm dir,
    keyed by each file's name, size and mtime plus what else the digest covers; a new charm
    (upgrade-charm) brings new files, so the key changes and the wheelhouse is hashed again.
    """
    stats = []
    for path in distributions:
        st = path.stat()
        stats.append([path.name, st.st_size, st.st_mtime_ns])
    key = json.dumps(
        [FORMAT_VERSION, list(sys.version_info[:3]), sys.base_prefix, options._asdict(), stats],
        sort_keys=True,
    )
    cache = root / DIGEST_CACHE_NAME
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        if (
            isinstance(data, dict)
            and data.get("key") == key
            and isinstance(data.get("digest"), str)
        ):
            return str(data["digest"])
    except (OSError, ValueError):
        pass
    digest = state_digest(distributions, options)
    with contextlib.suppress(OSError):  # a read-only charm dir only costs the re-hash
        cache.write_text(json.dumps({"key": key, "digest": digest}), encoding="utf-8")
    return digest


def marker_digest(target: Path) -> str | None:
    """Return the digest recorded in ``target``'s marker, or None if there is none."""
    try:
        data = json.loads((target / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    digest = data.get("digest") if isinstance(data, dict) else None
    return digest if isinstance(digest, str) else None
