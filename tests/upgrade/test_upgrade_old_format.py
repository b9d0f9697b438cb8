"""Conversations in the pre-namespace format (before charms.reactive 0.4).

A unit's .unit-state.db is rewritten as a pre-2016 charms.reactive left it: conversations keyed
by relation *name* (``reactive.conversations.<relation name>.<scope>``, with a
``relation_name`` field instead of ``namespace``) and flags referencing those keys. The next
hook must migrate it exactly as charms.reactive 1.5.3 does: on the reference itself, on this
layer, and across the upgrade from the reference to this layer.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from helpers.upgrade import REMOTE, differences, write_kv
from reactive_harness import Model, Unit

PREFIX = "reactive.conversations."


def to_old_format(unit: Unit) -> None:
    """Rewrite the unit's conversations and relation flags in the pre-namespace format."""
    kv = unit.kv("reactive.")
    renamed: dict[str, str] = {}
    put: dict[str, Any] = {}
    drop: list[str] = []
    for key, value in kv.items():
        if not key.startswith(PREFIX) or ".local-data." in key:
            continue
        name = value["namespace"].split(":")[0]
        old = f"{PREFIX}{name}.{value['scope']}"
        renamed[key] = old
        drop.append(key)
        record = put.setdefault(old, {"relation_name": name, "units": [], "scope": value["scope"]})
        record["units"] = sorted(set(record["units"]) | set(value["units"]))
    for key, value in kv.items():
        if key.startswith("reactive.states.") and isinstance(value, dict):
            convs = []
            for conv in value["conversations"]:
                if renamed.get(conv, conv) not in convs:
                    convs.append(renamed.get(conv, conv))
            put[key] = {**value, "conversations": convs}
    write_kv(unit, drop, put)


def relation_state(unit: Unit) -> dict[str, Any]:
    """Conversations (without local data) and relation flags of a unit."""
    return {
        k: v
        for k, v in unit.kv("reactive.").items()
        if (k.startswith(PREFIX) and ".local-data." not in k)
        or (k.startswith("reactive.states.") and isinstance(v, dict))
    }


def migrate(new_model: Any, first: Path, then: Path | None, name: str) -> dict[str, Any]:
    model: Model = new_model(name)
    model.deploy(first, "subject", num_units=2)
    model.deploy(REMOTE, "remote", num_units=2)
    for rel in ("unitrel", "svcrel", "globrel", "custrel"):
        model.relate(f"subject:{rel}", f"remote:{rel}")
    model.set_relation_data(model.relations[-4], "remote/1", {"host": "h", "port": "1"})
    out: dict[str, Any] = {}
    for unit in model.app("subject").units:
        before = relation_state(unit)
        to_old_format(unit)
        assert relation_state(unit) != before
        out[unit.name] = {"namespaced": before}
    if then is None:
        model.update_status("subject")
    else:
        model.upgrade_charm("subject", then)
    for unit in model.app("subject").units:
        out[unit.name]["migrated"] = relation_state(unit)
    return out


def test_old_format_migrates_as_on_the_reference(new_model, charms: dict[str, Path]) -> None:
    runs = {
        "ref": (charms["ref"], None),
        "ours": (charms["ours"], None),
        "ref-to-ours": (charms["ref"], charms["ours"]),
    }
    with ThreadPoolExecutor(len(runs)) as pool:
        futures = {k: pool.submit(migrate, new_model, a, b, k) for k, (a, b) in runs.items()}
        got = {k: f.result() for k, f in futures.items()}
    for name, run in got.items():
        for unit, states in run.items():
            # This layer restores exactly what the namespaced format held. 1.5.3 does too,
            # except for a custom scope: its migration splits every non-global conversation
            # per relation id, so the custom-scope one lands at <relation id>.<scope>, a key
            # its interface never reads again (a 1.x quirk; documented in docs/migration.md).
            diff = differences(states["migrated"], states["namespaced"])
            if name == "ref":
                assert diff
                assert all("custrel" in line for line in diff), diff
            else:
                assert not diff, f"{name} {unit}:\n" + "\n".join(diff)
    # Apart from that, this layer's migration agrees with the reference's.
    for name in ("ours", "ref-to-ours"):
        diff = [line for line in differences(got[name], got["ref"]) if "custrel" not in line]
        assert not diff, f"{name} vs ref:\n" + "\n".join(diff)
