"""The ``kv`` interface, provides side: settings for every related application (Endpoint).

The leader publishes the application's settings in the application bag of every relation
(:meth:`KVProvides.publish`); any unit may publish its own values in its unit bag
(:meth:`KVProvides.publish_unit`). Consumers may publish values of their own, read with
:meth:`KVProvides.consumer_values`.

Flags (``<name>`` is the relation name in metadata.yaml):

* ``<name>.connected``: some consumer unit is related.
* ``<name>.consumers.changed``: a consumer unit's values changed; clear it once handled.
"""

from charms.reactive import Endpoint, clear_flag, set_flag, when, when_not


class KVProvides(Endpoint):
    """The provides side of ``kv``."""

    @when("endpoint.{endpoint_name}.joined")
    @when_not("{endpoint_name}.connected")
    def _connected(self):
        set_flag(self.expand_name("{endpoint_name}.connected"))

    @when_not("endpoint.{endpoint_name}.joined")
    @when("{endpoint_name}.connected")
    def _disconnected(self):
        clear_flag(self.expand_name("{endpoint_name}.connected"))

    @when("endpoint.{endpoint_name}.changed")
    def _consumers_changed(self):
        clear_flag(self.expand_name("changed"))
        set_flag(self.expand_name("{endpoint_name}.consumers.changed"))

    def publish(self, **settings):
        """Publish ``settings`` (JSON values; None removes a key) to every related application.

        Only the leader may: on another unit this raises
        ``charms.reactive.endpoints.LeadershipError`` (check ``hookenv.is_leader()`` first).
        Keys not named are left as they are.
        """
        for relation in self.relations:
            bag = relation.to_publish_app
            for key, value in settings.items():
                bag[key] = value

    def publish_unit(self, **values):
        """Publish this unit's ``values`` (JSON; None removes a key) on every relation."""
        for relation in self.relations:
            bag = relation.to_publish
            for key, value in values.items():
                bag[key] = value

    def consumer_values(self):
        """Each consumer unit's values: ``{unit name: {key: value}}``, in unit order."""
        return {unit.unit_name: dict(unit.received) for unit in self.all_joined_units}
