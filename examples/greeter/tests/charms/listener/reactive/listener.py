"""Show the greeting the greeter sent."""

from charmhelpers.core import hookenv

from charms.reactive import when, when_not


@when("greeting.greeted")
def greeted(greeting):
    hookenv.status_set("active", f"greeted: {greeting.message()}")


@when_not("greeting.greeted")
def waiting():
    hookenv.status_set("waiting", "waiting for a greeting")
