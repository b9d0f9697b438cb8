"""config_flags: when the layer-basic config flags are managed, and what they say."""

from __future__ import annotations

import json

import pytest

from charms.reactive import _config_flags, bus, flags
from charms.reactive._lifecycle import Hook
from charms.reactive.errors import MetadataError

CONFIG_YAML = """\
options:
  port: {type: int, default: 8080, description: a port}
  debug: {type: boolean, default: false, description: a switch}
  name: {type: string, description: no default}
"""


@pytest.fixture
def configured(write, tools):
    write("config.yaml", CONFIG_YAML)
    tools.config = {"port": 8080, "debug": False}


def begin(rt, registry):
    """Run the participant's begin; return it if it managed the flags, else None."""
    bus.discover(rt)
    participant = _config_flags.ConfigFlags()
    participant.begin(Hook(rt, False, registry.handlers(rt)))
    return participant if participant.options else None


def end(rt, participant):
    participant.end(Hook(rt, False, ()))


def config_flag_names(rt):
    return sorted(f for f in flags.get_flags() if f.startswith("config."))


def test_a_handler_condition_on_a_config_flag_turns_them_on(rt, registry, write, configured):
    write("reactive/a.py", "from charms.reactive import when\n@when('config.changed.port')\n"
          "def f():\n    pass\n")  # fmt: skip
    state = begin(rt, registry)

    assert state is not None
    assert state.options == ("port", "debug", "name")
    assert config_flag_names(rt) == [
        "config.changed", "config.changed.debug", "config.changed.name", "config.changed.port",
        "config.default.debug", "config.default.name", "config.default.port", "config.set.port",
    ]  # fmt: skip
    assert rt.kv.get(_config_flags.PREVIOUS_KEY) == {"port": 8080, "debug": False, "name": None}
    end(rt, state)
    assert config_flag_names(rt) == [
        "config.default.debug",
        "config.default.name",
        "config.default.port",
        "config.set.port",
    ]


def test_charm_without_config_flags_in_its_handlers_asks_nothing(
    rt, registry, write, tools, configured
):
    write("reactive/a.py", "from charms.reactive import when\n@when('db.ready')\n"
          "def f():\n    pass\n")  # fmt: skip

    assert begin(rt, registry) is None
    assert ("config-get", ()) not in tools.calls
    assert config_flag_names(rt) == []


def test_a_trigger_on_a_config_flag_turns_them_on(rt, registry, write, configured):
    write("reactive/a.py", "from charms.reactive import register_trigger\n"
          "register_trigger(when='config.changed', set_flag='app.stale')\n")  # fmt: skip

    begin(rt, registry)

    assert flags.is_flag_set("app.stale")


def test_an_executable_handler_mentioning_a_config_flag_turns_them_on(
    rt, registry, write, configured
):
    write("reactive/b.sh", "#!/bin/bash\n# @when 'config.changed.port'\n", executable=True)

    assert _config_flags.wanted(rt, registry.handlers(rt)) is False  # not discovered yet
    assert begin(rt, registry) is not None


def test_only_changed_options_are_reported(hook_runtime, registry, write, tools, configured):
    write("reactive/a.py", "from charms.reactive import when\n@when('config.changed')\n"
          "def f():\n    pass\n")  # fmt: skip
    rt = hook_runtime("install")
    end(rt, begin(rt, registry))
    rt.kv.flush()
    tools.config = {"port": 9090, "debug": False}

    rt = hook_runtime("config-changed")
    begin(rt, registry)

    changed = [f for f in config_flag_names(rt) if f.startswith("config.changed")]
    assert changed == ["config.changed", "config.changed.port"]
    assert not flags.is_flag_set("config.default.port")


def test_after_an_upgrade_from_layer_basic_charmhelpers_record_is_the_previous_config(
    rt, registry, write, charm_dir, configured
):
    write("reactive/a.py", "from charms.reactive import when\n@when('config.changed')\n"
          "def f():\n    pass\n")  # fmt: skip
    (charm_dir / ".juju-persistent-config").write_text(json.dumps({"port": 8080, "x": 1}))

    begin(rt, registry)

    assert [f for f in config_flag_names(rt) if f.startswith("config.changed")] == [
        "config.changed", "config.changed.debug"  # false vs absent: changed (charmhelpers agrees)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("options: [1, 2]\n", "'options' must map each option"),
        ("options:\n  port: 8080\n", "'options' must map each option"),
        ("options: {port: [\n", "is not valid YAML"),
    ],
)
def test_a_malformed_config_yaml_is_named(charm_dir, text, message):
    (charm_dir / "config.yaml").write_text(text)

    with pytest.raises(MetadataError, match=message) as err:
        _config_flags.declared_options(charm_dir)
    assert str(charm_dir / "config.yaml") in str(err.value)


def test_no_config_yaml_declares_no_option(charm_dir):
    assert _config_flags.declared_options(charm_dir) == {}
