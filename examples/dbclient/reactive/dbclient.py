"""Handlers of the dbclient example: get a database (Endpoint), then serve HTTP (RelationBase)."""

import os

from charmhelpers.core import hookenv

from charms.reactive import clear_flag, set_flag, when, when_not


def _database_name():
    return hookenv.service_name()


def _config_file():
    return os.path.join(hookenv.charm_dir(), "dbclient.conf")


@when("database.connected")
@when_not("dbclient.requested")
def request_database(database):  # the DbaasRequires endpoint (an Endpoint)
    database.request_database(_database_name())
    set_flag("dbclient.requested")


@when_not("database.connected")
def forget_request():
    clear_flag("dbclient.requested")


@when("database.ready")
def write_config(database):
    with open(_config_file(), "w", encoding="utf-8") as stream:
        stream.write(f"port = {hookenv.config()['port']}\n")
        stream.write(f"database = {database.connection_string(_database_name())}\n")
    set_flag("dbclient.configured")


@when("website.available", "dbclient.configured")
def publish_website(website):  # the HttpProvides conversation (RelationBase)
    website.configure(port=hookenv.config()["port"])


@when("dbclient.configured")
@when_not("database.ready")
def lost_database():
    os.remove(_config_file())
    clear_flag("dbclient.configured")
