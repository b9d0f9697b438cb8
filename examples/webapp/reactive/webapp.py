"""Handlers of the webapp example: publish the HTTP endpoint, get a database."""

import os

from charmhelpers.core import hookenv

from charms.reactive import clear_flag, set_flag, when, when_not


def _config_file():
    return os.path.join(hookenv.charm_dir(), "webapp.conf")


@when_not("webapp.installed")
def install():
    hookenv.log("webapp: installing")
    set_flag("webapp.installed")


@when("website.available")
def publish_endpoint(website):
    website.configure(port=hookenv.config()["port"])


@when("database.connected")
@when_not("webapp.database.requested")
def request_database(database):
    database.request_database("webapp")
    set_flag("webapp.database.requested")


@when("webapp.installed", "database.available")
def write_config(database):
    with open(_config_file(), "w", encoding="utf-8") as stream:
        stream.write(f"port = {hookenv.config()['port']}\n")
        stream.write(f"database = {database.connection_string()}\n")
    set_flag("webapp.configured")


@when("webapp.configured")
@when_not("database.available")
def lost_database():
    os.remove(_config_file())
    clear_flag("webapp.configured")
    clear_flag("webapp.database.requested")
