"""Test interface layer (scopes.GLOBAL), written as charms.reactive 1.x interface layers are."""

from charms.reactive import RelationBase, hook, scopes


class UpgGlobRequires(RelationBase):
    scope = scopes.GLOBAL
    auto_accessors = ["api-key"]

    @hook("{requires:upg-glob}-relation-{joined,changed}")
    def changed(self):
        self.set_state("{relation_name}.joined")
        self.toggle_state("{relation_name}.configured", bool(self.api_key()))
        self.set_remote(data={"want": "api-key"}, version="1")

    @hook("{requires:upg-glob}-relation-broken")
    def broken(self):
        self.remove_state("{relation_name}.configured")
        self.remove_state("{relation_name}.joined")
