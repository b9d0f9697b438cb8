"""The server side of the ``database`` interface (scope SERVICE).

Each client *application* on each relation id is one conversation, so every client gets
its own database name and credentials, shared by all of its units.
"""

from charms.reactive import RelationBase, hook, scopes


class DatabaseProvides(RelationBase):
    scope = scopes.SERVICE

    @hook("{provides:database}-relation-{joined,changed}")
    def joined_or_changed(self):
        conv = self.conversation()
        conv.set_state("{relation_name}.connected")
        wanted = conv.get_remote("database") or conv.scope
        if conv.get_local("provided") != wanted:
            conv.set_state("{relation_name}.database.requested")

    @hook("{provides:database}-relation-departed")
    def departed(self):
        conv = self.conversation()
        if len(conv.units) <= 1:  # the departing unit was the application's last one
            conv.remove_state("{relation_name}.connected")
            conv.remove_state("{relation_name}.database.requested")
            conv.set_local("provided", None)

    def requested_databases(self):
        """Yield ``(application, database name)`` for every client still waiting."""
        for conv in self.conversations():
            if conv.is_state("{relation_name}.database.requested"):
                yield conv.scope, conv.get_remote("database") or conv.scope

    def provide_database(self, application, host, port, database, user, password):
        """Send one client application its connection details and mark it served."""
        conv = self.conversation(scope=application)
        conv.set_remote(host=host, port=str(port), database=database, user=user, password=password)
        conv.set_local("provided", database)
        conv.remove_state("{relation_name}.database.requested")

    def clients(self):
        """Return the names of the connected client applications, sorted."""
        return sorted(conv.scope for conv in self.conversations())
