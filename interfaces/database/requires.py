"""The client side of the ``database`` interface (scope GLOBAL).

A client talks to one database application: one conversation for all of its units.
"""

from charms.reactive import RelationBase, hook, scopes

FIELDS = ("host", "port", "database", "user", "password")


class DatabaseRequires(RelationBase):
    scope = scopes.GLOBAL
    auto_accessors = list(FIELDS)

    @hook("{requires:database}-relation-joined")
    def joined(self):
        self.set_state("{relation_name}.connected")

    @hook("{requires:database}-relation-changed")
    def changed(self):
        self.set_state("{relation_name}.connected")
        if all(self.get_remote(field) for field in FIELDS):
            self.set_state("{relation_name}.available")
        else:
            self.remove_state("{relation_name}.available")

    @hook("{requires:database}-relation-{departed,broken}")
    def departed(self):
        self.remove_state("{relation_name}.available")
        self.remove_state("{relation_name}.connected")

    def request_database(self, name):
        """Ask for a database with this name (default: this application's name)."""
        self.set_remote(database=name)

    def connection_string(self):
        """Return ``user:password@host:port/database``, or None until available."""
        values = [self.get_remote(field) for field in FIELDS]
        if not all(values):
            return None
        host, port, database, user, password = values
        return f"{user}:{password}@{host}:{port}/{database}"
