"""Charm handlers of the reliability fixture: each hook writes flags, kv and relation data."""

import os

from charmhelpers.core import hookenv, unitdata

from charms.reactive import RelationBase, clear_flag, hook, set_flag, when, when_not
from charms.reactive.helpers import data_changed


@hook("install", "upgrade-charm")
def installed():
    set_flag("subject.installed")
    unitdata.kv().set("subject.installs", unitdata.kv().get("subject.installs", 0) + 1)


@hook("config-changed")
def configured():
    greeting = hookenv.config().get("greeting")
    data_changed("subject.greeting", greeting)
    unitdata.kv().set("subject.greeting", greeting)
    set_flag("subject.configured")


@hook("leader-elected")
def elected():
    set_flag("subject.was-leader")


@when("u.connected")
def greet_unit_scope():
    rel = RelationBase.from_state("u.connected")
    for conv in rel.conversations():
        conv.set_remote("greeting", unitdata.kv().get("subject.greeting") or "none")


@when("s.connected", "g.connected")
def both():
    set_flag("subject.both")


@when_not("s.connected")
def not_both():
    clear_flag("subject.both")


@hook("update-status")
def counter():
    unitdata.kv().set("subject.ticks", unitdata.kv().get("subject.ticks", 0) + 1)


@when_not("subject.never-set")
def boom():
    # A few more tool calls in every hook, for the fault injection to hit.
    hookenv.status_set("active", "ready" if hookenv.is_leader() else "follower")
    if os.path.exists(os.path.join(os.environ["JUJU_CHARM_DIR"], "FAIL")):
        raise RuntimeError("failing on request (FAIL exists)")
