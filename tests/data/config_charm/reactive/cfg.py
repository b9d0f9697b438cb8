"""Handlers on the config flags, as charms written for layer-basic have them."""

import os

from charmhelpers.core import hookenv

from charms.reactive import register_trigger, set_flag, when, when_not

# A config change invalidates the rendered configuration (layer-basic charms do this).
register_trigger(when="config.changed", clear_flag="app.rendered")


def _note(text):
    with open(os.path.join(hookenv.charm_dir(), "notes.txt"), "a") as out:
        out.write(f"{hookenv.hook_name()}: {text}\n")


@when("config.changed.port")
def port_changed():
    if hookenv.config()["fail"]:
        raise RuntimeError("config asked the port handler to fail")
    _note(f"port {hookenv.config()['port']}")


@when("config.set.debug")
def debugging():
    _note("debug on")


@when("config.default.port")
@when_not("app.rendered")
def render_default():
    _note("rendered with the default port")
    set_flag("app.rendered")


@when_not("config.default.port", "app.rendered")
def render_custom():
    _note("rendered with a custom port")
    set_flag("app.rendered")
