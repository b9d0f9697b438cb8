from charms.reactive import RelationBase, hook, scopes


class GreetingProvides(RelationBase):
    # One conversation for every related unit: they all get the same greeting.
    scope = scopes.GLOBAL

    @hook("{provides:greeting}-relation-joined")
    def joined(self):
        self.set_state("{relation_name}.connected")

    def send_greeting(self, message):
        self.set_remote("message", message)
