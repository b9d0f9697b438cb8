"""Charm code in the charms.reactive 1.x idiom; it counts what it does in upgtest.* keys."""

from charmhelpers.core import hookenv, unitdata

from charms.reactive import (
    RelationBase,
    hook,
    is_state,
    only_once,
    remove_state,
    set_state,
    when,
    when_not,
)
from charms.reactive.bus import get_states
from charms.reactive.decorators import not_unless
from charms.reactive.helpers import data_changed


def bump(name):
    """Count an event in the unit's key-value store (kept across hooks and the upgrade)."""
    kv = unitdata.kv()
    kv.set("upgtest.count." + name, kv.get("upgtest.count." + name, 0) + 1)


@only_once
def first_hook():
    bump("only_once")
    set_state("app.installed")


@hook("upgrade-charm")
def upgraded():
    bump("upgrade-charm")


@when("app.installed")
@when_not("app.configured")
def configure():
    bump("configure")
    set_state("app.configured")


@not_unless("app.configured")
def motd():
    return hookenv.config()["motd"]


@when("app.configured", "svcrel.connected")
def send_motd(svcrel):
    text = motd()
    if data_changed("svcrel.motd", [text, sorted(c.scope for c in svcrel.conversations())]):
        bump("motd-sent")
        svcrel.send_motd(text)


@when("unitrel.available")
def hosts_changed(unitrel):
    hosts = unitrel.hosts()
    if data_changed("unitrel.hosts", hosts):
        bump("hosts-changed")
        unitdata.kv().set("upgtest.hosts", hosts)


@when("globrel.configured")
def key_changed(globrel):
    if data_changed("globrel.api-key", globrel.api_key()):
        bump("api-key-changed")


@when("custrel.pooled")
@when_not("app.pooled")
def pooled():
    set_state("app.pooled")


@when_not("custrel.pooled")
@when("app.pooled")
def unpooled():
    remove_state("app.pooled")


@when("ring.peered")
def peered(ring):
    unitdata.kv().set("upgtest.peers", ring.peers())


@hook("update-status")
def status():
    flags = sorted(get_states())
    hookenv.status_set("active", "%d flags" % len(flags))
    if is_state("app.configured"):
        rel = RelationBase.from_state("unitrel.available")
        unitdata.kv().set("upgtest.status-hosts", rel.hosts() if rel else None)
