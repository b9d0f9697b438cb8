"""Handlers of the ring example: cluster membership over a peer relation."""

import os

from charmhelpers.core import hookenv

from charms.reactive import clear_flag, when, when_not


def _write_members(members):
    path = os.path.join(hookenv.charm_dir(), "members.txt")
    with open(path, "w", encoding="utf-8") as stream:
        for unit, address in sorted(members.items()):
            stream.write(f"{unit} {address or '-'}\n")


@when("cluster.connected")
def publish_address(cluster):
    cluster.publish_address(hookenv.local_unit().replace("/", "-") + ".local")


@when("cluster.available")
def record_members(cluster):
    _write_members(cluster.members())


@when_not("cluster.available")
def alone():
    _write_members({})


@when("cluster.departed")
def peer_left():
    hookenv.log("ring: a peer left the cluster")
    clear_flag("cluster.departed")
