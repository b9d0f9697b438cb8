"""resource-get, storage-get/-list and storage hooks, goal-state, credential-get, and port
ranges: flags, outputs, exit codes and Juju's error texts (jujuc/*.go)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from helpers.harness import run
from reactive_harness import HarnessError, Model


def with_meta(charm: Path, **extra: object) -> Path:
    meta = yaml.safe_load((charm / "metadata.yaml").read_text())
    meta.update(extra)
    (charm / "metadata.yaml").write_text(yaml.safe_dump(meta))
    return charm


# -- resource-get ---------------------------------------------------------------------------
RESOURCES = {
    "software": {"type": "file", "filename": "software.tgz"},
    "extra": {"type": "file", "filename": "extra.bin"},
}


@pytest.fixture
def with_resource(model: Model, make_charm: Callable[..., Path], tmp_path: Path) -> Model:
    payload = tmp_path / "payload.tgz"
    payload.write_bytes(b"\x1f\x8b payload")
    charm = with_meta(make_charm("app"), resources=RESOURCES)
    model.deploy(charm, num_units=2, resources={"software": payload})
    return model


def test_resource_get_prints_the_unit_local_path(with_resource):
    code, out, err = run(with_resource, "app/1", "resource-get software")
    assert (code, err) == (0, "")
    assert out == str(with_resource.root / "agents/unit-app-1/resources/software/software.tgz")
    assert Path(out).read_bytes() == b"\x1f\x8b payload"


def test_resource_get_of_a_resource_not_given(with_resource):
    code, out, err = run(with_resource, "app/0", "resource-get extra")
    assert (code, out) == (1, "")
    assert err.startswith("ERROR could not download resource: HTTP request failed: Get https://")
    assert err.endswith("/units/unit-app-0/resources/extra: resource#app/extra not found\n")
    assert run(with_resource, "app/0", "resource-get nope")[2].endswith(
        "resource#app/nope not found\n"
    )


def test_resource_get_usage(with_resource):
    assert run(with_resource, "app/0", "resource-get") == (
        2,
        "",
        "ERROR missing required resource name\n",
    )
    assert run(with_resource, "app/0", "resource-get software x") == (
        2,
        "",
        'ERROR unrecognized args: ["x"]\n',
    )


def test_deploy_checks_resources(model, make_charm, tmp_path):
    charm = with_meta(make_charm("app"), resources=RESOURCES)
    with pytest.raises(HarnessError, match="charm 'app' has no resource 'other'"):
        model.deploy(charm, resources={"other": tmp_path})
    with pytest.raises(HarnessError, match="is not a file"):
        model.deploy(charm, resources={"software": tmp_path / "missing"})


# -- storage --------------------------------------------------------------------------------
STORAGE = {
    "data": {"type": "filesystem", "location": "/srv/data"},
    "logs": {"type": "filesystem", "multiple": {"range": "0-4"}},
    "disk": {"type": "block"},
}
STORAGE_HOOKS = {
    "data-storage-attached": 'storage-get location > "$CHARM_DIR/attached-${JUJU_STORAGE_ID%/*}"',
}


@pytest.fixture
def with_storage(model: Model, make_charm: Callable[..., Path]) -> Model:
    charm = with_meta(make_charm("db"), storage=STORAGE)
    model.deploy(charm, num_units=2, storage={"logs": 2})
    return model


def test_storage_attached_runs_before_install(with_storage):
    hooks = [r.hook for r in with_storage.records if r.unit == "db/1"]
    assert hooks[:6] == [
        "data-storage-attached",
        "disk-storage-attached",
        "logs-storage-attached",
        "logs-storage-attached",
        "install",
        "leader-settings-changed",
    ]
    ids = [r.env.get("JUJU_STORAGE_ID") for r in with_storage.records if r.unit == "db/1"][:5]
    assert ids == ["data/1", "disk/1", "logs/2", "logs/3", None]


def test_storage_list_and_get(with_storage):
    model = with_storage
    assert run(model, "db/0", "storage-list") == (0, "data/0\ndisk/0\nlogs/0\nlogs/1\n", "")
    assert run(model, "db/0", "storage-list logs --format=json") == (
        0,
        '["logs/0","logs/1"]\n',
        "",
    )
    assert run(model, "db/0", "storage-list other") == (0, "", "")
    location = model.unit("db/0").storage["data/0"]
    assert location.is_dir()
    assert run(model, "db/0", "storage-get -s data/0 location") == (0, f"{location}\n", "")
    assert yaml.safe_load(run(model, "db/0", "storage-get -s disk/0")[1])["kind"] == "block"
    assert json.loads(run(model, "db/0", "storage-get -s data/0 --format json")[1]) == {
        "kind": "filesystem",
        "location": str(location),
    }


@pytest.mark.parametrize(
    ("command", "code", "error"),
    [
        ("storage-get", 2, "no storage instance specified"),
        (
            "storage-get -s data",
            2,
            'invalid value "data" for option -s: invalid storage ID "data"',
        ),
        (
            "storage-get -s data/1",
            2,
            'invalid value "data/1" for option -s: storage attachment "data/1" not found',
        ),
        ("storage-get -s data/0 size", 1, 'invalid storage attribute "size"'),
        ("storage-list a b", 2, 'unrecognized args: ["b"]'),
    ],
)
def test_storage_errors(with_storage, command, code, error):
    assert run(with_storage, "db/0", command) == (code, "", f"ERROR {error}\n")


def test_storage_hook_reads_its_own_instance(model, make_charm):
    charm = with_meta(make_charm("db", hooks=STORAGE_HOOKS), storage={"data": STORAGE["data"]})
    model.deploy(charm)
    unit = model.unit("db/0")
    assert (unit.charm_dir / "attached-data").read_text() == f"{unit.storage['data/0']}\n"


def test_storage_detaching_before_stop(with_storage):
    start = len(with_storage.records)
    with_storage.remove_unit("db/1")
    hooks = [r.hook for r in with_storage.records[start:] if r.unit == "db/1"]
    assert hooks == [
        "data-storage-detaching",
        "disk-storage-detaching",
        "logs-storage-detaching",
        "logs-storage-detaching",
        "stop",
        "remove",
    ]


def test_deploy_checks_storage(model, make_charm):
    charm = with_meta(make_charm("db"), storage=STORAGE)
    with pytest.raises(HarnessError, match="count 5 out of range"):
        model.deploy(charm, storage={"logs": 5})
    with pytest.raises(HarnessError, match="has no storage 'cache'"):
        model.deploy(charm, storage={"cache": 1})


# -- goal-state -----------------------------------------------------------------------------
SINCE = r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}Z"


def test_goal_state_yaml_and_json(pair):
    pair.exec("b/1", "status-set active ready")
    code, out, err = run(pair, "a/0", "goal-state")
    assert (code, err) == (0, "")
    masked = re.sub(SINCE, "T", out)
    assert masked == (
        "units:\n"
        "  a/0:\n    status: unknown\n    since: T\n"
        "  a/1:\n    status: unknown\n    since: T\n"
        "relations:\n"
        "  x:\n"
        "    b:\n      status: joined\n      since: T\n"
        "    b/0:\n      status: unknown\n      since: T\n"
        "    b/1:\n      status: active\n      since: T\n"
        "    b/2:\n      status: unknown\n      since: T\n"
    )
    out = run(pair, "b/0", "goal-state --format=json")[1]
    assert re.sub(SINCE, "T", out) == (
        '{"units":{"b/0":{"status":"unknown","since":"T"},"b/1":{"status":"active",'
        '"since":"T"},"b/2":{"status":"unknown","since":"T"}},"relations":{"x":{"a":'
        '{"status":"joined","since":"T"},"a/0":{"status":"unknown","since":"T"},"a/1":'
        '{"status":"unknown","since":"T"}}}}\n'
    )


def test_goal_state_usage(pair):
    assert run(pair, "a/0", "goal-state --format smart") == (
        2,
        "",
        'ERROR invalid value "smart" for option --format: unknown format "smart"\n',
    )
    assert run(pair, "a/0", "goal-state extra") == (2, "", 'ERROR unrecognized args: ["extra"]\n')


def test_goal_state_shows_dying_units(pair):
    pair.remove_unit("b/2", settle=False)
    out = yaml.safe_load(run(pair, "a/0", "goal-state", settle=False)[1])
    assert out["relations"]["x"]["b/2"]["status"] == "dying"


# -- credential-get, ports ------------------------------------------------------------------
def test_credential_get_is_refused(pair):
    assert run(pair, "a/0", "credential-get") == (
        1,
        "",
        "ERROR cannot access cloud credentials: permission denied\n",
    )
    assert run(pair, "a/0", "credential-get x") == (2, "", 'ERROR unrecognized args: ["x"]\n')


def test_port_ranges(pair):
    assert run(pair, "a/0", "open-port 8000-8010/tcp; open-port 53/udp; opened-ports") == (
        0,
        "8000-8010/tcp\n53/udp\n",
        "",
    )
    assert pair.unit("a/0").opened_ports == ["8000-8010/tcp", "53/udp"]
    assert run(pair, "a/0", "opened-ports --format=json") == (
        0,
        '["8000-8010/tcp","53/udp"]\n',
        "",
    )
    assert run(pair, "a/0", "close-port 8000-8010/tcp; opened-ports") == (0, "53/udp\n", "")
    assert run(pair, "a/0", "open-port 8010-8000/tcp")[2] == (
        "ERROR invalid port range 8010-8000/tcp; expected fromPort <= toPort\n"
    )
