"""Charm code in the charms.reactive 1.x idiom: logs what the endpoints show (eptest.*)."""

from charmhelpers.core import unitdata

from charms.reactive import endpoint_from_name, hook, when


@hook("upgrade-charm")
def upgraded():
    """After the switch of framework: what the endpoints kept (departed units, requests)."""
    kv = unitdata.kv()
    kv.set("eptest.upgrade.departed", endpoint_from_name("db").departed_summary())
    kv.set("eptest.upgrade.requests", endpoint_from_name("tasks").summary())


@when("endpoint.db.joined")
def hosts():
    unitdata.kv().set("eptest.hosts", endpoint_from_name("db").hosts())


@when("endpoint.tasks.joined")
def requests():
    tasks = endpoint_from_name("tasks")
    unitdata.kv().set("eptest.requests", tasks.summary())
