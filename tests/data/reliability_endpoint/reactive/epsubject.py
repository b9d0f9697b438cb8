"""Charm code of the Endpoint reliability fixture: reacts to the interface's flag."""

from charmhelpers.core import hookenv, unitdata

from charms.reactive import when


@when("ep.answered")
def report():
    values = unitdata.kv().get("eptest.values", {})
    hookenv.status_set("active", f"{len(values)} remote values")
