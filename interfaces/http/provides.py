"""The website side of the ``http`` interface (scope GLOBAL).

One conversation covers every proxy unit on every relation id of the endpoint: the
website publishes one ``hostname``/``port`` pair and all proxies read the same data.
"""

from charmhelpers.core import hookenv

from charms.reactive import RelationBase, hook, scopes


class HttpProvides(RelationBase):
    scope = scopes.GLOBAL

    @hook("{provides:http}-relation-{joined,changed}")
    def joined_or_changed(self):
        self.set_state("{relation_name}.available")

    @hook("{provides:http}-relation-departed")
    def departed(self):
        conv = self.conversation()
        if not set(conv.units) - {hookenv.remote_unit()}:
            # The last proxy unit is leaving: nobody is connected any more.
            conv.remove_state("{relation_name}.available")

    def configure(self, port, hostname=None):
        """Publish where the website listens.

        Args:
            port: The TCP port.
            hostname: The address proxies should use; by default they use the
                ``private-address`` Juju publishes for this unit.
        """
        data = {"port": str(port)}
        if hostname:
            data["hostname"] = hostname
        self.set_remote(data=data)
