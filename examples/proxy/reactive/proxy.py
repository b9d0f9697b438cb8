"""Handlers of the proxy example: one upstream per backend application."""

import os

from charmhelpers.core import hookenv

from charms.reactive import clear_flag, set_flag, when, when_not


def _config_file():
    return os.path.join(hookenv.charm_dir(), "proxy.conf")


@when("backend.available")
def render(backend):
    lines = [f"listen {hookenv.config()['port']}"]
    for service in backend.services():
        lines.append(f"upstream {service['service_name']}")
        lines.extend(f"  server {h['hostname']}:{h['port']}" for h in service["hosts"])
    with open(_config_file(), "w", encoding="utf-8") as stream:
        stream.write("\n".join(lines) + "\n")
    set_flag("proxy.configured")


@when("proxy.configured")
@when_not("backend.available")
def no_backends():
    os.remove(_config_file())
    clear_flag("proxy.configured")
    clear_flag("proxy.announced")
