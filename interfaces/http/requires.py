"""The reverse-proxy side of the ``http`` interface (scope UNIT).

Each website unit is its own conversation, so the proxy sees every backend separately.
"""

from charms.reactive import RelationBase, hook, scopes


class HttpRequires(RelationBase):
    scope = scopes.UNIT
    auto_accessors = ["hostname", "port"]

    @hook("{requires:http}-relation-{joined,changed}")
    def changed(self):
        conv = self.conversation()
        if conv.get_remote("port"):
            conv.set_state("{relation_name}.available")
        else:
            conv.remove_state("{relation_name}.available")

    @hook("{requires:http}-relation-departed")
    def departed(self):
        self.conversation().remove_state("{relation_name}.available")

    def services(self):
        """Return the backends, grouped by website application.

        Returns:
            A list of ``{"service_name": app, "hosts": [{"hostname": h, "port": p}]}``,
            sorted by application, hosts sorted by unit name; units that have not
            published a port yet are left out.
        """
        grouped = {}
        for conv in sorted(self.conversations(), key=lambda c: c.scope):
            port = conv.get_remote("port")
            if not port:
                continue
            host = conv.get_remote("hostname") or conv.get_remote("private-address")
            app = conv.scope.split("/")[0]
            grouped.setdefault(app, []).append({"hostname": host, "port": port})
        return [{"service_name": app, "hosts": hosts} for app, hosts in sorted(grouped.items())]
