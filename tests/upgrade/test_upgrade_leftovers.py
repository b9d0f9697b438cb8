"""State 1.x leaves behind that this layer would never have: cleaned up in upgrade-charm."""

from __future__ import annotations

from pathlib import Path

from helpers.upgrade import REMOTE, write_kv
from reactive_harness import Model


def test_upgrade_charm_drops_local_data_of_departed_unit_conversations(
    new_model, charms: dict[str, Path]
) -> None:
    """1.x's depart() unset a unit conversation but leaked its local data."""
    model: Model = new_model("leftovers")
    model.deploy(charms["ours"], "subject")
    model.deploy(REMOTE, "remote")
    rel = model.relate("subject:unitrel", "remote:unitrel")
    unit = model.unit("subject/0")
    gone = f"reactive.conversations.{rel.key('subject')}.remote/7"
    kept = "reactive.conversations.custrel.upg-pool.local-data.joins"
    write_kv(unit, [], {gone + ".local-data.remote-app": "remote", kept: 3})
    model.upgrade_charm("subject")
    assert unit.kv(gone) == {}
    assert unit.kv(kept) == {kept: 3}
    assert unit.kv(f"reactive.conversations.{rel.key('subject')}.remote/0.local-data") == {
        f"reactive.conversations.{rel.key('subject')}.remote/0.local-data.remote-app": "remote"
    }
