from charms.reactive import RelationBase, hook, scopes


class GreetingRequires(RelationBase):
    scope = scopes.GLOBAL
    auto_accessors = ["message"]

    @hook("{requires:greeting}-relation-{joined,changed}")
    def changed(self):
        self.set_state("{relation_name}.connected")
        self.toggle_state("{relation_name}.greeted", bool(self.message()))
