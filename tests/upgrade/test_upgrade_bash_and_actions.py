"""A bash handler (charms.reactive.sh, relation_call) and an action (from_state), unmodified."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from helpers.upgrade import REMOTE, build, hosts_action
from reactive_harness import Model


def run(new_model: Any, charm: Path, name: str) -> dict[str, Any]:
    model: Model = new_model(name)
    model.deploy(charm, "subject", num_units=2)
    model.deploy(REMOTE, "remote")
    rel = model.relate("subject:unitrel", "remote:unitrel")
    model.set_relation_data(rel, "remote/0", {"host": "primary", "port": "5432"})
    unit = model.unit("subject/0")
    return {
        "announced": (unit.charm_dir / "announced.txt").read_text(),
        "flags": sorted(unit.flags),
        "action": hosts_action(model, unit.name),
    }


def test_bash_handler_and_action_agree(new_model, tmp_path: Path, ref_python: Path) -> None:
    charms = {
        fw: build(tmp_path / f"bash-{fw}", fw, ref_python, bash=True) for fw in ("ref", "ours")
    }
    with ThreadPoolExecutor(2) as pool:
        got = {fw: pool.submit(run, new_model, c, fw) for fw, c in charms.items()}
        ref, ours = got["ref"].result(), got["ours"].result()
    assert ref["announced"] == "['remote/0', 'primary', '5432']subject/1"
    assert ref["action"] == {"hosts": '[["remote/0", "primary", "5432"]]'}
    assert ours == ref
