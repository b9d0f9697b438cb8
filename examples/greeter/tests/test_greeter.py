"""The greeter and a listener, built with charm-build and run in the Juju emulator."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def related(build_charm, model):
    """greeter/0 related to listener/0 and listener/1."""
    model.deploy(build_charm(ROOT), config={"greeting": "hello"})
    model.deploy(build_charm(ROOT / "tests" / "charms" / "listener"), num_units=2)
    model.relate("greeter:greeting", "listener:greeting")
    return model


def test_every_listener_unit_is_greeted(related):
    assert related.relation("greeter listener").data("greeter/0")["message"] == "hello"
    for unit in related.app("listener").units:
        assert "greeting.greeted" in unit.flags
        assert unit.status.message == "greeted: hello"


def test_a_new_greeting_reaches_every_listener(related):
    related.set_config("greeter", {"greeting": "bonjour"})

    assert [u.status.message for u in related.app("listener").units] == [
        "greeted: bonjour",
        "greeted: bonjour",
    ]


def test_removing_the_relation_clears_the_flags(related):
    related.unrelate("greeter listener")

    assert "greeting.connected" not in related.unit("greeter/0").flags
    assert related.unit("greeter/0").status.message == "nobody to greet"
    assert "greeting.greeted" not in related.unit("listener/1").flags


def test_no_hook_failed(related):
    assert [r.hook for r in related.records if r.exit_code not in (0, None)] == []
