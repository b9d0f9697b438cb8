"""Handlers of the dbserver example: answer every database request on ``db``."""

import secrets

from charmhelpers.core import hookenv

from charms.reactive import when, when_not


@when("db.requested")
def serve(db):
    for request in db.new_requests:
        client = request.relation.application_name
        hookenv.log(f"dbserver: creating database {request.database} for {client}")
        # A real server would create the database and the user here.
        db.provide_database(request, hookenv.config()["port"], client, secrets.token_hex(8))
    hookenv.status_set("active", f"serving {len(db.all_requests)} database(s)")


@when_not("db.connected")
def idle():
    hookenv.status_set("active", "no clients")
