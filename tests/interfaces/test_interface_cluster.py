"""interfaces/cluster (peers) through the emulator: scope UNIT, one conversation per peer."""

from __future__ import annotations

import pytest

RING = """
import os

from charms.reactive import clear_flag, when


@when("cluster.connected")
def publish(cluster):
    cluster.publish_address(os.environ["JUJU_UNIT_NAME"].replace("/", "-") + ".local")


@when("cluster.available")
def members(cluster):
    record("members", cluster.members())


@when("cluster.departed")
def departed():
    record("departures", record_count("departures") + 1)
    clear_flag("cluster.departed")


def record_count(key):
    path = os.path.join(os.environ["CHARM_DIR"], "seen.json")
    if not os.path.exists(path):
        return 0
    import json

    with open(path, encoding="utf-8") as stream:
        return json.load(stream).get(key, 0)
"""


@pytest.fixture
def ring(model, make_charm):
    model.deploy(make_charm("ring", RING, peers={"cluster": "cluster"}), num_units=3)
    return model


def test_every_unit_knows_its_peers_and_their_addresses(ring, seen):
    assert seen("ring/0")["members"] == {"ring/1": "ring-1.local", "ring/2": "ring-2.local"}
    assert seen("ring/2")["members"] == {"ring/0": "ring-0.local", "ring/1": "ring-1.local"}
    for unit in ("ring/0", "ring/1", "ring/2"):
        assert {"cluster.connected", "cluster.available"} <= ring.unit(unit).flags


def test_one_conversation_per_peer_unit(ring, conversations):
    rid = ring.relations[0].id
    assert conversations("ring/1") == {
        f"cluster:{rid}.ring/0": ["ring/0"],
        f"cluster:{rid}.ring/2": ["ring/2"],
    }


def test_a_departing_peer_is_forgotten_and_signalled_once(ring, seen, conversations):
    rid = ring.relations[0].id
    ring.remove_unit("ring/2")
    assert seen("ring/0")["members"] == {"ring/1": "ring-1.local"}
    assert seen("ring/0")["departures"] == 1
    assert "cluster.departed" not in ring.unit("ring/0").flags
    assert conversations("ring/0") == {f"cluster:{rid}.ring/1": ["ring/1"]}


def test_a_single_unit_has_no_peers(model, make_charm, seen):
    model.deploy(make_charm("solo", RING, peers={"cluster": "cluster"}))
    assert "cluster.connected" not in model.unit("solo/0").flags
    assert "members" not in seen("solo/0")
