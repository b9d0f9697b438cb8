"""Helpers of the reliability tests: the fixture charms' hooks, state snapshots."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from reactive_harness import Model

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
LIB = ROOT / "lib"
SUBJECT = DATA / "reliability_subject"
REMOTE = DATA / "reliability_remote"

ENDPOINTS = ("u", "s", "g", "c", "ring")
HOOKS = (
    "install", "config-changed", "start", "stop", "remove", "upgrade-charm", "update-status",
    "leader-elected", "leader-settings-changed",
    *(f"{ep}-relation-{kind}" for ep in ENDPOINTS
      for kind in ("created", "joined", "changed", "departed", "broken")),
)  # fmt: skip

HOOK_TEMPLATE = f"""#!{sys.executable}
import sys
sys.path.insert(0, {str(LIB)!r})
import charms.reactive
charms.reactive.main()
"""


def write_hooks(charm: Path, hooks: tuple[str, ...] = HOOKS) -> Path:
    """Add a reactive hook file for each hook name; return the charm directory."""
    (charm / "hooks").mkdir(exist_ok=True)
    for hook in hooks:
        path = charm / "hooks" / hook
        path.write_text(HOOK_TEMPLATE)
        path.chmod(0o755)
    return charm


def copy_subject(dest: Path) -> Path:
    """Copy the subject fixture charm to ``dest`` and add its hooks."""
    shutil.copytree(SUBJECT, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return write_hooks(dest)


def snapshot(model: Model) -> dict[str, object]:
    """Every unit's whole kv store and every committed relation bag (units and apps)."""
    out: dict[str, object] = {}
    for name, unit in sorted(model.state.units.items()):
        out[f"kv {name}"] = model.unit_kv(name)
        out[f"ports {name}"] = sorted(unit.ports)
    for rid, rel in sorted(model.state.relations.items()):
        out[f"units {rid}"] = {k: dict(v) for k, v in rel.unit_bags.items()}
        out[f"apps {rid}"] = {k: dict(v) for k, v in rel.app_bags.items()}
    return out
