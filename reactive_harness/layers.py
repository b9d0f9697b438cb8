"""Where charm-build finds layers: staged directories of symlinks, and what a layer includes.

charm-build looks a ``layer:<name>`` up in ``CHARM_LAYERS_DIR`` and an ``interface:<name>`` in
``CHARM_INTERFACES_DIR``, and walks every file of a layer before its ``exclude:`` drops any.
So layers are offered through staged directories: symlinks to a layer's top-level entries,
minus ``.git``, venvs and caches. Staged directories live in the system's temporary space,
keyed by what they offer, and are safe to share between concurrent builds.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final

__all__ = ["includes", "interfaces_dir", "layers_dir", "layers_of", "stage_layer"]

#: Top-level entries never offered to charm-build (tens of thousands of files, none shipped).
HEAVY: Final = frozenset(
    {
        ".git",
        ".venv",
        ".cache",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".hypothesis",
        "build",
        "dist",
    }
)


def _staging_root() -> Path:
    """The system's temporary space, per user.

    Never under a cache directory that may be inside a layer (this repository's ``.cache/``):
    a staged link back to the layer would make charm-build walk in circles.
    """
    return Path(tempfile.gettempdir()) / f"reactive-harness-{os.getuid()}" / "staged"


def _key(*parts: object) -> str:
    return hashlib.sha256("\n".join(str(p) for p in parts).encode()).hexdigest()[:12]


def stage_layer(stage: Path, layer: Path) -> Path:
    """Offer ``layer`` as a directory of symlinks to its top-level entries, minus :data:`HEAVY`.

    Equivalent to a symlink to the layer itself (what users do), minus what charm-build would
    walk file by file before its ``exclude:`` drops it. Idempotent.
    """
    stage.mkdir(parents=True, exist_ok=True)
    for entry in sorted(layer.iterdir()):
        if entry.name in HEAVY or entry.name.startswith(".venv"):
            continue
        _link(stage / entry.name, entry)
    return stage


def layers_dir(base: Path, names: Sequence[str], layers_dirs: Sequence[Path], stage: bool) -> Path:
    """Return a ``CHARM_LAYERS_DIR`` offering ``base`` and the layers of ``layers_dirs``.

    ``base`` is offered under every name of ``names``, the others under their own names.

    Args:
        base: The base layer.
        names: Its names; the first is a staged directory (``stage``) or a link to ``base``,
            the others link to the first.
        layers_dirs: Directories of more layers (``<dir>/<name>/layer.yaml``).
        stage: Stage ``base`` (fast) rather than link to it as a whole (as a user would).
    """
    layers = _staging_root() / _key("layers", base, stage, *layers_dirs) / "layers"
    layers.mkdir(parents=True, exist_ok=True)
    canonical = layers / names[0]
    if stage:
        stage_layer(canonical, base)
    else:
        _link(canonical, base)
    for name in names[1:]:
        _link(layers / name, Path(names[0]))  # relative: next to the canonical one
    for directory in layers_dirs:
        for layer in sorted(directory.iterdir()):
            if (layer / "layer.yaml").is_file() and layer.name not in names:
                _link(layers / layer.name, layer)
    return layers


def interfaces_dir(dirs: Sequence[Path]) -> Path:
    """Return a ``CHARM_INTERFACES_DIR`` holding the interface layers of ``dirs`` (first wins)."""
    root = _staging_root() / _key("interfaces", *dirs) / "interfaces"
    root.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    for directory in dirs:
        if not directory.is_dir():
            continue
        for interface in sorted(directory.iterdir()):
            if (interface / "interface.yaml").is_file() and interface.name not in seen:
                seen.add(interface.name)
                _link(root / interface.name, interface)
    return root


def layers_of(layer_dir: Path, layers_dirs: Sequence[Path]) -> list[Path]:
    """Return ``layer_dir`` and the layers of ``layers_dirs`` it includes, recursively."""
    found: list[Path] = []
    pending = [layer_dir.absolute()]
    while pending:
        layer = pending.pop(0)
        if layer in found:
            continue
        found.append(layer)
        for name in includes(layer, "layer"):
            for root in layers_dirs:
                if (root / name / "layer.yaml").is_file():
                    pending.append(root / name)
                    break
    return found


def includes(layer: Path, kind: str) -> list[str]:
    """Return the names of the ``<kind>:<name>`` entries of a layer's ``includes:``."""
    import yaml

    try:
        doc = yaml.safe_load((layer / "layer.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    entries = doc.get("includes") if isinstance(doc, dict) else None
    return [
        str(item).partition(":")[2]
        for item in entries or []
        if isinstance(item, str) and item.startswith(f"{kind}:")
    ]


def _link(link: Path, target: Path) -> None:
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(target, target_is_directory=(link.parent / target).is_dir())
    os.replace(tmp, link)  # atomic: concurrent builders never see a missing link
