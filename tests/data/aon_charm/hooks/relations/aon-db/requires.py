"""Fixture interface (scopes.UNIT): answers each remote unit's ``value``."""

from charms.reactive import RelationBase, hook, scopes


class AonDb(RelationBase):
    scope = scopes.UNIT

    @hook("{requires:aon-db}-relation-{joined,changed}")
    def changed(self):
        conv = self.conversation()
        conv.set_state("{relation_name}.connected")
        value = conv.get_remote("value")
        if value:
            conv.set_remote("answer", f"got-{value}")

    @hook("{requires:aon-db}-relation-broken")
    def broken(self):
        # Writes to a relation being broken are not sent; saying so costs no juju-log call.
        for key in ("a", "b", "c", "d", "e"):
            self.set_remote(key, "bye")
