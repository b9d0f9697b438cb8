"""The ``kv`` interface, requires side: the provider's settings and unit values (Endpoint).

Flags (``<name>`` is the relation name in metadata.yaml):

* ``<name>.connected``: some provider unit is related.
* ``<name>.available``: connected, and a provider application has published settings.
* ``<name>.settings.changed``: a provider application's settings changed (set with the first
  ones too); clear it once handled.
"""

from charms.reactive import Endpoint, clear_flag, set_flag, toggle_flag, when, when_not


class KVRequires(Endpoint):
    """The requires side of ``kv``."""

    @when("endpoint.{endpoint_name}.joined")
    @when_not("{endpoint_name}.connected")
    def _connected(self):
        set_flag(self.expand_name("{endpoint_name}.connected"))

    @when_not("endpoint.{endpoint_name}.joined")
    @when("{endpoint_name}.connected")
    def _disconnected(self):
        clear_flag(self.expand_name("{endpoint_name}.connected"))
        clear_flag(self.expand_name("{endpoint_name}.available"))

    @when("endpoint.{endpoint_name}.joined", "endpoint.{endpoint_name}.app.changed")
    def _settings_changed(self):
        clear_flag(self.expand_name("app.changed"))
        set_flag(self.expand_name("{endpoint_name}.settings.changed"))
        toggle_flag(self.expand_name("{endpoint_name}.available"), bool(self.settings()))

    def settings(self):
        """The providers' settings merged (relations in id order; the first one wins a key)."""
        merged = {}
        for relation in reversed(list(self.relations)):
            merged.update(relation.received_app)
        return merged

    def settings_by_app(self):
        """Each provider application's settings: ``{application name: {key: value}}``."""
        return {
            relation.application_name: dict(relation.received_app)
            for relation in self.relations
            if relation.application_name
        }

    def unit_values(self):
        """Each provider unit's values: ``{unit name: {key: value}}``, in unit order."""
        return {unit.unit_name: dict(unit.received) for unit in self.all_joined_units}

    def announce(self, **values):
        """Publish this unit's ``values`` (JSON; None removes a key) on every relation."""
        for relation in self.relations:
            bag = relation.to_publish
            for key, value in values.items():
                bag[key] = value
