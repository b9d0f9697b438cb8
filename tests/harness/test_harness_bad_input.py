"""Bad input fails early with an error that names the problem, not a deep traceback."""

from __future__ import annotations

import pytest

from reactive_harness import (
    CharmError,
    ConfigError,
    HarnessError,
    InterfaceMismatchError,
    UnknownApplicationError,
    UnknownEndpointError,
    UnknownRelationError,
    UnknownUnitError,
)


@pytest.fixture
def two(model, make_charm):
    model.deploy(
        make_charm(
            "a",
            provides={"x": "http", "y": "http"},
            config={"port": {"type": "int", "default": 80}},
        )
    )
    model.deploy(make_charm("b", requires={"x": "http", "z": "mysql"}))
    return model


def test_unknown_application(two):
    with pytest.raises(
        UnknownApplicationError, match=r"application 'c' not found \(deployed: a, b\)"
    ):
        two.relate("a:x", "c:x")
    with pytest.raises(UnknownApplicationError):
        two.set_config("c", {})


def test_unknown_endpoint(two):
    with pytest.raises(
        UnknownEndpointError, match=r"application 'a' has no endpoint 'q' \(declared: x, y\)"
    ):
        two.relate("a:q", "b:x")


def test_interface_mismatch(two):
    with pytest.raises(InterfaceMismatchError, match=r"interface 'http'.*interface 'mysql'"):
        two.relate("a:x", "b:z")


def test_role_mismatch(model, make_charm):
    model.deploy(make_charm("a", provides={"x": "http"}))
    model.deploy(make_charm("b", provides={"x": "http"}))
    with pytest.raises(InterfaceMismatchError, match="one side must provide"):
        model.relate("a:x", "b:x")


def test_ambiguous_endpoints(two):
    with pytest.raises(UnknownEndpointError, match="ambiguous relation"):
        two.relate("a", "b")


def test_duplicate_relation(two):
    two.relate("a:x", "b:x")
    with pytest.raises(HarnessError, match="already exists"):
        two.relate("b:x", "a:x")


def test_unknown_unit_and_relation(two):
    with pytest.raises(UnknownUnitError, match=r"unit 'a/7' not found \(units: a/0, b/0\)"):
        two.remove_unit("a/7")
    with pytest.raises(UnknownRelationError, match="relation 42 not found"):
        two.unrelate(42)
    with pytest.raises(UnknownRelationError, match="no relation between a:x and b:x"):
        two.unrelate("a:x b:x")


def test_bad_config(two):
    with pytest.raises(
        ConfigError, match=r"charm 'a' has no config option 'nope' \(options: port\)"
    ):
        two.set_config("a", {"nope": 1})
    with pytest.raises(ConfigError, match="option 'port' expects type int, got 'eighty'"):
        two.set_config("a", {"port": "eighty"})
    with pytest.raises(ConfigError, match="expects type int, got True"):
        two.set_config("a", {"port": True})


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"metadata.yaml": "name: [unclosed"}, "metadata.yaml: not valid YAML"),
        ({"metadata.yaml": "- a list"}, "metadata.yaml: expected a mapping"),
        ({"metadata.yaml": "summary: no name"}, "metadata.yaml: missing 'name'"),
        ({"metadata.yaml": "name: c\nprovides: {x: {}}"}, "provides.x: missing 'interface'"),
        ({"metadata.yaml": "name: c\npeers: {juju-x: {interface: i}}"}, "reserved endpoint name"),
        ({"config.yaml": "options: {p: {type: integer}}"}, "options.p: unknown type 'integer'"),
        ({"config.yaml": "options: {p: {type: int, default: x}}"}, "options.p: default"),
        ({"config.yaml": "options: ["}, "config.yaml: not valid YAML"),
        ({"actions.yaml": "go: 3"}, "actions.yaml: go: expected a mapping"),
    ],
    ids=[
        "yaml",
        "not-mapping",
        "no-name",
        "no-interface",
        "reserved",
        "config-type",
        "config-default",
        "config-yaml",
        "actions",
    ],
)
def test_malformed_charm_files(model, tmp_path, files, message):
    charm = tmp_path / "c"
    (charm / "hooks").mkdir(parents=True)
    (charm / "metadata.yaml").write_text("name: c\n")
    for name, text in files.items():
        (charm / name).write_text(text)
    with pytest.raises(CharmError, match=message):
        model.deploy(charm)
    assert model.applications == []


def test_charm_without_hooks_or_metadata(model, tmp_path):
    (tmp_path / "nohooks").mkdir()
    (tmp_path / "nohooks" / "metadata.yaml").write_text("name: c\n")
    with pytest.raises(CharmError, match="no hooks/ directory and no dispatch"):
        model.deploy(tmp_path / "nohooks")
    with pytest.raises(CharmError, match=r"no metadata\.yaml"):
        model.deploy(tmp_path)
    with pytest.raises(CharmError, match="does not exist"):
        model.deploy(tmp_path / "missing")


def test_duplicate_or_invalid_application_name(model, make_charm):
    charm = make_charm("a")
    model.deploy(charm)
    with pytest.raises(HarnessError, match="already exists"):
        model.deploy(charm)
    with pytest.raises(HarnessError, match="invalid application name 'B_1'"):
        model.deploy(charm, "B_1")


def test_upgrade_that_drops_a_related_endpoint_is_refused(two, make_charm, tmp_path):
    two.relate("a:x", "b:x")
    smaller = make_charm("a2", provides={"y": "http"})
    with pytest.raises(CharmError, match="would break relation"):
        two.upgrade_charm("a", smaller)


def test_unknown_action(model, make_charm):
    model.deploy(make_charm("a"))
    with pytest.raises(HarnessError, match="has no action 'go'"):
        model.run_action("a/0", "go")


def test_endpoint_limit_is_enforced(model, make_charm, tmp_path):
    charm = make_charm("a", requires={"x": "http"})
    meta = (
        (charm / "metadata.yaml")
        .read_text()
        .replace("interface: http", "interface: http\n    limit: 1")
    )
    (charm / "metadata.yaml").write_text(meta)
    model.deploy(charm)
    model.deploy(make_charm("b", provides={"x": "http"}))
    model.deploy(make_charm("c", provides={"x": "http"}))
    model.relate("a", "b")
    with pytest.raises(HarnessError, match="would exceed its maximum relation limit of 1"):
        model.relate("a", "c")


def test_a_subordinate_needs_a_container_scoped_requires(model, make_charm):
    # Subordinates are emulated (test_subordinates.py); one without a container-scoped
    # requires endpoint is refused as juju/charm refuses it.
    charm = make_charm("s", requires={"host": "juju-info"})
    (charm / "metadata.yaml").write_text(
        (charm / "metadata.yaml").read_text() + "subordinate: true\n"
    )
    with pytest.raises(CharmError, match='subordinate charm "s" lacks "requires" relation'):
        model.deploy(charm)
