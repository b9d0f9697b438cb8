"""The functional tests' charms, assembled from a charm layer as charm-build would.

lib/ is linked to the repository's, bin/ copied, and every standard hook rendered from the
layer's ``hooks/hook.template``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STANDARD_HOOKS = (
    "install", "config-changed", "leader-elected", "leader-settings-changed", "start", "stop",
    "update-status", "upgrade-charm", "remove",
)  # fmt: skip


def assemble(source: Path, charm: Path) -> Path:
    """Copy the charm layer ``source`` to ``charm`` and add lib/, bin/ and the hooks."""
    shutil.copytree(source, charm, ignore=shutil.ignore_patterns("__pycache__"))
    (charm / "lib").symlink_to(REPO / "lib", target_is_directory=True)
    shutil.copytree(REPO / "bin", charm / "bin")
    (charm / "hooks").mkdir(exist_ok=True)  # a layer may ship hooks/relations/
    template = (REPO / "hooks" / "hook.template").read_text()
    for hook in STANDARD_HOOKS:
        path = charm / "hooks" / hook
        path.write_text(template.format(hook))
        path.chmod(0o755)
    return charm
