"""Handlers of the db example: one database and one password per client application."""

import hashlib
import socket

from charmhelpers.core import hookenv

from charms.reactive import when


def _password(application):
    seed = f"{hookenv.service_name()}:{application}".encode()
    return hashlib.sha256(seed).hexdigest()[:20]


@when("db.database.requested")
def serve(db):
    config = hookenv.config()
    host = config.get("host") or socket.getfqdn()
    for application, name in db.requested_databases():
        hookenv.log(f"db: serving database {name} to {application}")
        db.provide_database(
            application, host, config["port"], name, application, _password(application)
        )
