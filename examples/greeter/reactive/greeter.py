"""Greet every related application with the configured greeting."""

from charmhelpers.core import hookenv

from charms.reactive import when, when_not


@when("greeting.connected")
def greet(greeting):
    greeting.send_greeting(hookenv.config()["greeting"])
    hookenv.status_set("active", "greeting")


@when_not("greeting.connected")
def alone():
    hookenv.status_set("active", "nobody to greet")
